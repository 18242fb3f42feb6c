"""Turn a page's HTML into an `Article`; the only module that imports trafilatura.

    html ─▶ selectolax: metadata, furniture removed ─▶ trafilatura: main text as XML
         ─▶ blocks (paragraphs, headings, list items, quotes) ─▶ quality gate ─▶ Article

`extract_article` is the stable entry point for the rest of the code and for outside tools.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import trafilatura
from lxml import etree
from selectolax.lexbor import LexborHTMLParser

from archiver.charsets import decode_html
from archiver.clean import clean_tree
from archiver.errors import ExtractError, NotAnArticle
from archiver.metadata import (
    PageMetadata,
    clean_author,
    collapse_spaces,
    normalize_date,
    normalize_language,
    read_metadata,
)
from archiver.models import Article, count_words

DEFAULT_MIN_WORDS = 30
MAX_LINK_SHARE = 0.5  # a "body" that is mostly link text is a list of links, not an article
_COUNTER = re.compile(
    r"^\d+\s+(comments?|commentaires?|kommentare?|comentarios?|commenti|reacties)$", re.I
)
# A letter no European page uses, standing in for U+00A0 while trafilatura works (a private-use
# character would be deleted, a space-like one collapsed).
NBSP_MARK = "\u01c2"
HEAD_BLOCKS = 3  # how far from the top kickers, headlines and bylines are looked for
BYLINE_MAX_WORDS = 20
_BLOCK_TAGS = frozenset({"p", "head", "item", "row", "quote", "code"})


@dataclass(frozen=True)
class _Block:
    text: str
    link_chars: int


def extract_article(
    html: str | bytes, url: str | None = None, *, min_words: int = DEFAULT_MIN_WORDS
) -> Article:
    """Extract the article of a page; raises NotAnArticle (with a reason) when there is none."""
    if isinstance(html, bytes):
        html = decode_html(html)[0]
    if not html.strip():
        raise NotAnArticle("empty", "the page is empty")
    tree = LexborHTMLParser(html)
    meta = read_metadata(tree, url)
    cautious = tree.clone()
    clean_tree(tree)
    doc = _trafilatura(_protect_nbsp(tree.html or ""), url)
    blocks = _body_blocks(doc, meta)
    if _word_count(blocks) < min_words:
        # The thorough clean-up may have removed a body: second opinion on a cautious one.
        clean_tree(cautious, thorough=False)
        fallback = _trafilatura(_protect_nbsp(cautious.html or ""), url)
        fallback_blocks = _body_blocks(fallback, meta)
        if _word_count(fallback_blocks) > _word_count(blocks):
            doc, blocks = fallback, fallback_blocks
    _quality_gate(blocks, min_words)
    return _article(blocks, meta, doc)


def _trafilatura(html: str, url: str | None) -> Any:
    try:
        return trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_links=True,
            include_images=False,
            deduplicate=False,
        )
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as exc:
        raise ExtractError("parse_error", f"{type(exc).__name__}: {exc}") from exc


def _body_blocks(doc: Any, meta: PageMetadata) -> list[_Block]:
    body = getattr(doc, "body", None)
    if body is None:
        return []
    blocks = [b for b in _walk(body) if b.text]
    if meta.title:
        # Kickers and breadcrumbs sit above the headline; the headline itself is the title.
        for i, block in enumerate(blocks[:HEAD_BLOCKS]):
            if _same_text(block.text, meta.title):
                blocks = blocks[i + 1 :]
                break
    head = [b for b in blocks[:HEAD_BLOCKS] if not _is_byline(b, meta.author)]
    blocks = head + blocks[HEAD_BLOCKS:]
    return [b for b in blocks if not _is_furniture_block(b)]


def _is_byline(block: _Block, author: str | None) -> bool:
    """A short line near the top that names the author ("Par X · Publié le …")."""
    if not author or count_words(block.text) > BYLINE_MAX_WORDS:
        return False
    text = block.text.casefold()
    return any(name.casefold() in text for name in author.split("; ") if name)


def _walk(element: Any) -> Iterator[_Block]:
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag in _BLOCK_TAGS and not any(
            isinstance(c.tag, str) and c.tag in ("p", "list", "item", "row", "quote") for c in child
        ):
            yield _block(child)
        elif child.tag == "row":
            yield _Block(" | ".join(_collapse(c.xpath("string()")) for c in child), 0)
        else:
            yield from _walk(child)
        if child.tail and child.tail.strip() and element.tag in ("body", "div", "section"):
            yield _Block(_collapse(child.tail), 0)


def _block(element: Any) -> _Block:
    text = _collapse(element.xpath("string()"))
    link_chars = sum(len(_collapse(r.xpath("string()"))) for r in element.iter("ref"))
    return _Block(text, link_chars)


def _is_furniture_block(block: _Block) -> bool:
    """A counter ("0 Comments") or a short paragraph that is only a link ("source")."""
    if _COUNTER.match(block.text):
        return True
    return block.link_chars >= len(block.text) and len(block.text.split()) <= 4


def _quality_gate(blocks: list[_Block], min_words: int) -> None:
    words = _word_count(blocks)
    if words == 0:
        raise NotAnArticle("empty", "no article text found")
    chars = sum(len(b.text) for b in blocks)
    links = sum(b.link_chars for b in blocks)
    if links > MAX_LINK_SHARE * chars:
        raise NotAnArticle("navigation", f"{links * 100 // chars}% of the text is links")
    if words < min_words:
        raise NotAnArticle("too_short", f"{words} words, fewer than {min_words}")
    longest = max(count_words(b.text) for b in blocks)
    if longest < 20 and len(blocks) > 5:
        raise NotAnArticle("navigation", "only short lines, no paragraph")


def _article(blocks: list[_Block], meta: PageMetadata, doc: Any) -> Article:
    def doc_field(name: str) -> str | None:
        value = getattr(doc, name, None)
        return (_collapse(value) or None) if isinstance(value, str) else None

    doc_tags = getattr(doc, "tags", None) or []
    return Article(
        text="\n\n".join(b.text for b in blocks),
        title=meta.title or doc_field("title"),
        author=meta.author or clean_author(doc_field("author")),
        published=meta.published or normalize_date(doc_field("date")),
        sitename=meta.sitename or doc_field("sitename"),
        language=meta.language or normalize_language(doc_field("language")),
        description=meta.description or doc_field("description"),
        canonical_url=meta.canonical_url,
        image=meta.image or doc_field("image"),
        tags=meta.tags or tuple(str(t) for t in doc_tags if str(t).strip()),
    )


def _protect_nbsp(html: str) -> str:
    """Hide non-breaking spaces from trafilatura, which turns them into plain spaces."""
    if NBSP_MARK in html:
        return html
    for form in ("&nbsp;", "&#160;", "&#xa0;", "&#xA0;", "\xa0"):
        html = html.replace(form, NBSP_MARK)
    return html


def _collapse(text: str) -> str:
    return collapse_spaces(text.replace(NBSP_MARK, "\xa0"))


def _same_text(a: str, b: str) -> bool:
    return _collapse(a).casefold() == _collapse(b).casefold()


def _word_count(blocks: list[_Block]) -> int:
    return sum(count_words(b.text) for b in blocks)
