"""Read article metadata from a page: JSON-LD, OpenGraph, Dublin Core, `<meta>`, `<html lang>`.

Pure: takes a selectolax tree, returns a `PageMetadata` of plain strings. The extractor fills
what is missing from trafilatura's own metadata.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from archiver.extraction.clean import is_furniture_name
from archiver.text import collapse_spaces
from archiver.urls import absolute_url

ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "blogposting",
        "opinionnewsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "scholarlyarticle",
        "techarticle",
        "report",
        "posting",
        "socialmediaposting",
        "liveblogposting",
    }
)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_WORDS = re.compile(r"\w+")
_TITLE_SEPARATOR = re.compile(r"\s+[|–—·»-]\s+")
# "By Jane Doe", "Par Jean Dupont" and the glued "BySteven Mufson" some templates render.
_BYLINE_PREFIX = re.compile(
    r"^\s*(?:(?i:by|par|von|door|por|di|de|av|af)\s+|(?:By|Par|Von|Por)(?=[A-Z]))"
)
# Several authors: "A, B and C", "A; B", "A (avec B et C)", "A mit B"; a parenthesis that
# names no one else ("Richard (R.J.) Eskow") stays.
_AUTHOR_SEPARATORS = re.compile(
    r"\s*(?:[,;&]|\((?=\s*(?i:avec|with|mit|con|and)\b)|\b(?:and|et|und|y|e|avec|with|mit|con)\b)\s*",
    re.IGNORECASE,
)
_CDATA = re.compile(r"^\s*(?://\s*)?(?:<!\[CDATA\[|<!--)|(?://\s*)?(?:\]\]>|-->)\s*$")
# Bylines rendered in the page, when no <meta> or JSON-LD names the author.
BYLINE_SELECTORS = (
    "[itemprop='author'] [itemprop='name']",
    "[itemprop='author']",
    "[rel='author']",
    "[class*='byline'], .by-line, .author-name, .article-author, .post-author, .entry-author",
)
BYLINE_MAX_CHARS = 120


@dataclass(frozen=True)
class PageMetadata:
    """What the page declares about itself; every field may be None."""

    title: str | None = None
    author: str | None = None
    published: str | None = None
    sitename: str | None = None
    language: str | None = None
    description: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()


def read_metadata(tree: LexborHTMLParser, url: str | None) -> PageMetadata:
    """Collect the metadata `tree` declares, most specific source first."""
    metas = _meta_map(tree)
    ld = _article_json_ld(tree)
    canonical_node = tree.css_first("link[rel='canonical']")
    canonical = canonical_node.attributes.get("href") if canonical_node else None
    html_node = tree.css_first("html")
    lang = html_node.attributes.get("lang") if html_node else None
    publisher = ld.get("publisher")
    return PageMetadata(
        title=_first(
            _ld_title(ld, _first(metas.get("og:title"), _title_tag(tree))),
            metas.get("dc:title"),
            metas.get("dcterm:title"),
            metas.get("dcterms.title"),
            metas.get("dc.title"),
            metas.get("og:title"),
            metas.get("twitter:title"),
            metas.get("parsely-title"),
            _title_tag(tree),
        ),
        author=_first(
            _authors(ld.get("author")),
            *(
                _clean_author(metas.get(key))
                for key in (
                    "dc:creator",
                    "dcterm:creator",
                    "dcterms.creator",
                    "dc.creator",
                    "author",
                    "article:author",
                    "og:article:author",
                    "parsely-author",
                    "sailthru.author",
                    "byl",
                )
            ),
            _page_byline(tree),
        ),
        published=_first(
            *(
                normalize_date(v)
                for v in (
                    _text(ld.get("datePublished")),
                    metas.get("article:published_time"),
                    metas.get("og:article:published_time"),
                    metas.get("parsely-pub-date"),
                    metas.get("dc:date"),
                    metas.get("dcterms.created"),
                    metas.get("dc.date"),
                    metas.get("dc.date.issued"),
                    metas.get("date"),
                    metas.get("pubdate"),
                    metas.get("publish-date"),
                    metas.get("sailthru.date"),
                    _item_date(tree),
                    _time_datetime(tree),
                )
            )
        ),
        sitename=_first(
            metas.get("og:site_name"),
            _text(publisher.get("name")) if isinstance(publisher, dict) else None,
            metas.get("application-name"),
        ),
        language=normalize_language(
            _first(
                lang,
                _text(ld.get("inLanguage")),
                metas.get("og:locale"),
                metas.get("content-language"),
                metas.get("dc.language"),
            )
        ),
        description=_first(
            metas.get("description"),
            metas.get("og:description"),
            _text(ld.get("description")),
            metas.get("dc.description"),
        ),
        canonical_url=absolute_url(_first(canonical, metas.get("og:url")), url),
        image=absolute_url(
            _first(metas.get("og:image"), _image(ld.get("image")), metas.get("twitter:image")), url
        ),
        tags=_tags(tree, ld),
    )


def normalize_date(value: str | None) -> str | None:
    """`YYYY-MM-DD` from an ISO-like date string, or None."""
    if not value:
        return None
    match = _DATE.search(value)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1990 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def normalize_language(value: str | None) -> str | None:
    """The primary language subtag, lowercase (`fr-FR` and `fr_FR` give `fr`)."""
    if not value:
        return None
    primary = re.split(r"[-_\s]", value.strip())[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def clean_author(value: str | None) -> str | None:
    """An author line without "By", and several authors joined by "; "."""
    return _clean_author(value)


def _meta_map(tree: LexborHTMLParser) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.css("meta"):
        attrs = node.attributes
        content = (attrs.get("content") or "").strip()
        if not content:
            continue
        # RDFa lets one <meta> carry several properties: property="og:title dc:title".
        for attr in ("property", "name", "http-equiv"):
            for key in (attrs.get(attr) or "").split():
                found.setdefault(key.lower(), content)
    return found


def _json_ld_objects(tree: LexborHTMLParser) -> Iterator[dict[str, Any]]:
    for node in tree.css("script[type='application/ld+json']"):
        try:
            data = json.loads(_CDATA.sub("", node.text(deep=True) or ""))
        except (ValueError, RecursionError):
            continue  # broken JSON-LD is common; the other sources still count
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])


def _article_json_ld(tree: LexborHTMLParser) -> dict[str, Any]:
    for obj in _json_ld_objects(tree):
        kinds = obj.get("@type")
        names = kinds if isinstance(kinds, list) else [kinds]
        if any(isinstance(k, str) and k.lower() in ARTICLE_TYPES for k in names):
            return obj
    return {}


def _ld_title(ld: dict[str, Any], page_title: str | None) -> str | None:
    """The JSON-LD headline, or its `name` when that is what the page calls itself (some
    sites put a summary in `headline`, others their own name in `name`)."""
    headline, name = _text(ld.get("headline")), _text(ld.get("name"))
    if not (headline and name and page_title) or headline == name:
        return headline
    title_words = set(_WORDS.findall(page_title.casefold()))

    def overlap(text: str) -> float:
        words = set(_WORDS.findall(text.casefold()))
        return len(words & title_words) / max(len(words | title_words), 1)

    return name if overlap(name) > overlap(headline) else headline


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return collapse_spaces(value)
    if isinstance(value, list) and value:
        return _text(value[0])
    return None


def _first(*values: str | None) -> str | None:
    for value in values:
        if value and value.strip():
            return collapse_spaces(value)
    return None


def _authors(value: Any) -> str | None:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        cleaned = _clean_author(name) if isinstance(name, str) else None
        if cleaned and cleaned not in names:
            names.append(cleaned)
    return "; ".join(names) or None


def _clean_author(value: str | None) -> str | None:
    if not value or value.strip().startswith(("http://", "https://", "@")):
        return None
    value = _BYLINE_PREFIX.sub("", " ".join(value.split()))
    names: list[str] = []
    for part in _AUTHOR_SEPARATORS.split(value):
        # Dates, counters and trailing dashes ride along with names in rendered bylines.
        name = part.strip(" -–—|:·•\u00a0")
        if name.count(")") > name.count("("):
            name = name.rstrip(") ")
        if name and not any(c.isdigit() for c in name) and name not in names:
            names.append(name)
    return "; ".join(names) or None


def _page_byline(tree: LexborHTMLParser) -> str | None:
    """The first byline rendered in the page (`itemprop=author`, `rel=author`, `.byline`)."""
    for selector in BYLINE_SELECTORS:
        for node in tree.css(selector):
            text = collapse_spaces(node.text(deep=True, separator=" "))
            if 0 < len(text) <= BYLINE_MAX_CHARS and not _in_furniture(node):
                return _clean_author(text)
    return None


def _in_furniture(node: LexborNode) -> bool:
    """Inside comments, a sidebar or a related-articles block: a byline there is someone else's."""
    structural = False
    parent = node.parent
    while parent is not None and parent.tag != "body":
        attrs = parent.attributes
        if is_furniture_name(f"{attrs.get('class') or ''} {attrs.get('id') or ''}"):
            return True
        if parent.tag == "article":
            return False  # an <aside> of article meta inside the story is the story's own
        structural = structural or parent.tag in ("aside", "nav", "footer", "form")
        parent = parent.parent
    return structural


def _item_date(tree: LexborHTMLParser) -> str | None:
    node = tree.css_first("[itemprop='datePublished']")
    if node is None:
        return None
    return node.attributes.get("content") or node.attributes.get("datetime")


def _title_tag(tree: LexborHTMLParser) -> str | None:
    """The `<title>`, or the page's single `<h1>` when the title merely adds the site name."""
    node = tree.css_first("title")
    title = collapse_spaces(node.text(deep=True)) if node else ""
    headings = [collapse_spaces(h.text(deep=True)) for h in tree.css("h1")]
    if len(headings) == 1 and headings[0] and (not title or headings[0] in title):
        return headings[0]
    separators = list(_TITLE_SEPARATOR.finditer(title))
    if separators and len(title[separators[-1].end() :].split()) <= 4:
        # "Mozilla - Wikipedia" stays whole: one word alone is more likely a name than a title.
        shorter = title[: separators[-1].start()]
        if len(shorter.split()) > 1:
            return shorter
    return title or None


def _time_datetime(tree: LexborHTMLParser) -> str | None:
    node = tree.css_first("article time[datetime], time[pubdate], time[datetime]")
    return node.attributes.get("datetime") if node else None


def _image(value: Any) -> str | None:
    if isinstance(value, list) and value:
        return _image(value[0])
    if isinstance(value, dict):
        return _text(value.get("url"))
    return _text(value)


def _tags(tree: LexborHTMLParser, ld: dict[str, Any]) -> tuple[str, ...]:
    tags = [n.attributes.get("content") or "" for n in tree.css("meta[property='article:tag']")]
    keywords = ld.get("keywords")
    if not any(tags) and keywords:
        tags = keywords if isinstance(keywords, list) else str(keywords).split(",")
    if not any(tags):
        node = tree.css_first("meta[name='keywords'], meta[name='news_keywords']")
        tags = (node.attributes.get("content") or "").split(",") if node else []
    seen: list[str] = []
    for tag in tags:
        tag = " ".join(str(tag).split())
        if tag and tag not in seen:
            seen.append(tag)
    return tuple(seen)
