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

from selectolax.lexbor import LexborHTMLParser

from archiver.extraction.authors import clean_author as clean_author  # extract.py uses it
from archiver.extraction.authors import find_author, in_furniture, thread_json_ld
from archiver.extraction.dates import normalize_date as normalize_date  # extract.py uses it
from archiver.extraction.dates import published_date
from archiver.extraction.jsonld import ld_types
from archiver.extraction.titles import headline, is_url, unescape
from archiver.text import collapse_spaces
from archiver.urls import absolute_url, host_of

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
DISCUSSION_TYPES = frozenset({"discussionforumposting", "qapage"})
DISCUSSION_MICRODATA = "[itemtype$='/DiscussionForumPosting' i], [itemtype$='/QAPage' i]"
_CDATA = re.compile(r"^\s*(?://\s*)?(?:<!\[CDATA\[|<!--)|(?://\s*)?(?:\]\]>|-->)\s*$")
MAX_HEADINGS = 3
_HEADING_MARKS = " ¶#§¶"  # the permalink marks documentation generators append


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
    # What the page says it is: "discussion" (a DiscussionForumPosting or QAPage, in JSON-LD
    # or microdata: a forum thread, whose posts are its text), "article" (`og:type` article,
    # a JSON-LD Article or BlogPosting), or None.
    declared_type: str | None = None


def read_metadata(tree: LexborHTMLParser, url: str | None) -> PageMetadata:
    """Collect the metadata `tree` declares, most specific source first; entities decoded."""
    metas = {k: unescape(v) for k, v in _meta_map(tree).items()}
    objects = list(_json_ld_objects(tree))
    ld = _article_json_ld(objects)
    canonical_node = tree.css_first("link[rel='canonical']")
    canonical = canonical_node.attributes.get("href") if canonical_node else None
    site_names = _site_names(metas, ld, objects)
    title, title_site = headline(
        _title_tag(tree),
        [
            t
            for t in (
                metas.get("dc:title"),
                metas.get("dcterm:title"),
                metas.get("dcterms.title"),
                metas.get("dc.title"),
                metas.get("og:title"),
                metas.get("twitter:title"),
                _text(ld.get("headline")),
                _text(ld.get("name")),
                metas.get("parsely-title"),
            )
            if t
        ],
        _headings(tree),
        site_names,
        url,
    )
    return PageMetadata(
        title=title,
        author=find_author(tree, metas, ld or thread_json_ld(objects), site_names),
        published=published_date(tree, metas, ld, objects, url),
        sitename=_first(*site_names, title_site, host_of(url) if url else None),
        language=_declared_language(tree, metas, ld),
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
        declared_type=_declared_type(tree, metas, ld, objects),
    )


def _declared_type(
    tree: LexborHTMLParser,
    metas: dict[str, str],
    ld: dict[str, Any],
    objects: list[dict[str, Any]],
) -> str | None:
    if any(ld_types(o) & DISCUSSION_TYPES for o in objects):
        return "discussion"
    if tree.css_first(DISCUSSION_MICRODATA) is not None:
        return "discussion"
    if ld or metas.get("og:type", "").lower() == "article":
        return "article"
    return None


def _declared_language(
    tree: LexborHTMLParser, metas: dict[str, str], ld: dict[str, Any]
) -> str | None:
    html_node = tree.css_first("html")
    return normalize_language(
        _first(
            html_node.attributes.get("lang") if html_node else None,
            _text(ld.get("inLanguage")),
            metas.get("og:locale"),
            metas.get("content-language"),
            metas.get("dc.language"),
        )
    )


def _site_names(
    metas: dict[str, str], ld: dict[str, Any], objects: list[dict[str, Any]]
) -> list[str]:
    """The names the site gives itself, URLs left out (`article:publisher` often is one)."""
    publisher = ld.get("publisher")
    found = [
        metas.get("og:site_name"),
        _text(publisher.get("name")) if isinstance(publisher, dict) else None,
        *(_text(o.get("name")) for o in objects if "website" in ld_types(o)),
        metas.get("dc.publisher"),
        metas.get("dcterms.publisher"),
        metas.get("application-name"),
        metas.get("apple-mobile-web-app-title"),
    ]
    names: list[str] = []
    for name in found:
        if name and not is_url(name) and name not in names:
            names.append(collapse_spaces(name))
    return names


def normalize_language(value: str | None) -> str | None:
    """The primary language subtag, lowercase (`fr-FR` and `fr_FR` give `fr`)."""
    if not value:
        return None
    primary = re.split(r"[-_\s]", value.strip())[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


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
    """Every JSON-LD object of the page, `@graph` members included."""
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


def _article_json_ld(objects: list[dict[str, Any]]) -> dict[str, Any]:
    for obj in objects:
        if ld_types(obj) & ARTICLE_TYPES:
            return obj
    return {}


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return collapse_spaces(unescape(value))
    if isinstance(value, list) and value:
        return _text(value[0])
    return None


def _first(*values: str | None) -> str | None:
    for value in values:
        if value and value.strip():
            return collapse_spaces(unescape(value))
    return None


def _title_tag(tree: LexborHTMLParser) -> str | None:
    node = tree.css_first("title")
    return collapse_spaces(unescape(node.text(deep=True))) or None if node else None


def _headings(tree: LexborHTMLParser) -> list[str]:
    """The visible text of the page's first `<h1>`s (a style sheet inside one is not text).

    Those in furniture (a sidebar, comments) are left out, unless all are: page builders wrap
    the one headline in "widget" and "header" containers too."""
    nodes = tree.css("h1")[:MAX_HEADINGS]
    kept = [node for node in nodes if not in_furniture(node)] or nodes
    found = []
    for node in kept:
        if node.css_first("style, script, br") is not None:
            # A copy, so that the caller's tree is left as it was.
            copy = LexborHTMLParser(f"<body>{node.html or ''}</body>").body
            if copy is not None:
                for junk in copy.css("style, script"):
                    junk.decompose()
                for br in copy.css("br"):
                    br.replace_with(" ")
                node = copy
        text = collapse_spaces(unescape(node.text(deep=True))).rstrip(_HEADING_MARKS)
        if text:
            found.append(text)
    return found


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
