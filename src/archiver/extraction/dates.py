"""The publication date a page declares, as `YYYY-MM-DD`; htmldate only when it declares none.

Sources, most specific first: JSON-LD `datePublished` (the article's, then any other object's),
OpenGraph `article:published_time`, Parse.ly, Dublin Core and other `<meta>` dates, microdata
`itemprop=datePublished`, `<time pubdate>` / `<time datetime>`; then the creation or
modification date when the page gives no other. A page that declares nothing is dated by the
date it shows its reader beside the headline (a short line such as "Updated March 3, 2024"),
then by htmldate's search of the markup (its fast mode: the opportunistic text search and its
dateparser fallback cost far more time than the few dates they add, measured on wcxb-dev).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import htmldate
from htmldate.extractors import regex_parse
from lxml import etree
from selectolax.lexbor import LexborHTMLParser

from archiver.extraction.jsonld import ld_types

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_SLASHED_YEAR_FIRST = re.compile(r"(?<!\d)(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?!\d)")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T|$)")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_MONTH_FIRST = re.compile(_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", re.IGNORECASE)
_DAY_FIRST = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\.?\s+" + _MONTH + r",?\s+(\d{4})", re.I)
MIN_YEAR, MAX_YEAR = 1990, 2100
# A permalink's date: year, month and day as path segments of their own (WordPress and most
# blog engines). One pattern, where htmldate's URL search would bring its options object.
_URL_DAY = re.compile(r"/((?:19|20)\d\d)/(\d{1,2})/(\d{1,2})(?:/|$)")
_YEAR = re.compile(r"(?<!\d)(?:199\d|20[0-9]\d)(?!\d)")
# A date the page shows beside its headline: a short text fragment ("Updated Dec 4, 2025",
# "12.12.2025") among the first ones after the headline (a few before it: a kicker, a dateline).
SHOWN_MAX_CHARS = 60
SHOWN_BEFORE, SHOWN_AFTER = 5, 40
_SEPARATOR = "\x1f"
_NOT_SHOWN = "script, style, noscript, template"

# <meta> names of the publication date, most trusted first.
PUBLISHED_METAS = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "parsely-pub-date",
    "dc:date",
    "dcterms.created",
    "dcterms.issued",
    "dc.date",
    "dc.date.issued",
    "dc.date.created",
    "citation_publication_date",
    "citation_date",
    "date",
    "pubdate",
    "publish-date",
    "publish_date",
    "sailthru.date",
)
MODIFIED_METAS = (
    "article:modified_time",
    "og:updated_time",
    "dcterms.modified",
    "dc.date.modified",
)


def normalize_date(value: str | None) -> str | None:
    """`YYYY-MM-DD` from a date as sites write it (ISO 8601, `Feb 8, 2022`, `08.02.2022`...)."""
    if not value:
        return None
    value = value.strip()
    if match := _ISO.search(value) or _SLASHED_YEAR_FIRST.search(value) or _COMPACT.match(value):
        return _valid(int(match[1]), int(match[2]), int(match[3]))
    if match := _MONTH_FIRST.search(value):
        return _valid(int(match[3]), _MONTHS[match[1].lower()], int(match[2]))
    if match := _DAY_FIRST.search(value):
        return _valid(int(match[3]), _MONTHS[match[2].lower()], int(match[1]))
    if match := _NUMERIC.search(value):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        # Dots are written day first (31.12.2024); slashes month first unless that is impossible.
        day_first = match[2] == "." or first > 12
        return _valid(year, second, first) if day_first else _valid(year, first, second)
    return None


def published_date(
    tree: LexborHTMLParser,
    metas: dict[str, str],
    article: dict[str, Any],
    objects: list[dict[str, Any]],
    url: str | None,
) -> str | None:
    """The day the page says it was published; htmldate's guess when the markup says nothing."""
    published = _first_day(
        _ld_value(article.get("datePublished")),
        *(_ld_value(o.get("datePublished")) for o in objects),
        *(metas.get(name) for name in PUBLISHED_METAS),
        _item_date(tree),
        _time_datetime(tree),
        _ld_value(article.get("dateCreated")),
    )
    modified = _first_day(
        _ld_value(article.get("dateModified")),
        *(_ld_value(o.get("dateModified")) for o in objects),
        *(metas.get(name) for name in MODIFIED_METAS),
    )
    declared = published or modified
    if declared:
        return _local_day(declared, url)
    if _is_product(metas, objects):
        return None  # a product sheet has no publication date: htmldate would find a price's
    return shown_date(tree) or _htmldate(tree, url)


def _local_day(day: str, url: str | None) -> str:
    """The day in the URL's path (`/2025/12/18/slug`) when the declared day is the next or
    the previous one: the URL is written in the publisher's time, the declared timestamp is
    often converted to UTC across midnight. A URL day further away is a different date (an
    archive's, an event's) and is not taken."""
    match = _URL_DAY.search(urlsplit(url).path) if url else None
    if match is None:
        return day
    url_day = _valid(int(match[1]), int(match[2]), int(match[3]))
    if url_day is None or abs((date.fromisoformat(url_day) - date.fromisoformat(day)).days) != 1:
        return day
    return url_day


def _is_product(metas: dict[str, str], objects: list[dict[str, Any]]) -> bool:
    """The page declares itself a product (`og:type` product, a JSON-LD `Product` with no
    article or review beside it: a buyer's guide lists products too)."""
    if "product" in metas.get("og:type", "").lower():
        return True
    kinds = frozenset().union(*(ld_types(o) for o in objects))
    story = any(w in k for k in kinds for w in ("article", "posting", "review", "blog"))
    return not story and bool(kinds & {"product", "productgroup"})


def shown_date(tree: LexborHTMLParser) -> str | None:
    """The first date written on a short line of its own next to the first `<h1>`."""
    body, heading = tree.body, tree.css_first("h1")
    if body is None or heading is None:
        return None
    first = next(
        (t for t in heading.text(separator=_SEPARATOR, strip=True).split(_SEPARATOR) if t), ""
    )
    hidden = {n.text(deep=True, strip=True) for n in body.css(_NOT_SHOWN)}
    fragments = [
        f
        for f in body.text(separator=_SEPARATOR, strip=True).split(_SEPARATOR)
        if f and f not in hidden
    ]
    try:
        at = fragments.index(first)
    except ValueError:
        return None
    for fragment in fragments[max(0, at - SHOWN_BEFORE) : at + SHOWN_AFTER + 1]:
        if len(fragment) <= SHOWN_MAX_CHARS and _YEAR.search(fragment):
            day = normalize_date(fragment) or _text_date(fragment)
            if day:
                return day
    return None


def _text_date(fragment: str) -> str | None:
    """A date with its month in words in one of htmldate's languages ("3. März 2024")."""
    found = regex_parse(fragment)
    return _valid(found.year, found.month, found.day) if found else None


def _first_day(*values: str | None) -> str | None:
    for value in values:
        day = normalize_date(value)
        if day:
            return day
    return None


def _htmldate(tree: LexborHTMLParser, url: str | None) -> str | None:
    try:
        found = htmldate.find_date(
            _source(tree), extensive_search=False, original_date=True, url=url
        )
    except (ValueError, TypeError, etree.LxmlError, RecursionError):
        return None  # no date is an answer; the page is not lost for it
    return normalize_date(found) if isinstance(found, str) else None


def _source(tree: LexborHTMLParser) -> str:
    """The page as it was given to the parser (cheaper than serializing the tree again)."""
    raw = tree.raw_html
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else tree.html or ""


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        day_ = date(year, month, day)
    except ValueError:
        return None
    return day_.isoformat() if MIN_YEAR <= year <= MAX_YEAR else None


def _ld_value(value: Any) -> str | None:
    if isinstance(value, list) and value:
        return _ld_value(value[0])
    return value if isinstance(value, str) else None


def _item_date(tree: LexborHTMLParser) -> str | None:
    node = tree.css_first("[itemprop='datePublished']")
    if node is None:
        return None
    return node.attributes.get("content") or node.attributes.get("datetime") or node.text()


def _time_datetime(tree: LexborHTMLParser) -> str | None:
    node = tree.css_first("article time[datetime], time[pubdate], time[datetime]")
    return node.attributes.get("datetime") if node else None
