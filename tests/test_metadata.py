"""Metadata read from the page: JSON-LD, OpenGraph, Dublin Core, <meta>, bylines."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from archiver.extraction import extract_article
from archiver.extraction.metadata import PageMetadata, clean_author, normalize_date, read_metadata
from tests.conftest import PAGES


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


# --------------------------------------------------------------------------- headline titles


def page(head: str, body: str = "", url: str | None = None) -> PageMetadata:
    return read_metadata(
        LexborHTMLParser(f"<html><head>{head}</head><body>{body}</body></html>"), url
    )


def test_declared_site_name_is_cut_from_the_title() -> None:
    """ "Headline – Site" loses " – Site" when og:site_name says that is the site."""
    head = (
        "<title>Tribune : « Le climat attendra » – Le Monde</title>"
        "<meta property='og:site_name' content='Le Monde'>"
    )
    assert page(head).title == "Tribune : « Le climat attendra »"


def test_a_title_that_merely_contains_a_dash_is_kept() -> None:
    """No declared name, host or heading shows " - …" to be the site's: nothing is cut."""
    head = "<title>Covid-19 - what changed in the hospitals</title>"
    body = "<h1>Covid-19 - what changed in the hospitals</h1>"
    found = page(head, body, "https://www.example-news.org/a")
    assert found.title == "Covid-19 - what changed in the hospitals"


def test_the_hosts_name_is_cut_from_the_title() -> None:
    """ "… - Harvard Health" on health.harvard.edu: the last part spells the host's name."""
    head = "<title>Regular physical activity can boost mood - Harvard Health</title>"
    found = page(head, url="https://www.health.harvard.edu/mind/regular-activity")
    assert found.title == "Regular physical activity can boost mood"


def test_a_word_of_the_host_inside_the_headline_is_not_the_site() -> None:
    """ "Health news roundup - Weekly" on health.example.org stays whole."""
    head = "<title>Health news roundup - Weekly</title>"
    assert page(head, url="https://health.example.org/x").title == "Health news roundup - Weekly"


def test_the_heading_shows_which_part_of_the_title_is_the_site() -> None:
    """An h1 equal to the title without its last part: that part is cut, whatever it says."""
    head = "<title>How the port was dredged | Quayside Weekly Online</title>"
    found = page(head, "<h1>How the port was dredged</h1>")
    assert (found.title, found.sitename) == ("How the port was dredged", "Quayside Weekly Online")


def test_the_visible_headline_wins_over_a_shortened_title() -> None:
    """The h1 is the headline when <title> is a search-engine variant of it."""
    head = "<title>Best tax software | Example</title>"
    body = "<h1>The best tax software of 2025, tested</h1>"
    assert page(head, body).title == "The best tax software of 2025, tested"


def test_a_slogan_heading_does_not_replace_the_title() -> None:
    """An h1 that shares no word with any declared title is a slogan, not the headline."""
    head = "<title>Online therapy with licensed counsellors | Talkwell</title>"
    body = "<h1>You deserve to be happy.</h1>"
    found = page(head, body, "https://www.talkwell.example/")
    assert found.title == "Online therapy with licensed counsellors"


def test_heading_permalink_marks_and_line_breaks() -> None:
    """A documentation pilcrow is dropped and a <br> in the h1 parts words."""
    assert page("", "<h1>Logging HOWTO<a class='headerlink'>¶</a></h1>").title == "Logging HOWTO"
    assert page("", "<h1><span>Remote</span><br><span>Jobs</span></h1>").title == "Remote Jobs"


# --------------------------------------------------------------------------- entities, site


def test_entities_are_decoded_in_every_field() -> None:
    """JSON-LD's `&#8211;` and `&#163;`, and a double-escaped `&amp;#8216;`, are characters."""
    head = (
        "<meta name='description' content='Profits of &amp;#163;71.6m &#8211; a record.'>"
        '<script type=\'application/ld+json\'>{"@type": "NewsArticle", '
        '"headline": "Profits &#8211; up to &#163;71.6m", '
        '"author": {"name": "Sam &amp; Lee"}}</script>'
    )
    found = page(head)
    assert found.title == "Profits – up to £71.6m"
    assert found.description == "Profits of £71.6m – a record."
    assert found.author == "Sam; Lee"
    assert page("<title>&amp;#8216;Record&amp;#8217; year</title>").title == "‘Record’ year"


def test_text_that_only_looks_like_markup_is_kept() -> None:
    """An ampersand that starts no entity stays as written."""
    assert page("<title>AT&T and T-Mobile &co</title>").title == "AT&T and T-Mobile &co"


def test_a_url_is_never_the_site_name() -> None:
    """`article:publisher` and a URL-valued og:site_name give way to the publisher's name."""
    head = (
        "<meta property='og:site_name' content='https://www.facebook.com/CBSNews'>"
        "<meta property='article:publisher' content='https://www.facebook.com/CBSNews'>"
        '<script type=\'application/ld+json\'>{"@type": "NewsArticle", '
        '"publisher": {"name": "CBS News"}}</script>'
    )
    assert page(head).sitename == "CBS News"


def test_the_host_is_the_site_name_when_nothing_else_is() -> None:
    """No declared name and no title part: the host's name (without www.)."""
    assert page("<title>Hello</title>", url="https://www.example.org/a").sitename == "example.org"


def test_a_declared_site_name_is_kept() -> None:
    """A plain og:site_name is the site name."""
    head = "<meta property='og:site_name' content='CBS News'>"
    assert page(head, url="https://www.cbsnews.com/a").sitename == "CBS News"


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("2024-03-18T06:01:00+01:00", "2024-03-18"),
        ("2025-07-09 11:50:26", "2025-07-09"),
        ("Feb 08, 2022", "2022-02-08"),
        ("December 9th 2025", "2025-12-09"),
        ("3 mars 2024", None),  # month names are read in English only
        ("4 March 2024", "2024-03-04"),
        ("31.12.2024", "2024-12-31"),
        ("12/31/2024 10:00:00 AM", "2024-12-31"),
        ("13/11/2025", "2025-11-13"),
        ("2025-02-30", None),
        ("1850-01-01", None),
        ("yesterday", None),
    ],
)
def test_normalize_date(raw: str, day: str | None) -> None:
    """Dates as sites write them become `YYYY-MM-DD`; impossible days do not."""
    assert normalize_date(raw) == day


def test_the_modification_date_when_no_publication_date_is_declared() -> None:
    """`dateModified` dates a page that gives nothing else."""
    head = '<script type="application/ld+json">{"@type": "WebPage", "dateModified": "2025-07-09"}'
    assert page(head + "</script>").published == "2025-07-09"


def test_the_publication_date_wins_over_the_modification_date() -> None:
    """Both declared: the publication date is the one kept."""
    head = (
        "<meta property='article:published_time' content='2025-01-29T20:47:55+00:00'>"
        "<meta property='article:modified_time' content='2025-08-19T13:25:59+00:00'>"
    )
    assert page(head).published == "2025-01-29"


def test_htmldate_only_when_nothing_is_declared() -> None:
    """A date only written in the text is found (htmldate); a declared one wins over it."""
    body = "<article><h1>Port news</h1><p class='date'>Published on 3 March 2024</p></article>"
    assert page("", body).published == "2024-03-03"
    declared = "<meta property='article:published_time' content='2023-01-05'>"
    assert page(declared, body).published == "2023-01-05"


# --------------------------------------------------------------------------- authors


def test_the_sites_own_name_yields_to_a_person() -> None:
    """An author that is the site's name gives way to the byline that names a person."""
    head = (
        "<meta name='author' content='Clemson News'>"
        "<meta property='og:site_name' content='Clemson News'>"
    )
    body = "<article><h1>Phones</h1><div class='post-author'>Shelia R. Cotten</div></article>"
    assert page(head, body).author == "Shelia R. Cotten"


def test_the_sites_name_is_the_author_when_no_one_else_is_named() -> None:
    """On a personal site the site's name is its author's: kept when nothing else says."""
    head = (
        "<meta name='author' content='Haki Benita'>"
        "<meta property='og:site_name' content='Haki Benita'>"
    )
    assert page(head).author == "Haki Benita"


def test_scholarly_authors_each_in_their_meta() -> None:
    """One `citation_author` per author: all of them, in order."""
    head = (
        "<meta name='citation_author' content='Md Najmul Hossain'>"
        "<meta name='citation_author' content='Jaeeun Lee'>"
    )
    assert page(head).author == "Md Najmul Hossain; Jaeeun Lee"


def test_a_by_line_next_to_the_headline() -> None:
    """ "by: Ziyi Xu" under the h1, in markup with no author class, is the author."""
    body = "<main><h1>Mini inference engine</h1><p>by: <!-- -->Ziyi Xu</p><p>Text.</p></main>"
    assert page("", body).author == "Ziyi Xu"


@pytest.mark.parametrize("label", ["Posted by", "View more posts", "page.head.extra.author"])
def test_labels_and_placeholders_are_not_authors(label: str) -> None:
    """A label rendered in the author's place, or an unfilled template field, names no one."""
    assert page(f"<meta name='author' content='{label}'>").author is None


def test_a_sentence_starting_with_by_is_not_a_byline() -> None:
    """ "By the end of the year …" under the headline names no author."""
    body = "<main><h1>Dredging</h1><p>By the end of the year the outer channel will be open.</p>"
    assert page("", body + "</main>").author is None


def test_the_headline_is_not_repeated_in_the_text() -> None:
    """The h1, equal to the (entity-decoded) JSON-LD headline, is the title, not a paragraph."""
    for name in ("meta-entities-en", "meta-headline-fr"):
        article = extract_article((PAGES / f"{name}.html").read_bytes())
        assert article.title and article.title not in article.text.split("\n\n")[0]
