"""The date a page shows beside its headline, htmldate's fast search, a discussion's author.

Each rule has a page where it fires and one where it must not (fixtures written here, in
several languages).
"""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from archiver.extraction.authors import clean_author
from archiver.extraction.metadata import PageMetadata, read_metadata


def page(body: str, head: str = "", url: str | None = None) -> PageMetadata:
    return read_metadata(
        LexborHTMLParser(f"<html><head>{head}</head><body>{body}</body></html>"), url
    )


FILLER = "".join(f"<p>Paragraph {i} of the story, with nothing dated in it.</p>" for i in range(60))


# --------------------------------------------------------------------------- shown dates


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("Updated Dec 4, 2025", "2025-12-04"),
        ("Aktualisiert am 3. März 2024", "2024-03-03"),
        ("Publié le 12 décembre 2025", "2025-12-12"),
        ("12.12.2025", "2025-12-12"),
    ],
)
def test_the_date_shown_beside_the_headline(line: str, day: str) -> None:
    """A page that declares no date is dated by the short date line next to its headline."""
    body = f"<article><h1>Harbour news</h1><div class='meta'>{line}</div>{FILLER}</article>"
    assert page(body).published == day


def test_a_date_line_above_the_headline_counts_too() -> None:
    """A dateline or kicker just before the `<h1>` is beside it as well."""
    body = "<article><p>Lundi</p><p>3 mars 2024</p><h1>Le port rouvre</h1>" + FILLER
    assert page(body + "</article>").published == "2024-03-03"


def test_a_date_inside_a_sentence_is_not_the_pages_date() -> None:
    """A date in running text ("the deadline is April 15, 2025…") does not date the page."""
    body = (
        "<article><h1>Tax season</h1><p>The deadline for most filers this year is April 15,"
        " 2025, unless an extension was asked for in time.</p></article>"
    )
    assert page(body).published is None


def test_a_date_far_below_the_headline_is_not_the_pages_date() -> None:
    """A date at the foot of a long page (a copyright line, a related story) is not used."""
    body = f"<article><h1>Harbour news</h1>{FILLER}<p>May 2, 2019</p></article>"
    assert page(body).published is None


def test_a_script_is_not_shown() -> None:
    """A date inside a script next to the headline is no date the reader sees."""
    body = "<h1>Harbour news</h1><script>var built = '2021-02-03';</script>" + FILLER
    assert page(body).published is None


def test_a_declared_date_wins_over_the_shown_one() -> None:
    """The page's own declaration is trusted first; the shown date only fills a gap."""
    head = "<meta property='article:published_time' content='2023-01-05T10:00:00Z'>"
    body = "<article><h1>Harbour news</h1><p>Updated Dec 4, 2025</p></article>"
    assert page(body, head).published == "2023-01-05"


@pytest.mark.parametrize(
    ("declared", "url", "day"),
    [
        # UTC across midnight: the permalink's day is the publisher's.
        (
            "2025-12-19T02:10:00+00:00",
            "https://blog.example.org/2025/12/18/la-chronique",
            "2025-12-18",
        ),
        ("2024-03-02T23:30:00Z", "https://example.de/2024/3/3/hafen/", "2024-03-03"),
        ("2025-12-19T02:10:00Z", "https://example.org/item/2025/12/20", "2025-12-20"),
        # Further apart: an update, an archive's date; the declared day stays.
        ("2025-12-21T10:00:00Z", "https://blog.example.org/2025/12/18/la-chronique", "2025-12-21"),
        # No day in the path, or a number that is not one: the declared day.
        ("2025-12-19T02:10:00Z", "https://example.org/2025/12/chronique", "2025-12-19"),
        ("2025-12-19T02:10:00Z", "https://example.org/p/2025/13/18/x", "2025-12-19"),
        ("2025-12-19T02:10:00Z", None, "2025-12-19"),
    ],
)
def test_the_permalinks_day_beside_a_utc_timestamp(
    declared: str, url: str | None, day: str
) -> None:
    """A declared timestamp one day from the day in the URL's path gives the URL's day."""
    head = f"<meta property='article:published_time' content='{declared}'>"
    assert page(FILLER, head, url).published == day


def test_htmldate_still_reads_a_dated_url() -> None:
    """With no date declared or shown, htmldate's fast search reads the URL's date."""
    url = "https://news.example/2024/05/06/harbour-reopens"
    assert page("<p>Nothing dated here.</p>", url=url).published == "2024-05-06"


def test_no_date_from_a_page_that_has_none() -> None:
    """No date anywhere: none is made up."""
    assert page("<h1>Opening hours</h1><p>Open every day.</p>").published is None


# --------------------------------------------------------------------------- discussions


def test_a_threads_author_is_its_first_poster() -> None:
    """Forum software marks each post's author (`data-author`): the first post's is the
    thread's, even inside the container of replies."""
    body = (
        "<h1>Welches Zelt für Anfänger?</h1><div class='block-body js-replyContainer'>"
        "<article class='message' data-author='zeltfan82'><p>Ich suche ein Zelt.</p></article>"
        "<article class='message' data-author='Bergsteiger'><p>Nimm ein leichtes.</p></article>"
        "</div>"
    )
    assert page(body).author == "zeltfan82"


def test_the_first_username_is_the_posters() -> None:
    """phpBB-like markup: the first `class="username"` names the thread's author."""
    body = (
        "<h1>¿Qué tienda recomiendan?</h1><div class='post'><a class='username'>lucia_77</a>"
        "<p>Busco una tienda.</p></div><div class='post'><a class='username'>Pepe</a></div>"
    )
    assert page(body).author == "lucia_77"


def test_the_first_microdata_author_keeps_a_user_names_digits() -> None:
    """The first `itemprop=author` with its `itemprop=name` is the question's asker."""
    body = (
        "<div class='question'><div itemprop='author'><span itemprop='name'>user4471</span>"
        "</div></div><div class='answer'><div itemprop='author'><span itemprop='name'>"
        "Glenn Smith</span></div></div>"
    )
    assert page(body).author == "user4471"


def test_a_commenters_name_is_not_the_articles_author() -> None:
    """User names in the comments under an article do not replace its byline."""
    body = (
        "<article><h1>Le port rouvre</h1><p class='byline'>Par Marie Curie</p><p>Texte.</p>"
        "</article><section id='comments'><div data-author='troll42'>Bof.</div>"
        "<span class='username'>troll42</span></section>"
    )
    assert page(body).author == "Marie Curie"


def test_a_login_label_is_no_name() -> None:
    """A sign-in box's "Username" label is not a user."""
    body = (
        "<div><label class='username'>Username</label></div>"
        "<article><h1>Harbour news</h1><p class='byline'>By Jane Doe</p></article>"
    )
    assert page(body).author == "Jane Doe"


# --------------------------------------------------------------------------- products


def test_a_product_sheet_has_no_publication_date() -> None:
    """`og:type` product: no date is searched for (a price list's or stock date is none)."""
    head = "<meta property='og:type' content='product'>"
    body = "<h1>Borraccia termica</h1><p>Disponibile dal 03/04/2024</p><p>12,90 €</p>"
    assert page(body, head).published is None


def test_a_buyers_guide_listing_products_is_still_dated() -> None:
    """JSON-LD products beside a review article do not make the page a product sheet."""
    head = (
        '<script type="application/ld+json">[{"@type": "Product", "name": "Kettle"},'
        ' {"@type": "Review", "name": "Best kettles"}]</script>'
    )
    body = "<article><h1>The best kettles</h1><p>Updated May 2, 2024</p>" + FILLER
    assert page(body + "</article>", head).published == "2024-05-02"


# --------------------------------------------------------------------------- author lines


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Jillian Kubala, MS, RD", "Jillian Kubala"),
        ("Von Dr. Anna Müller, MBA", "Dr. Anna Müller"),
        ("Genevieve Carlton, Ph.D.", "Genevieve Carlton"),
        ("WRAL", "WRAL"),  # alone, an acronym may be the organisation that wrote it
        ("Articles by Juliette Carreiro", "Juliette Carreiro"),
        ("More posts by Sam Lee", "Sam Lee"),
        ("Articles", "Articles"),  # no "by": not a label to strip
    ],
)
def test_credentials_and_labels_leave_the_name(raw: str, clean: str) -> None:
    """Credentials after a name and "Articles by" labels are not names; the name stays."""
    assert clean_author(raw) == clean


def test_a_threads_json_ld_names_its_author() -> None:
    """A page whose JSON-LD is a `DiscussionForumPosting` (no article) is by its author."""
    head = (
        '<script type="application/ld+json">{"@type": "DiscussionForumPosting",'
        ' "headline": "Quel moulin à café ?", "author": {"@type": "Person",'
        ' "name": "Kaffeetante"}}</script>'
    )
    assert page("<h1>Quel moulin à café ?</h1><p>Bonjour à tous.</p>", head).author == "Kaffeetante"


def test_an_articles_json_ld_wins_over_a_thread_beside_it() -> None:
    """The article's own author is kept when a discussion object sits beside it."""
    head = (
        '<script type="application/ld+json">[{"@type": "NewsArticle", "author":'
        ' {"name": "Jane Doe"}}, {"@type": "DiscussionForumPosting", "author":'
        ' {"name": "troll42"}}]</script>'
    )
    assert page("<h1>Harbour news</h1>", head).author == "Jane Doe"
