"""The article's author from JSON-LD, `<meta>` and the byline rendered in the page.

A name that is the site's own ("Cleveland Clinic" on its own pages), a label without a name
("Posted by", "View more posts") or a template placeholder is no author: the next source is
asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from archiver.extraction.clean import is_furniture_name
from archiver.extraction.jsonld import ld_types
from archiver.extraction.titles import compressed, unescape
from archiver.text import collapse_spaces

# "By Jane Doe", "Par Jean Dupont", "Written by: X" and the glued "BySteven Mufson".
_BYLINE_PREFIX = re.compile(
    r"^\s*(?:(?i:(?:(?:more\s+)?(?:posted|written|authored|reviewed|published|guide|words|story"
    r"|stories|text|articles?|posts)\s+)?"
    r"(?:by|par|von|door|por|di|de|av|af)\b\s*:?\s*)|(?:By|Par|Von|Por)(?=[A-Z]))"
)
# Several authors: "A, B and C", "A; B", "A (avec B et C)", "A mit B"; a parenthesis that
# names no one else ("Richard (R.J.) Eskow") stays.
_AUTHOR_SEPARATORS = re.compile(
    r"\s*(?:[,;&]|\((?=\s*(?i:avec|with|mit|con|and)\b)|\b(?:and|et|und|y|e|avec|with|mit|con)\b)\s*",
    re.IGNORECASE,
)
# Credentials after a name ("Jane Doe, MD, FACP", "Ph.D."): no one's name. Alone, such a word
# may be an organisation's ("WRAL") and stays.
_CREDENTIAL = re.compile(r"^(?:[A-Z]{2,6}|(?:[A-Z]\.){2,5}|Ph\.?\s?D\.?|Dr\.?)$")
_BY = re.compile(r"^(?:by|written by|posted by|author)\b\s*:?\s*\S", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
# Labels some templates render in the author's place, and placeholders never filled in.
_NOT_A_NAME = re.compile(
    r"^(?:by|posted|written|author|authors|the author|admin|administrator|view (?:all|more) "
    r"posts?.*|staff|unknown|anonymous|guest|user ?name|log ?in|sign ?in"
    r"|mon|tue|wed|thu|fri|sat|sun)$|^[\w-]+(?:\.[\w-]+){2,}$",
    re.IGNORECASE,
)
AUTHOR_METAS = (
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
# Bylines rendered in the page, when no <meta> or JSON-LD names the author.
BYLINE_SELECTORS = (
    "[rel='author']",
    "[class*='byline'], .by-line, [class*='author-name'], [class*='author__name'], "
    "[class*='authorName'], [class*='author_name'], .article-author, .post-author, "
    ".entry-author, .vcard .fn",
    "a[href*='/author/'], a[href*='/authors/']",
    # Any element whose class says "author" ("the-author", "post-hero__author"), when its text
    # is a name and nothing more.
    "[class*='author'], [class*='Author']",
)
_THREAD_TYPES = frozenset({"discussionforumposting", "question"})
MAX_NAME_WORDS = 6
NEAR_HEADLINE_NODES = 60  # how far from the headline a "By …" line is looked for
BYLINE_MAX_CHARS = 120


def find_author(
    tree: LexborHTMLParser, metas: dict[str, str], ld: dict[str, Any], site_names: list[str]
) -> str | None:
    """The author, most specific source first; the site's own name only when no source
    names anyone else (a personal site's name is its author's)."""
    site = {compressed(n) for n in site_names}
    fallback = None
    for name in _sources(tree, metas, ld, site):
        if name and compressed(name) not in site:
            return name
        fallback = fallback or name
    return fallback


def thread_json_ld(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """A forum thread's JSON-LD (`DiscussionForumPosting`, a Q&A `Question`): its author is the
    thread's, on a page that has no article object."""
    for obj in objects:
        if ld_types(obj) & _THREAD_TYPES:
            return obj
    return {}


def _sources(
    tree: LexborHTMLParser, metas: dict[str, str], ld: dict[str, Any], site: set[str]
) -> Iterator[str | None]:
    """Each source's author, asked one at a time (the byline search is the costly one)."""
    yield ld_authors(ld.get("author"))
    for key in AUTHOR_METAS:
        yield clean_author(metas.get(key))
    yield _citation_authors(tree)
    # WordPress (Yoast) writes the author as a Twitter card field: "Written by" / "X".
    if "by" in metas.get("twitter:label1", "").casefold():
        yield clean_author(metas.get("twitter:data1"))
    yield thread_starter(tree)
    yield page_byline(tree, site)
    yield _by_line_near_headline(tree)


def thread_starter(tree: LexborHTMLParser) -> str | None:
    """A discussion's author: its first post's, as forum software marks it (`data-author` on
    the post, `class="username"` on the poster's name). Posts sit in "reply" containers, so
    only a comment thread under an article is passed over."""
    node = tree.css_first("[data-author]")
    if node is not None and not _in_comments(node):
        name = _user_name(node.attributes.get("data-author") or "")
        if name:
            return name
    node = tree.css_first(".username")
    if node is not None and not _in_comments(node):
        return _user_name(node.text(deep=True, separator=" "))
    return None


def _user_name(value: str) -> str | None:
    """A forum user name as written ("paulb203" keeps its digits; a label is no name)."""
    name = collapse_spaces(unescape(value)).strip(" @:")
    if not name or _NOT_A_NAME.match(name) or _EMAIL.search(name):
        return None
    return name if 0 < len(name.split()) <= MAX_NAME_WORDS else None


def _in_comments(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None and parent.tag != "body":
        if parent.tag in ("form", "footer", "aside", "nav", "header"):
            return True
        names = f"{parent.attributes.get('class') or ''} {parent.attributes.get('id') or ''}"
        if "comment" in names.lower():
            return True
        parent = parent.parent
    return False


def _citation_authors(tree: LexborHTMLParser) -> str | None:
    """Scholarly pages name each author in a `citation_author` meta of its own."""
    names = [
        clean_author(unescape(n.attributes.get("content") or ""))
        for n in tree.css("meta[name='citation_author']")
    ]
    return "; ".join(n for n in names if n) or None


def ld_authors(value: Any) -> str | None:
    """The names of JSON-LD `author` values (objects with a `name`, or plain strings)."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        cleaned = clean_author(unescape(name)) if isinstance(name, str) else None
        if cleaned and cleaned not in names:
            names.append(cleaned)
    return "; ".join(names) or None


def clean_author(value: str | None) -> str | None:
    """An author line without "By", and several authors joined by "; "."""
    if not value or value.strip().startswith(("http://", "https://", "@")):
        return None
    value = _EMAIL.sub("", " ".join(value.split()))
    value = _BYLINE_PREFIX.sub("", value)
    names: list[str] = []
    for part in _AUTHOR_SEPARATORS.split(value):
        # Dates, counters and trailing dashes ride along with names in rendered bylines.
        name = part.strip(" -–—|:·•\u00a0")
        if name.count(")") > name.count("("):
            name = name.rstrip(") ")
        if (
            name
            and not any(c.isdigit() for c in name)
            and not _NOT_A_NAME.match(name)
            and not (names and _CREDENTIAL.match(name))
            and name not in names
        ):
            names.append(name)
    return "; ".join(names) or None


def page_byline(tree: LexborHTMLParser, site: set[str] | None = None) -> str | None:
    """The first byline rendered in the page (`itemprop=author`, `rel=author`, `.byline`)."""
    found = _item_author(tree, site or set())
    if found:
        return found
    for selector in BYLINE_SELECTORS:
        for node in tree.css(selector):
            text = node.attributes.get("content") if node.tag == "meta" else None
            text = collapse_spaces(unescape(text or node.text(deep=True, separator=" ")))
            if not (0 < len(text) <= BYLINE_MAX_CHARS) or in_furniture(node):
                continue
            name = clean_author(text)
            if name and _is_name(name) and compressed(name) not in (site or set()):
                return name
    return None


def _item_author(tree: LexborHTMLParser, site: set[str]) -> str | None:
    """The first microdata author with a name: its `itemprop=name` if it has one (a thread's
    first post, not the first reply whose markup happens to nest the name)."""
    for node in tree.css("[itemprop='author']"):
        named = node.css_first("[itemprop='name']") or node
        text = named.attributes.get("content") if named.tag in ("meta", "link") else None
        text = collapse_spaces(unescape(text or named.text(deep=True, separator=" ")))
        if not (0 < len(text) <= BYLINE_MAX_CHARS) or in_furniture(node):
            continue
        # A name element holds a name only: a user name's digits are kept ("luiz4").
        name = _user_name(text) if named is not node else clean_author(text)
        if name and _is_name(name) and compressed(name) not in site:
            return name
    return None


def _by_line_near_headline(tree: LexborHTMLParser) -> str | None:
    """A "By Jane Doe" line next to the headline, in markup that names nothing."""
    heading = tree.css_first("h1")
    region = heading.parent if heading is not None else None
    if region is not None and region.parent is not None and region.parent.tag != "body":
        region = region.parent if len(region.text(deep=True)) < BYLINE_MAX_CHARS * 4 else region
    if region is None or region.tag in ("body", "html"):
        return None
    for seen, node in enumerate(region.traverse()):
        if seen >= NEAR_HEADLINE_NODES:
            break
        text = collapse_spaces(node.text(deep=True, separator=" "))
        if 0 < len(text) <= BYLINE_MAX_CHARS and _BY.match(text):
            name = clean_author(text)
            if name and _is_name(name):
                return name
    return None


def _is_name(value: str) -> bool:
    """Each of the names is a few words, as names are (not a sentence, not a bio)."""
    return all(0 < len(name.split()) <= MAX_NAME_WORDS for name in value.split("; "))


def in_furniture(node: LexborNode) -> bool:
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
