"""Turn sources into candidate URLs; pure parsing, never fetches.

urls source      ─▶ its URLs
feed bytes       ─▶ entries (RSS 0.9x/1.0/2.0 and Atom through feedparser; JSON Feed)
sitemap bytes    ─▶ page URLs with <lastmod>, and child sitemaps (index; gzip)
listing page     ─▶ the links a CSS selector picks

Hostile documents: a feed that declares XML entities (other than one character each, such as
`<!ENTITY nbsp "&#160;">`) is refused before feedparser sees it: no entity expansion ("billion
laughs"), whatever the expat version; feedparser leaves external entities unresolved.
Sitemaps are read by lxml with entities unresolved and no network; gzip is inflated up to the
50 MB limit only.
"""

from __future__ import annotations

import calendar
import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
from lxml import etree

from archiver.errors import DiscoveryError
from archiver.extraction import select_links
from archiver.models import Candidate, FeedHints, parse_datetime
from archiver.settings import SourceSettings
from archiver.urls import absolute_url, normalize_url

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # the sitemaps protocol's limit, uncompressed
# feedparser holds about 20 times a feed's size in memory; the largest real feeds are a few MB.
MAX_FEED_BYTES = 10 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_TAGS = re.compile(r"<[^>]+>")
_RSS_AUTHOR = re.compile(r"^\s*\S+@\S+\s*\((.+)\)\s*$")
# `<!ENTITY` as an XML parser may read it: feedparser re-encodes UTF-16, UTF-32 and EBCDIC
# feeds to UTF-8 before parsing, so each of those spellings counts.
_ENTITY_DECLARATION = b"<!ENTITY"
_WIDE_ENTITY_DECLARATIONS = tuple(
    _ENTITY_DECLARATION.decode().encode(c)
    for c in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp037")
)
# A declaration that stands for one character cannot be an expansion bomb.
_ONE_CHARACTER_ENTITY = re.compile(rb'<!ENTITY\s+\w+\s+"&#x?[0-9a-fA-F]+;"\s*>')


@dataclass(frozen=True)
class Sitemap:
    """What one sitemap file lists: pages (with lastmod) and, for an index, other sitemaps."""

    pages: tuple[Candidate, ...]
    sitemaps: tuple[tuple[str, str | None], ...]


def source_candidates(source: SourceSettings) -> list[Candidate]:
    """The candidate URLs a `urls` source lists directly, normalized and without duplicates."""
    if source.kind != "urls":
        raise ValueError(f"source {source.name!r}: kind {source.kind!r} needs a download first")
    return unique_candidates(Candidate(url, source.name) for url in source.urls)


def unique_candidates(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Candidates with normalized URLs, each URL once, in first-seen order."""
    seen: set[str] = set()
    out: list[Candidate] = []
    for candidate in candidates:
        try:
            url = normalize_url(candidate.url)
        except ValueError:
            url = candidate.url  # kept as given: the fetcher reports it as a bad URL
        if url not in seen:
            seen.add(url)
            out.append(Candidate(url, candidate.source, candidate.hints, candidate.lastmod))
    return out


def select_candidates(
    candidates: Iterable[Candidate], source: SourceSettings, now: datetime
) -> list[Candidate]:
    """The candidates a source wants: include/exclude patterns, and not older than
    `max_age_days` when the source dates them."""
    cutoff = now - timedelta(days=source.max_age_days) if source.max_age_days else None
    wanted = []
    for candidate in unique_candidates(candidates):
        if source.include and not any(re.search(p, candidate.url) for p in source.include):
            continue
        if any(re.search(p, candidate.url) for p in source.exclude):
            continue
        when = parse_datetime(candidate.lastmod)
        if cutoff and when and when < cutoff:
            continue
        wanted.append(candidate)
    return wanted


def parse_feed(raw: bytes, base_url: str, source: str) -> list[Candidate]:
    """The entries of an RSS, Atom or JSON feed, with what each entry says of its article."""
    if raw.lstrip()[:1] == b"{":
        return _parse_json_feed(raw, base_url, source)
    if _declares_entities(raw):
        raise DiscoveryError("not a readable feed: it declares XML entities (refused)")
    parsed = feedparser.parse(raw, response_headers={"content-location": base_url})
    if not parsed.entries and parsed.get("bozo"):
        raise DiscoveryError(f"not a readable feed: {parsed.get('bozo_exception')}")
    out = []
    for entry in parsed.entries:
        url = absolute_url(entry.get("link"), base_url)
        if not url:
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        iso = datetime.fromtimestamp(calendar.timegm(when), UTC).isoformat() if when else None
        authors = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
        hints = FeedHints(
            title=_plain(entry.get("title")),
            author="; ".join(authors) or _rss_author(entry.get("author")),
            published=iso[:10] if iso else None,
            summary=_plain(entry.get("summary")),
        )
        out.append(Candidate(url, source, hints, iso))
    return out


def _parse_json_feed(raw: bytes, base_url: str, source: str) -> list[Candidate]:
    # JSON Feed (jsonfeed.org) is plain JSON that feedparser does not read; json suffices.
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise DiscoveryError(f"not a readable JSON feed: {exc}") from exc
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise DiscoveryError("not a JSON feed: no items list")
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        url = absolute_url(_str(item.get("url")) or _str(item.get("external_url")), base_url)
        if not url:
            continue
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        names = [n for a in authors if isinstance(a, dict) and (n := _str(a.get("name")))]
        when = _str(item.get("date_published")) or _str(item.get("date_modified"))
        hints = FeedHints(
            title=_plain(_str(item.get("title"))),
            author="; ".join(names) or None,
            published=when[:10] if when else None,
            summary=_plain(_str(item.get("summary")) or _str(item.get("content_text"))),
        )
        out.append(Candidate(url, source, hints, when))
    return out


def parse_sitemap(raw: bytes, base_url: str, source: str) -> Sitemap:
    """Pages and child sitemaps listed by a sitemap or sitemap index (gzipped or not).

    lxml reads it with entities left unresolved and no network, so a hostile file can
    neither expand entities nor reach out; it recovers from small syntax errors."""
    data = _gunzip(raw) if raw[:2] == _GZIP_MAGIC else raw
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        recover=True,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"not a readable sitemap: {exc}") from exc
    if root is None:
        raise DiscoveryError("not a readable sitemap: empty document")
    pages, sitemaps = [], []
    for element in root.iter("{*}url", "{*}sitemap", "url", "sitemap"):
        loc = absolute_url(_child_text(element, "loc"), base_url)
        if not loc:
            continue
        lastmod = _child_text(element, "lastmod")
        if etree.QName(element).localname == "sitemap":
            sitemaps.append((loc, lastmod))
        else:
            pages.append(Candidate(loc, source, None, lastmod))
    return Sitemap(tuple(pages), tuple(sitemaps))


def parse_listing(html: str, base_url: str, selector: str, source: str) -> list[Candidate]:
    """The links a CSS selector picks on a listing page (the element or its first link)."""
    return [Candidate(url, source) for url in select_links(html, base_url, selector)]


def _declares_entities(raw: bytes) -> bool:
    """Whether a feed declares an entity that is more than one character (a possible
    expansion bomb: feeds have no use for their own entities)."""
    if any(marker in raw for marker in _WIDE_ENTITY_DECLARATIONS):
        return True
    start = raw.find(_ENTITY_DECLARATION)
    while start != -1:
        if not _ONE_CHARACTER_ENTITY.match(raw, start):
            return True
        start = raw.find(_ENTITY_DECLARATION, start + 1)
    return False


def _gunzip(raw: bytes) -> bytes:
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(raw, MAX_DOCUMENT_BYTES)
    except zlib.error as exc:
        raise DiscoveryError(f"bad gzip data: {exc}") from exc
    if inflater.unconsumed_tail:
        raise DiscoveryError(f"sitemap larger than {MAX_DOCUMENT_BYTES} bytes uncompressed")
    return data


def _child_text(element: Any, name: str) -> str | None:
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).localname == name:
            return (child.text or "").strip() or None
    return None


def _rss_author(value: str | None) -> str | None:
    """RSS 2.0 writes `email (Name)`: keep the name."""
    match = _RSS_AUTHOR.match(value or "")
    return match.group(1).strip() if match else _plain(value)


def _plain(value: str | None) -> str | None:
    if not value:
        return None
    text = " ".join(_TAGS.sub(" ", value).split())
    return text or None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
