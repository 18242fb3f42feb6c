"""Extraction of every fixture page, and the rules behind it, one behaviour per test."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from lxml import etree
from selectolax.lexbor import LexborHTMLParser

from archiver.errors import ExtractError, NotAnArticle
from archiver.extraction.blocks import collapse, walk
from archiver.extraction.clean import clean_tree, is_furniture_name
from archiver.extraction.extract import (
    _looks_wrong,
    _paragraphs_at_breaks,
    _story_may_be_removed,
    extract_article,
)
from archiver.extraction.gate import Signals
from archiver.models import SiteRule
from archiver.text import count_words, paragraph_fingerprint
from tests.conftest import PAGES

CASES = sorted(p.name.removesuffix(".expected.json") for p in PAGES.glob("*.expected.json"))
ARTICLES = [
    c
    for c in CASES
    if not json.loads((PAGES / f"{c}.expected.json").read_text()).get("not_article")
]
NOT_ARTICLES = [c for c in CASES if c not in ARTICLES]
FIELDS = (
    "title",
    "author",
    "published",
    "sitename",
    "language",
    "canonical_url",
    "description",
    "image",
)


def truth(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((PAGES / f"{name}.expected.json").read_text("utf-8"))
    return data


def test_the_fixture_set_has_every_shape() -> None:
    """At least the seed-like page, a news page, a blog, non-articles and a windows-1252 page."""
    assert {"seed-blog-fr", "news-cookie-en", "blog-comments-en", "windows-1252-fr"} <= set(
        ARTICLES
    )
    assert {"navigation-only", "cookie-wall", "too-short"} <= set(NOT_ARTICLES)


@pytest.mark.parametrize("name", ARTICLES)
def test_article_text_is_exactly_the_body(name: str) -> None:
    """The text is the article's paragraphs in order, furniture and caption left out."""
    article = extract_article((PAGES / f"{name}.html").read_bytes(), None)
    assert article.text == truth(name)["text"]


@pytest.mark.parametrize("name", ARTICLES)
def test_article_metadata(name: str) -> None:
    """Title, author, date, site, language, canonical URL, description, image and tags."""
    article = extract_article((PAGES / f"{name}.html").read_bytes(), None)
    expected = truth(name)
    for field in FIELDS:
        assert getattr(article, field) == expected[field], field
    assert list(article.tags) == expected["tags"]


@pytest.mark.parametrize("name", NOT_ARTICLES)
def test_non_articles_are_refused_with_a_reason(name: str) -> None:
    """Navigation, cookie walls and too-short pages raise NotAnArticle with a reason."""
    with pytest.raises(NotAnArticle) as info:
        extract_article((PAGES / f"{name}.html").read_bytes(), None)
    assert info.value.reason in {"empty", "too_short", "navigation"}


def test_seed_page_keeps_typography() -> None:
    """Guillemets, non-breaking spaces and the ellipsis are stored exactly."""
    article = extract_article((PAGES / "seed-blog-fr.html").read_text("utf-8"))
    assert "«\u00a0" in article.title  # type: ignore[operator]
    assert "\u00a0:" in article.text or "\u00a0»" in article.text
    assert "…" in article.text
    for furniture in (
        "Close",
        "Laisser un commentaire",
        "Votre adresse e-mail",
        "0 Comments",
        "scroll to top",
        "Partager",
    ):
        assert furniture not in article.text


def test_caption_is_not_body_text() -> None:
    """A figure's caption never reaches the text."""
    html = (PAGES / "seed-blog-fr.html").read_text("utf-8")
    caption = LexborHTMLParser(html).css_first("figcaption")
    assert caption is not None
    assert caption.text(strip=True)[:40] not in extract_article(html).text


def test_url_makes_links_absolute() -> None:
    """A relative canonical link is resolved against the page URL."""
    html = (
        "<html lang='en'><head><link rel='canonical' href='/a/story'></head><body><article>"
        + "<p>"
        + "Words that make a paragraph long enough to pass. " * 10
        + "</p>"
        + "</article></body></html>"
    )
    article = extract_article(html, "https://news.example/x?utm_source=y")
    assert article.canonical_url == "https://news.example/a/story"


@pytest.mark.parametrize("html", ["", "   ", b"", "<html></html>", "\x00\x01garbage\xff"])
def test_empty_or_garbage_is_not_an_article(html: str | bytes) -> None:
    """Empty input and garbage raise NotAnArticle, never anything else."""
    with pytest.raises(NotAnArticle):
        extract_article(html)


def test_not_an_article_is_an_extract_error() -> None:
    """Callers can catch one documented exception."""
    assert issubclass(NotAnArticle, ExtractError)


def test_min_words_is_the_gate() -> None:
    """The same page passes or fails the gate by `min_words`."""
    html = "<html><body><article><p>" + "mot " * 40 + "</p></article></body></html>"
    assert extract_article(html, min_words=40).word_count == 40
    with pytest.raises(NotAnArticle) as info:
        extract_article(html, min_words=41)
    assert info.value.reason == "too_short"


@pytest.mark.parametrize(
    ("names", "furniture"),
    [
        ("share-bar", True),
        ("cookieBanner", True),
        ("comments-area", True),
        ("jp-relatedposts", True),
        ("scroll-to-top", True),
        ("newsletter_box", True),
        ("post-123 tag-social-media category-comments", False),
        ("entry-content", False),
        ("headline", False),
        ("shadow", False),
        ("article-body", False),
        ("image_hit no_caption", False),
        ("without-sidebar", False),
        ("noComments", False),
        ("caption no-border", True),
        ("screen-reader-text skip-link", True),
        ("visually-hidden", True),
        ("sr-only", True),
    ],
)
def test_furniture_names(names: str, furniture: bool) -> None:
    """Class and id names are read by their parts; taxonomy classes are not furniture."""
    assert is_furniture_name(names) is furniture


def test_cleanup_keeps_a_wrapper_holding_most_text() -> None:
    """An element named like furniture that holds most of the page is kept."""
    body = "<p>" + "Real article text. " * 50 + "</p>"
    tree = LexborHTMLParser(
        f"<html><body><div class='sidebar-layout'>{body}</div>"
        "<div class='share'>Share</div></body></html>"
    )
    clean_tree(tree)
    assert "Real article text." in tree.html  # type: ignore[operator]
    assert "Share" not in tree.html  # type: ignore[operator]


@pytest.mark.parametrize(
    ("text", "words"), [("un deux trois", 3), ("l’été, déjà", 3), ("日本語の文章です", 4), ("", 0)]
)
def test_count_words(text: str, words: int) -> None:
    """Words are \\w+ runs; unspaced scripts count two characters a word."""
    assert count_words(text) == words


def test_extract_accepts_bytes_in_legacy_encoding() -> None:
    """Bytes are decoded like a download: windows-1252 without a declaration works."""
    raw = (PAGES / "windows-1252-fr.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert extract_article(raw).text == truth("windows-1252-fr")["text"]


def test_fixture_pages_are_ours() -> None:
    """Every fixture page has its expected result beside it."""
    for page in PAGES.glob("*.html"):
        assert Path(str(page).removesuffix(".html") + ".expected.json").exists(), page.name


def test_negated_class_names_do_not_hide_the_lead() -> None:
    """A paragraph in a block named `no-caption` is body text (trafilatura alone drops it);
    a real caption on the seed page still goes."""
    article = extract_article((PAGES / "weekly-review-de.html").read_bytes())
    assert article.text.startswith("Der Stadtrat hat in dieser Woche")


def test_media_figure_text_and_repeated_lines_are_not_body_text() -> None:
    """A credit in a picture's figure and a slide title said four times go; a pull quote in
    a figure and a sentence said twice stay."""
    text = extract_article((PAGES / "gallery-story-en.html").read_bytes()).text
    assert "Lena Marsh" not in text
    assert "Storm floods the harbour\n" not in text
    assert "like a river." in text
    assert text.count("Stay indoors if you can.") == 3


def test_list_item_keeps_its_text_before_a_nested_list() -> None:
    """trafilatura's XML for `<li>Text <a>link</a>: <ul>…</ul></li>` keeps the item's own text."""
    root = etree.fromstring(
        "<body><list><item>Three experiments are <ref>running</ref>:<list>"
        "<item>the first</item><item>the second</item></list> and more</item></list>"
        "<p>After <hi>the</hi> list.</p></body>"
    )
    blocks = list(walk(root))
    assert [b.text for b in blocks] == [
        "Three experiments are running:",
        "the first",
        "the second",
        "and more",
        "After the list.",
    ]
    assert blocks[0].link_chars == len("running")


def test_a_line_break_parts_words() -> None:
    """`line<br>next` is two words in the text."""
    verse = "Première ligne du poème qui est longue<br>seconde ligne qui suit<br/>troisième. "
    html = (
        f"<html><body><article><p>{verse * 3}</p>"
        f"<p>{'Un autre paragraphe avec assez de mots pour passer le seuil. ' * 4}</p>"
        "</article></body></html>"
    )
    text = extract_article(html).text
    assert "longue seconde" in text and "suit troisième" in text


def test_paragraphs_written_with_breaks_in_a_layout_table() -> None:
    """Text and `<br><br>` in a layout table's cell come out as paragraphs, a link inside a
    sentence keeps its spaces ("a affirmé que"), the menu row of links is dropped."""
    text = extract_article((PAGES / "br-paragraphs-fr.html").read_bytes()).text
    assert len(text.split("\n\n")) == 4
    assert "l'opposition a affirmé que le coût" in text
    assert "Accueil" not in text


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<div>Premier.<br><br>Second.</div>", "<div>Premier.</p><p>Second.</div>"),
        ("<div>Un.<BR/> <br>\n<br>Deux.</div>", "<div>Un.</p><p>Deux.</div>"),
        ("<p>Une ligne<br>la suivante</p>", "<p>Une ligne<br>la suivante</p>"),
        # Breaks that end an element end nothing that follows: left as they are.
        ("<p>Fin <span>en gras.<br><br></span></p>", "<p>Fin <span>en gras.<br><br></span></p>"),
        ("<li>Point.<br><br><br></li>", "<li>Point.<br><br><br></li>"),
    ],
)
def test_paragraphs_at_breaks(html: str, expected: str) -> None:
    """Two breaks or more between texts end a paragraph; before a closing tag they stay."""
    assert _paragraphs_at_breaks(html) == expected


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("Cafe\u0301 de la gare", "Café de la gare"),  # a combining accent, composed
        ("\u0995\u09c1\u09b7\u09cd\u099f\u09bf\u09df\u09be", "কুষ্টিয়া"),  # য় is written in two parts
        ("Le 14\xa0juillet, l\u2019été", "Le 14\xa0juillet, l\u2019été"),  # typography kept
        ("Mit\u00adtel\u00adal\u00adter", "Mittelalter"),
    ],
)
def test_text_is_in_nfc(raw: str, text: str) -> None:
    """Block text is in Unicode NFC: the same letters spelled one way, so that search and
    quotation find them; non-breaking spaces and typographic quotes stay as published."""
    assert collapse(raw) == text
    assert collapse(raw) == collapse(text)


def test_a_data_table_row_stays_one_line() -> None:
    """A table of short cells is data: each row is one block, cells joined by " | "."""
    root = etree.fromstring(
        "<body><table><row><cell>Ville</cell><cell>Habitants</cell></row>"
        "<row><cell><p>Brest</p></cell><cell>139 926</cell></row></table></body>"
    )
    assert [b.text for b in walk(root)] == ["Ville | Habitants", "Brest | 139 926"]


def test_inline_formulas_are_text() -> None:
    """MathML inside a sentence is kept as inline text (trafilatura alone drops it)."""
    article = extract_article((PAGES / "mathml-fr.html").read_bytes())
    assert "Δ=b2−4ac" in article.text


def test_dateline_at_the_top_is_not_body_text() -> None:
    """A short "Veröffentlicht am …" line above the body is dropped."""
    article = extract_article((PAGES / "dateline-hidden-de.html").read_bytes())
    assert "Veröffentlicht" not in article.text


def test_paragraph_starting_like_a_dateline_is_kept() -> None:
    """A long first paragraph that starts with "Updated" is body text."""
    article = extract_article((PAGES / "comment-articles-en.html").read_bytes())
    assert article.text.startswith("Updated advice from the county soil survey")


def test_language_is_detected_when_the_page_does_not_say() -> None:
    """A German page without `lang` or a language meta gets `de` from its text."""
    html = (PAGES / "dateline-hidden-de.html").read_text("utf-8")
    assert "lang=" not in html
    assert extract_article(html).language == "de"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Lire aussi : la chronique du jour", "lire  aussi : LA chronique du jour"),
        ("Updated 12.05.2024, 3 comments", "Updated 01.06.2025, 45 comments"),
        ("Abonnez-vous\u00a0!", "abonnez-vous !"),
    ],
)
def test_fingerprint_ignores_case_spacing_and_numbers(a: str, b: str) -> None:
    """Two renderings of the same template line share a fingerprint."""
    assert paragraph_fingerprint(a) == paragraph_fingerprint(b)


def test_fingerprint_tells_different_paragraphs_apart() -> None:
    """Different words give different fingerprints."""
    assert paragraph_fingerprint("Lire aussi") != paragraph_fingerprint("Lire ensuite")


def test_boilerplate_blocks_are_dropped_but_fingerprinted() -> None:
    """Known template blocks leave the text; every block's fingerprint is kept on the Article."""
    html = (PAGES / "german-news-de.html").read_bytes()
    full = extract_article(html)
    first = full.text.split("\n\n")[0]
    pruned = extract_article(html, boilerplate=frozenset({paragraph_fingerprint(first)}))
    assert first not in pruned.text
    assert pruned.text == full.text.removeprefix(first + "\n\n")
    assert pruned.paragraph_fingerprints == full.paragraph_fingerprints
    assert len(full.paragraph_fingerprints) == len(full.text.split("\n\n"))


def test_site_rule_drops_selectors() -> None:
    """A site rule's `drop` selectors are removed before extraction."""
    html = (PAGES / "german-news-de.html").read_bytes()
    full = extract_article(html)
    first = full.text.split("\n\n")[0]
    tree = LexborHTMLParser(html.decode("utf-8"))
    paragraph = next(p for p in tree.css("p") if p.text(strip=True)[:30] == first[:30])
    tree.css_first("body").insert_child(  # type: ignore[union-attr]
        LexborHTMLParser("<div class='house-promo'><p>" + "Promo text. " * 30 + "</p></div>").body
    )
    paragraph.attrs["class"] = "lead-in"
    rule = SiteRule(host="example.de", drop=(".lead-in", ".house-promo"))
    article = extract_article(tree.html or "", site_rule=rule)
    assert first not in article.text
    assert "Promo text." not in article.text


def test_site_rule_body_restricts_extraction() -> None:
    """A site rule's `body` selector, when it matches, is the only place text comes from."""
    story = "<p>" + "Paragraph of the real story, long enough to count. " * 8 + "</p>"
    other = "<p>" + "A teaser for another story that is not this one at all. " * 12 + "</p>"
    html = (
        "<html lang='en'><body><div class='teasers'>" + other + other + "</div>"
        "<div class='story-text'>" + story + "</div></body></html>"
    )
    article = extract_article(html, site_rule=SiteRule("x.example", body=".story-text"))
    assert "teaser" not in article.text
    assert "real story" in article.text


def test_site_rule_body_that_matches_nothing_is_ignored() -> None:
    """A `body` selector the page lacks (a redesign) leaves the normal extraction."""
    html = (PAGES / "german-news-de.html").read_bytes()
    rule = SiteRule("example.de", body="#no-such-element")
    assert extract_article(html, site_rule=rule).text == truth("german-news-de")["text"]


def test_random_bytes_are_refused_as_not_language() -> None:
    """256 KB of random bytes served as HTML: refused, the reason says why."""
    noise = random.Random(12).randbytes(256 * 1024)
    with pytest.raises(NotAnArticle) as info:
        extract_article(noise, "https://example.org/noise")
    assert info.value.reason == "empty"
    assert info.value.url == "https://example.org/noise"


def test_a_page_of_200_links_is_refused() -> None:
    """A page that is only a list of 200 links is navigation, not an article."""
    items = "".join(
        f"<li><a href='/p/{i}'>Page {i} of the archive index</a></li>" for i in range(200)
    )
    with pytest.raises(NotAnArticle) as info:
        extract_article(f"<html><body><ul>{items}</ul></body></html>")
    assert info.value.reason == "navigation"


FIGURES = "".join(
    f"<tr><td>Etap {i}</td><td>{i * 7 % 60}:{i * 13 % 60:02d}</td><td>{i * 3}</td></tr>"
    for i in range(1, 30)
)


def test_a_table_of_figures_in_a_language_is_kept() -> None:
    """Few letters but a language: results with a Polish report around them are an article."""
    report = "Zawodnicy pokonali trasę wyścigu w deszczu, a organizatorzy przesunęli start. " * 3
    html = f"<html><body><article><p>{report}</p><table>{FIGURES}</table></article></body></html>"
    article = extract_article(html)
    assert "Etap 29" in article.text


def test_short_lines_only_are_a_list_but_fifteen_are_a_page() -> None:
    """More than twenty lines, none a sentence long: teasers, refused; fifteen: kept."""
    line = "<p>Le service ouvre aussi le samedi matin pour les familles {}.</p>"
    for count, refused in ((25, True), (15, False)):
        html = (
            "<html><body><main>"
            + "".join(line.format(i) for i in range(count))
            + "</main></body></html>"
        )
        if refused:
            with pytest.raises(NotAnArticle, match="short lines"):
                extract_article(html)
        else:
            assert extract_article(html).text.count("samedi") == count


@pytest.mark.parametrize(
    ("words", "links", "longest", "page_chars", "wrong"),
    [
        (300, 0.0, 40, 4_000, False),  # a story, most of the page: trust it
        (300, 0.7, 40, 4_000, False),  # mostly links, but most of the page: the gate judges
        (300, 0.0, 12, 4_000, False),  # no paragraph, but most of the page
        (50, 0.0, 40, 20_000, True),  # a fifth of the page's text or less
        (50, 0.7, 12, 20_000, True),
    ],
)
def test_second_opinion_only_when_the_first_looks_wrong(
    words: int, links: float, longest: int, page_chars: int, wrong: bool
) -> None:
    """The signals that make a second candidate worth its time."""
    signals = Signals(words, words * 6, links, longest, 5, 0.8, 0.0)
    assert _looks_wrong(signals, page_chars) is wrong


@pytest.mark.parametrize(
    ("first", "page", "kept", "maybe"),
    [
        (500, 10_000, 2_000, True),  # a twentieth of the page; the clean-up took 8,000
        (500, 10_000, 9_800, False),  # the clean-up took less than the candidate holds
        (1_500, 10_000, 2_000, False),  # 15% of the page: the fallback alone is asked
    ],
)
def test_the_cautious_candidate_only_when_the_story_may_be_gone(
    first: int, page: int, kept: int, maybe: bool
) -> None:
    """Trafilatura on the lightly cleaned page only when the first candidate is a small part
    of the page and the clean-up removed more than it holds."""
    assert _story_may_be_removed(first, page, kept) is maybe


SHORT_POST = (
    "<html lang='de'><head><title>Nichts tun</title>{declared}</head><body><article>"
    "<h1>Nichts tun</h1><p>„Ich weiß, ich bin betrunken und sollte das vielleicht nicht"
    " sagen …“ – „Dann sag es nicht.“ – „Ok.“ So endete der Abend, ganz ohne Streit.</p>"
    "</article></body></html>"
)


def test_a_short_post_is_kept_when_the_page_declares_an_article() -> None:
    """A 20-word blog post is kept when the page says it is an article (og:type), refused
    as too short when it says nothing."""
    declared = SHORT_POST.format(declared="<meta property='og:type' content='article'>")
    article = extract_article(declared, "https://blog.example.de/2013/06/nichts/")
    assert article.text.startswith("„Ich weiß")
    with pytest.raises(NotAnArticle) as info:
        extract_article(SHORT_POST.format(declared=""), "https://blog.example.de/2013/06/nichts/")
    assert info.value.reason == "too_short"


def test_a_linked_paragraph_is_text_not_navigation() -> None:
    """A teaser page whose one paragraph is a link is kept (a linked paragraph is prose);
    a list of short links stays navigation."""
    prose = (
        "Konflikte mag keiner, und trotzdem begegnen wir ihnen ständig in allen Lebensbereichen."
        " Kommunikation ist mit vielen Fallen gespickt, in die wir gerne tappen; hier eine"
        " einfache Lösung, wie wir schwierige Gespräche meistern können."
    )
    html = f"<html><body><main><h1>Schwierige Gespräche</h1><p><a href='/mehr'>{prose}</a></p>"
    article = extract_article(html + "</main></body></html>", "https://www.example.de/a")
    assert article.text == prose
    links = "".join(f"<li><a href='/t/{i}'>Thema Nummer {i} im Archiv</a></li>" for i in range(40))
    with pytest.raises(NotAnArticle):
        extract_article(f"<html><body><main><ul>{links}</ul></main></body></html>", None)


def test_before_refusing_plain_trafilatura_reads_the_page_as_served() -> None:
    """The story is only in the page's JSON-LD (the HTML holds a menu): our clean-up drops
    scripts, so the last candidate before a refusal, trafilatura on the page as served,
    finds it."""
    body = " ".join(
        f"Paso {i}: mide el diámetro de la mesa y añade la caída que quieras para el mantel."
        for i in range(1, 8)
    )
    data = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "Article",
            "headline": "Cómo coser un mantel redondo",
            "articleBody": body,
        }
    )
    html = (
        "<html lang='es'><head><title>Cómo coser un mantel redondo</title>"
        f"<script type='application/ld+json'>{data}</script></head><body>"
        "<div id='app'><a href='/'>Inicio</a> <a href='/diy'>Hazlo tú</a></div></body></html>"
    )
    article = extract_article(html, "https://www.example.es/diy/mantel")
    assert "Paso 7: mide el diámetro" in article.text


def test_a_declared_forum_thread_keeps_its_posts() -> None:
    """Posts of a thread declared as DiscussionForumPosting sit in `comment` containers:
    kept; the same containers on a page that does not declare a forum are comments."""
    posts = "".join(
        f"<div class='comment post'><p>Post {i}: the new interface hides the notebook list"
        " behind two clicks, and the search box no longer finds tags the way it used to.</p>"
        "</div>"
        for i in range(1, 6)
    )
    declared = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "DiscussionForumPosting",
            "headline": "New UI 2024",
            "author": {"@type": "Person", "name": "notetaker"},
        }
    )
    head = f"<script type='application/ld+json'>{declared}</script>"
    html = (
        f"<html lang='en'><head><title>New UI 2024</title>{head}</head><body><main>"
        f"<h1>New UI 2024</h1>{posts}</main></body></html>"
    )
    article = extract_article(html, "https://forum.example.com/topic/1")
    assert "Post 5: the new interface" in article.text


def test_a_forum_thread_declared_in_microdata_is_a_discussion() -> None:
    """`itemtype=".../QAPage"` declares a thread as JSON-LD does; a page of `Comment`
    microdata alone does not."""
    from archiver.extraction.metadata import read_metadata

    qa = "<html><body><div itemscope itemtype='https://schema.org/QAPage'>q</div></body></html>"
    assert read_metadata(LexborHTMLParser(qa), None).declared_type == "discussion"
    comments = qa.replace("QAPage", "Comment")
    assert read_metadata(LexborHTMLParser(comments), None).declared_type is None


def test_a_paragraph_above_the_headline_stays() -> None:
    """A kicker above the headline goes with it; a lead paragraph set above it stays."""
    lead = (
        "Touristen und Börsenhändler waren überrascht, als sich plötzlich mit Kunstblut"
        " besudelte Gestalten auf das Pflaster vor der New Yorker Börse warfen."
    )
    rest = (
        "<p>" + "Weltweit finanzieren Banken Unternehmungen, die dem Klima schaden. " * 4 + "</p>"
    )
    page = (
        "<html lang='de'><head><title>Klimaschutz: Bohren, bis es heiß wird</title></head>"
        "<body><main><p>{above}</p><h2>Klimaschutz: Bohren, bis es heiß wird</h2>"
        f"{rest}</main></body></html>"
    )
    assert extract_article(page.format(above=lead), None).text.startswith("Touristen und")
    kicker = extract_article(page.format(above="Klimaschutz"), None)
    assert kicker.text.startswith("Weltweit finanzieren")


def test_soft_hyphens_and_zero_width_spaces_leave_the_text() -> None:
    """Hyphenation hints and zero-width spaces are invisible: a search for "Mittelalter"
    must find the word; visible hyphens stay."""
    word = "Mit\u00adtel\u00adal\u00adter"
    para = f"Schon im {word} war der Wein\u200bberg das Aushängeschild der Süd-Tiroler. "
    article = extract_article(f"<html><body><article><p>{para * 4}</p></article></body></html>")
    assert "Mittelalter" in article.text and "Weinberg" in article.text
    assert "\u00ad" not in article.text and "Süd-Tiroler" in article.text
