"""Metadata read from the page: JSON-LD, OpenGraph, Dublin Core, <meta>, bylines."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from archiver.extraction.metadata import PageMetadata, clean_author, read_metadata


def meta(head: str, body: str = "") -> PageMetadata:
    return read_metadata(
        LexborHTMLParser(f"<html><head>{head}</head><body>{body}</body></html>"), None
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("By Jane Doe and Sam Lee", "Jane Doe; Sam Lee"),
        ("BySteven Mufson", "Steven Mufson"),
        ("Byron Smith", "Byron Smith"),
        ("Par Jean Dupont, publié le 3 mars 2024", "Jean Dupont"),
        ("Martin Roux (avec Léa Petit et Marc Blanc)", "Martin Roux; Léa Petit; Marc Blanc"),
        ("Richard (R.J.) Eskow", "Richard (R.J.) Eskow"),
        ("von Anna Müller und Jonas Brandt", "Anna Müller; Jonas Brandt"),
        ("Nicolas Perriault —", "Nicolas Perriault"),
        ("https://facebook.com/someone", None),
        ("@someone", None),
    ],
)
def test_clean_author(raw: str, clean: str | None) -> None:
    """Prefixes, dates and dashes go; several authors are joined by "; "."""
    assert clean_author(raw) == clean


def test_json_ld_inside_cdata_is_read() -> None:
    """JSON-LD wrapped in a CDATA section (as many CMSs write it) still counts."""
    head = (
        "<script type='application/ld+json'>//<![CDATA[\n"
        '{"@type": "NewsArticle", "headline": "Hafen", "datePublished": "2024-03-18"}\n//]]>'
        "</script>"
    )
    found = meta(head)
    assert (found.title, found.published) == ("Hafen", "2024-03-18")


def test_json_ld_name_wins_when_the_headline_is_a_summary() -> None:
    """When headline and name differ, the one the page's title agrees with is the title."""
    head = (
        "<title>Hermitian matrix - Encyclopedia</title><script type='application/ld+json'>"
        '{"@type": "Article", "name": "Hermitian matrix", '
        '"headline": "square matrix equal to its own conjugate transpose"}</script>'
    )
    assert meta(head).title == "Hermitian matrix"


def test_rdfa_meta_with_several_properties() -> None:
    """`property="x:title dc:title"` gives the title to each of its properties."""
    assert meta("<meta property='x:title dc:title' content='My title'>").title == "My title"


def test_dublin_core_title_before_open_graph() -> None:
    """The Dublin Core title (not shortened for sharing) is preferred to og:title."""
    head = "<meta property='og:title' content='Short'><meta name='dc:title' content='Full title'>"
    assert meta(head).title == "Full title"


def test_parsely_metadata_is_a_fallback() -> None:
    """Parse.ly's title, author and date fill in when nothing else says."""
    head = (
        "<meta name='parsely-title' content='Some title'>"
        "<meta name='parsely-author' content='Jane Doe'>"
        "<meta name='parsely-pub-date' content='2024-01-02T03:04:05Z'>"
    )
    found = meta(head)
    assert (found.title, found.author, found.published) == ("Some title", "Jane Doe", "2024-01-02")


def test_single_word_left_of_separator_keeps_the_whole_title() -> None:
    """ "Google - Site Reliability Engineering" is not shortened to "Google"."""
    body = "<h1>One</h1><h1>Two</h1>"
    assert meta("<title>Google - Site Reliability Engineering</title>", body).title == (
        "Google - Site Reliability Engineering"
    )


def test_byline_in_the_page_when_no_meta_names_the_author() -> None:
    """A rendered `itemprop=author` byline is the author when the head says nothing."""
    body = (
        "<article><aside><span itemprop='author'><span itemprop='name'>Nicolas Perriault"
        "</span></span></aside><p>Text.</p></article>"
    )
    assert meta("", body).author == "Nicolas Perriault"


def test_byline_in_comments_is_not_the_author() -> None:
    """A commenter's name in a comment section is never taken for the author."""
    body = (
        "<article><p>Text.</p></article><div id='comments'><div class='author-name'>Sky</div>"
        "</div><div class='story'><span class='pb-byline'>BySteven Mufson</span></div>"
    )
    assert meta("", body).author == "Steven Mufson"


def test_item_date_published() -> None:
    """A microdata `itemprop=datePublished` dates the article."""
    body = "<article><meta itemprop='datePublished' content='2019-04-28T06:01:00Z'></article>"
    assert meta("", body).published == "2019-04-28"
