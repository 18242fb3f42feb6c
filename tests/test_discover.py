"""Discovery: feeds, sitemaps and listing pages parsed into candidates (pure, no network)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from archiver.config import SourceSettings
from archiver.discover import (
    parse_feed,
    parse_listing,
    parse_sitemap,
    select_candidates,
)
from archiver.errors import DiscoveryError
from archiver.models import Candidate, FeedHints

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Id\xc3\xa9es</title>
<item><title>La symbiose &amp; <i>ses</i> limites</title><link>/idees/1.html?utm_source=rss</link>
<dc:creator>Claire Duvivier</dc:creator><pubDate>Thu, 28 Mar 2024 08:00:00 +0100</pubDate>
<description>&lt;p&gt;R\xc3\xa9sum\xc3\xa9&lt;/p&gt;</description></item>
<item><title>Sans lien</title></item>
<item><title>Deux</title><link>https://journal.test/idees/2.html</link>
<author>jd@journal.test (Jean Dupont)</author></item>
</channel></rss>"""
RSS1 = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>t</title></channel>
<item rdf:about="https://journal.test/a"><title>A</title><link>https://journal.test/a</link></item>
</rdf:RDF>"""
ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>Opinion</title><link rel="alternate" href="https://journal.test/o/1"/>
<author><name>Ann Lee</name></author><author><name>Bo Chen</name></author>
<published>2024-03-28T10:00:00Z</published><summary>Short</summary></entry></feed>"""
JSON_FEED = b"""{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [
 {"id": "1", "url": "https://journal.test/j/1", "title": "J", "summary": "S",
  "date_published": "2024-03-27T09:00:00+01:00", "authors": [{"name": "Ann"}]},
 {"id": "2", "content_text": "no url"}]}"""


def test_rss_entries_carry_their_metadata() -> None:
    """RSS 2.0: links made absolute, title and summary as plain text, author and date."""
    found = parse_feed(RSS, "https://journal.test/idees/rss.xml", "idees")
    assert [c.url for c in found] == [
        "https://journal.test/idees/1.html?utm_source=rss",
        "https://journal.test/idees/2.html",
    ]
    assert found[0].hints == FeedHints(
        "La symbiose & ses limites", "Claire Duvivier", "2024-03-28", "Résumé"
    )
    assert found[0].lastmod == "2024-03-28T07:00:00+00:00"
    assert found[1].hints is not None and found[1].hints.author == "Jean Dupont"


@pytest.mark.parametrize(
    ("raw", "url", "author"),
    [
        (RSS1, "https://journal.test/a", None),
        (ATOM, "https://journal.test/o/1", "Ann Lee; Bo Chen"),
        (JSON_FEED, "https://journal.test/j/1", "Ann"),
    ],
)
def test_other_feed_formats(raw: bytes, url: str, author: str | None) -> None:
    """RSS 1.0, Atom and JSON Feed give the same candidates."""
    found = parse_feed(raw, "https://journal.test/feed", "s")
    assert [c.url for c in found] == [url]
    assert found[0].hints is not None and found[0].hints.author == author


@pytest.mark.parametrize(
    "raw", [b"<html><body>not a feed</body></html", b"{not json", b'{"items": 3}']
)
def test_unreadable_feed_is_a_discovery_error(raw: bytes) -> None:
    """Garbage is a DiscoveryError, not a crash and not an empty success."""
    with pytest.raises(DiscoveryError):
        parse_feed(raw, "https://journal.test/feed", "s")


def sitemap(urls: list[str], lastmod: str = "2024-03-28") -> bytes:
    items = "".join(f"<url><loc>{u}</loc><lastmod>{lastmod}</lastmod></url>" for u in urls)
    return (
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{items}</urlset>"
    ).encode()


def test_sitemap_pages_with_lastmod() -> None:
    """A urlset lists pages with their lastmod; gzip is read transparently."""
    raw = sitemap(["https://blog.test/a", "/b"])
    for data in (raw, gzip.compress(raw)):
        found = parse_sitemap(data, "https://blog.test/sitemap.xml", "blog")
        assert [(c.url, c.lastmod) for c in found.pages] == [
            ("https://blog.test/a", "2024-03-28"),
            ("https://blog.test/b", "2024-03-28"),
        ]
        assert found.sitemaps == ()


def test_sitemap_index_lists_children() -> None:
    """A sitemapindex lists child sitemaps with their lastmod."""
    raw = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
        b"<loc>https://blog.test/s1.xml.gz</loc><lastmod>2024-01-01</lastmod></sitemap>"
        b"</sitemapindex>"
    )
    assert parse_sitemap(raw, "https://blog.test/", "b").sitemaps == (
        ("https://blog.test/s1.xml.gz", "2024-01-01"),
    )


def test_sitemap_of_50000_urls() -> None:
    """The protocol's largest file is read whole."""
    raw = sitemap([f"https://blog.test/p/{i}" for i in range(50_000)])
    assert len(parse_sitemap(raw, "https://blog.test/", "b").pages) == 50_000


def test_sitemap_entities_are_not_expanded() -> None:
    """An entity-expansion bomb or an external entity gives no text, no file read."""
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">'
        b'<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<urlset><url><loc>https://blog.test/&c;&x;</loc></url></urlset>"
    )
    pages = parse_sitemap(bomb, "https://blog.test/", "b").pages
    assert all("aaaa" not in c.url and "root" not in c.url for c in pages)


def test_gzip_bomb_sitemap_is_refused() -> None:
    """A gzip that inflates past the protocol's 50 MB is a DiscoveryError."""
    with pytest.raises(DiscoveryError, match="larger than"):
        parse_sitemap(gzip.compress(b" " * 60_000_000), "https://blog.test/", "b")


def test_listing_page_links() -> None:
    """The selector picks links, or elements whose first link is taken."""
    html = (
        '<main><article><h2><a href="/c/1">One</a></h2></article>'
        '<article><h2 class="t">Two <a href="https://journal.test/c/2">go</a></h2></article>'
        '<article><h2><a href="javascript:void(0)">x</a></h2></article></main>'
        '<nav><a href="/about">About</a></nav>'
    )
    assert [c.url for c in parse_listing(html, "https://journal.test/c/", "article h2", "c")] == [
        "https://journal.test/c/1",
        "https://journal.test/c/2",
    ]


def test_select_candidates_filters() -> None:
    """include/exclude patterns and max_age_days decide; duplicates and tracking go."""
    source = SourceSettings(
        "s",
        "feed",
        ("https://j.test/rss",),
        include=("/opinion/",),
        exclude=("/live/",),
        max_age_days=7,
    )
    now = datetime(2024, 4, 1, tzinfo=UTC)
    found = [
        Candidate("https://j.test/opinion/a?utm_medium=x", "s", lastmod="2024-03-30"),
        Candidate("https://j.test/opinion/a", "s"),
        Candidate("https://j.test/opinion/live/b", "s"),
        Candidate("https://j.test/sport/c", "s"),
        Candidate("https://j.test/opinion/old", "s", lastmod="2024-03-01T00:00:00Z"),
    ]
    assert [c.url for c in select_candidates(found, source, now)] == ["https://j.test/opinion/a"]
