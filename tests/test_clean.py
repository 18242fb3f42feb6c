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


def test_hidden_block_holding_most_of_the_page_stays() -> None:
    """An element hidden by style that holds most of the page's text is a collapsed panel
    (the story behind "read more"): kept; a small hidden one goes."""
    html = (
        f"<html><body><article><div style='visibility: hidden'>{STORY}{STORY}</div>"
        "<p>Visible paragraph.</p><p style='display:none'>Hidden note.</p></article></body></html>"
    )
    assert "A sentence of the story" in cleaned(html)
    assert "Visible paragraph." in cleaned(html)
    assert "Hidden note." not in cleaned(html)


def test_an_accordion_of_hidden_answers_stays() -> None:
    """Collapsed panels that together hold most of the text (questions and answers) stay;
    the same hidden boxes beside a longer visible story go."""
    answer = "<p>" + "Die Versicherung zahlt auch, wenn das Tier im Ausland erkrankt. " * 4 + "</p>"
    panels = "".join(
        f"<h3>Frage {i}</h3><div class='panel' style='display: none'>{answer}</div>"
        for i in range(5)
    )
    page = f"<html><body><main><h1>Fragen</h1>{panels}</main></body></html>"
    assert cleaned(page).count("Die Versicherung zahlt") == 20
    hidden = f"<div style='display:none'>{answer}</div>"
    beside = f"<html><body><main>{STORY * 6}{hidden}</main></body></html>"
    assert "Die Versicherung zahlt" not in cleaned(beside)


def test_collapsed_aria_panels_beside_a_longer_story_stay() -> None:
    """Panels marked up by the ARIA accordion and tabs pattern (a `region` or `tabpanel`, or
    labelled by their trigger) are the page's text, hidden until a click, even beside a longer
    visible story; a labelled panel of links is a folded menu and goes, and so does a hidden
    dialog labelled by its title."""
    answer = "Le contrat couvre aussi les soins reçus à l'étranger. " * 4
    panels = [
        f"<div role='region' aria-hidden='true'><p>{answer} (a)</p></div>",
        f"<div role='tabpanel' hidden><p>{answer} (b)</p></div>",
        f"<div aria-labelledby='q3' style='display: none'><p>{answer} (c)</p></div>",
    ]
    menu = "".join(f"<a href='/r{i}'>Rubrique numéro {i}</a> " for i in range(8))
    folded = f"<div aria-labelledby='menu' style='display:none'>{menu}</div>"
    dialog = (
        "<div role='dialog' aria-labelledby='t' aria-hidden='true'><p id='t'>Connexion</p>"
        "<p>Entrez votre adresse pour recevoir nos offres.</p></div>"
    )
    html = f"<html><body><main>{STORY * 6}{''.join(panels)}{folded}{dialog}</main></body></html>"
    page = cleaned(html)
    assert all(f"{answer} ({k})" in page for k in "abc")
    assert "Rubrique" not in page and "nos offres" not in page
    plain = f"<html><body><main>{STORY * 6}<div style='display:none'><p>{answer}</p></div>"
    assert answer not in cleaned(plain + "</main></body></html>")


def test_a_code_comment_is_code() -> None:
    """A syntax highlighter's comment span inside `<pre><code>` stays (its class says
    "comment"); a comments block beside the story still goes."""
    code = (
        "<pre><code class='hljs'><span class='hljs-comment'># fetch the remote branch</span>\n"
        "git pull</code></pre>"
    )
    comments = "<div class='comments'><p>Great post, thanks!</p></div>"
    page = cleaned(f"<html><body><article>{STORY}{code}{comments}</article></body></html>")
    assert "# fetch the remote branch" in page and "git pull" in page
    assert "Great post" not in page


def test_a_story_in_an_element_named_share_stays() -> None:
    """An element named like a small widget ("share", "print", "caption") that holds several
    paragraphs of sentences is the story's container (`<div class="entry share">`) and stays;
    the share bar inside it, a short one, goes, and so do comments, paragraphs and all."""
    paragraph = "<p>" + "Am heutigen Tag endet die Amtszeit der Intendantin des Senders. " * 3
    bar = "<div class='share-buttons'><a href='/f'>Teilen</a> <a href='/t'>Twittern</a></div>"
    story = f"<div class='entry share'>{(paragraph + '</p>') * 3}{bar}</div>"
    comments = f"<div class='comments'>{(paragraph + ' Danke!</p>') * 3}</div>"
    sidebar = f"<div class='column'>{STORY * 4}</div>"
    page = cleaned(f"<html><body>{story}{comments}{sidebar}</body></html>")
    assert page.count("endet die Amtszeit") == 9
    assert "Teilen" not in page and "Danke!" not in page


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


def test_modal_classed_story_without_article_element_is_kept() -> None:
    """A story in a `modal`-classed dialog, with no `<article>`, holds most of the page's text:
    it stays; the small newsletter popup that asks (two buttons) goes."""
    text = cleaned((PAGES / "modal-class-story-es.html").read_text("utf-8"))
    assert "biblioteca municipal de la Ribera" in text
    assert "Suscríbase" not in text


def test_dialog_that_asks_goes_whatever_its_size() -> None:
    """A consent dialog with toggles goes even when it holds all the page's text."""
    html = (
        "<html><body><div role='dialog'><p>"
        + "Wir und unsere Partner speichern Informationen auf Ihrem Gerät. " * 20
        + "</p><label><input type='checkbox'> Statistik</label></div></body></html>"
    )
    assert "Wir und unsere Partner" not in cleaned(html)


def test_dialog_that_does_not_ask_stays_when_it_holds_the_text() -> None:
    """The same dialog without choices is a story shown in a dialog: it stays."""
    html = (
        "<html><body><div role='dialog'><p>"
        + "Wir und unsere Partner speichern Informationen auf Ihrem Gerät. " * 20
        + "</p><button>Schließen</button></div></body></html>"
    )
    assert "Wir und unsere Partner" in cleaned(html)


LAYOUT = "<div class='elementor-widget-wrap'><p>{}</p></div>"
PARAGRAPH = "Der Verein hat im Frühjahr zwölf neue Bäume am Ufer gepflanzt und gepflegt. "


def test_furniture_word_naming_most_of_the_page_is_layout() -> None:
    """When every paragraph sits in a `…-widget-wrap`, "widget" is the site's layout word:
    the paragraphs stay."""
    body = "".join(LAYOUT.format(PARAGRAPH * 3) for _ in range(8))
    text = cleaned(f"<html><body><main>{body}</main></body></html>")
    assert text.count("zwölf neue Bäume") == 24


def test_a_sidebar_widget_still_goes() -> None:
    """One widget beside a long story is furniture."""
    html = (
        f"<html><body><main><p>{PARAGRAPH * 12}</p></main>"
        "<div class='widget widget_recent'><p>Neueste Beiträge: Sommerfest</p></div></body></html>"
    )
    text = cleaned(html)
    assert "zwölf neue Bäume" in text
    assert "Sommerfest" not in text


def test_mathml_becomes_inline_text() -> None:
    """A formula's MathML is unwrapped into the sentence; its TeX annotation goes."""
    html = (
        "<html><body><p>On a <math><semantics><mi>x</mi><mo>=</mo><mn>2</mn>"
        "<annotation encoding='application/x-tex'>x=2</annotation></semantics></math> ici.</p>"
        "</body></html>"
    )
    text = LexborHTMLParser(cleaned(html)).body.text()  # type: ignore[union-attr]
    assert text == "On a x=2 ici."
