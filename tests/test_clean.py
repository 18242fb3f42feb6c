"""The selectolax clean-up pass: what is furniture, what is kept whatever its name."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from archiver.extraction.clean import clean_tree, find_furniture
from tests.conftest import PAGES

STORY = "<p>" + "A sentence of the story that goes on for a while. " * 20 + "</p>"


def cleaned(html: str) -> str:
    tree = LexborHTMLParser(html)
    clean_tree(tree)
    return tree.html or ""


def test_hidden_block_goes_whatever_its_size() -> None:
    """An element hidden by style is removed even when it holds most of the page's text."""
    html = (
        f"<html><body><article><div style='visibility: hidden'>{STORY}{STORY}</div>"
        "<p>Visible paragraph.</p></article></body></html>"
    )
    assert "A sentence of the story" not in cleaned(html)
    assert "Visible paragraph." in cleaned(html)


def test_hidden_attribute_goes() -> None:
    """The `hidden` attribute hides a paragraph from every reader."""
    html = f"<html><body><article>{STORY}<p hidden>Editor's note.</p></article></body></html>"
    assert "Editor's note." not in cleaned(html)


def test_cautious_pass_keeps_hidden_blocks() -> None:
    """The cautious second-opinion pass leaves hidden elements: a script may reveal them."""
    tree = LexborHTMLParser(f"<html><body><div style='display:none'>{STORY}</div></body></html>")
    clean_tree(tree, thorough=False)
    assert "A sentence of the story" in (tree.html or "")


def test_modal_holding_the_article_is_kept() -> None:
    """A story shown in a modal over the front page is the page's article, not furniture."""
    html = (PAGES / "modal-story-fr.html").read_text("utf-8")
    text = cleaned(html)
    assert "marché couvert accueilleront" in text
    assert "Nous utilisons des cookies" not in text


def test_comment_articles_are_not_protected() -> None:
    """A comment written as `<article class="comment-body">` does not shield the comments."""
    html = (PAGES / "comment-articles-en.html").read_text("utf-8")
    text = cleaned(html)
    assert "no-dig" in text
    assert "Yorkshire" not in text


def test_find_furniture_lists_each_element_once() -> None:
    """An element matching several furniture rules is listed once."""
    tree = LexborHTMLParser(
        f"<html><body>{STORY}<aside class='sidebar' role='complementary' hidden>x</aside>"
        "</body></html>"
    )
    found = find_furniture(tree)
    assert [n.tag for n in found] == ["aside"]


def test_link_inside_a_sentence_is_text_whatever_its_name() -> None:
    """`<a class="popup">` inside a paragraph stays: it is a word of the sentence."""
    html = (
        "<html><body><article><p>Er war <a class='popup' href='#'>zutiefst erschüttert</a> "
        "und schwieg.</p></article></body></html>"
    )
    assert "zutiefst erschüttert" in cleaned(html)


def test_furniture_link_outside_running_text_goes() -> None:
    """The same name on a link standing alone in a block is still furniture."""
    html = (
        f"<html><body><article>{STORY}<div><a class='share-link' href='#'>Partager</a></div>"
        "</article></body></html>"
    )
    assert "Partager" not in cleaned(html)
