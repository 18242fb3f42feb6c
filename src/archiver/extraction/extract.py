"""Turn a page's HTML into an `Article`; the only module that imports trafilatura and readability.

    html ─▶ selectolax: metadata, site rule, furniture removed
         ─▶ trafilatura: main text as XML ─┬─▶ blocks (paragraphs, headings, items, quotes)
         ─▶ readability: second opinion ───┘   the better candidate, boilerplate dropped
         ─▶ quality gate ─▶ Article

`extract_article` is the stable entry point for the rest of the code and for outside tools.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import lxml.html
import trafilatura
from lxml import etree
from readability import Document
from readability.readability import Unparseable
from selectolax.lexbor import LexborHTMLParser

from archiver.charsets import decode_html
from archiver.errors import ExtractError, NotAnArticle
from archiver.extraction.blocks import NBSP_MARK, Block, collapse, html_blocks, xml_blocks
from archiver.extraction.clean import clean_tree
from archiver.extraction.language import article_language
from archiver.extraction.metadata import (
    PageMetadata,
    clean_author,
    normalize_date,
    normalize_language,
    read_metadata,
)
from archiver.models import Article, SiteRule
from archiver.text import count_words, paragraph_fingerprint

DEFAULT_MIN_WORDS = 30
MAX_LINK_SHARE = 0.5  # a "body" that is mostly link text is a list of links, not an article
_COUNTER = re.compile(
    r"^\d+\s+(comments?|commentaires?|kommentare?|comentarios?|commenti|reacties)$", re.I
)
MANY_TAGS = 20_000
MAX_DEPTH = 5_000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
# Void elements, and those whose end tag is optional: neither makes markup deeper.
_VOID = frozenset(
    "area base br col embed hr img input link meta source track wbr p li option td tr th".split()  # noqa: SIM905
)
HEAD_BLOCKS = 3  # how far from the top kickers, headlines and bylines are looked for
BYLINE_MAX_WORDS = 20
# The second opinion wins when it holds nearly all of the first one's text and adds to it.
SECOND_OPINION_CONTAINS = 0.95
SECOND_OPINION_GAIN = 0.03  # words it adds, as a share of the first one's
_DATELINE = re.compile(
    r"^(?:published|updated|posted|last updated|publié|mis à jour|modifié|veröffentlicht"
    r"|aktualisiert|publicado|actualizado|pubblicato|aggiornato|gepubliceerd)\b.*\d",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\w+")
_BREAKS = re.compile(r"(?:<br\s*/?>\s*){2,}", re.IGNORECASE)
REPEATED_TIMES = 3
REPEATED_MAX_WORDS = 12


def extract_article(
    html: str | bytes,
    url: str | None = None,
    *,
    encoding: str | None = None,
    min_words: int = DEFAULT_MIN_WORDS,
    site_rule: SiteRule | None = None,
    boilerplate: frozenset[str] = frozenset(),
) -> Article:
    """Extract the article of a page; raises NotAnArticle (with a reason) when there is none.

    Bytes are decoded as everywhere else (`charsets.decode_html`, with `encoding` as the
    declared charset); `site_rule` drops elements and narrows the body for one host;
    `boilerplate` holds the `paragraph_fingerprint`s of blocks known to be the site's
    template, dropped from the text. Errors carry `url`."""
    if isinstance(html, bytes):
        html = decode_html(html, encoding)[0]
    try:
        return _extract(html, url, min_words, site_rule, boilerplate)
    except ExtractError as exc:
        exc.url = exc.url or url
        raise


def _extract(
    html: str,
    url: str | None,
    min_words: int,
    site_rule: SiteRule | None,
    boilerplate: frozenset[str],
) -> Article:
    if not html.strip():
        raise NotAnArticle("empty", "the page is empty")
    _check_nesting(html)
    tree = LexborHTMLParser(html)
    meta = read_metadata(tree, url)
    if site_rule is not None:
        tree = _apply_site_rule(tree, site_rule)
    cautious = tree.clone()
    clean_tree(tree)
    cleaned = _protect_nbsp(_paragraphs_at_breaks(tree.html or ""))
    doc = _trafilatura(cleaned, url)
    blocks = _body_blocks(xml_blocks(getattr(doc, "body", None)), meta)
    # trafilatura drops some text (MathML, repeated paragraphs, odd markup): a second opinion.
    second = _body_blocks(_readability(cleaned), meta)
    if _is_better(second, blocks):
        blocks = second
    if _word_count(blocks) < min_words:
        # The thorough clean-up may have removed a body: second opinion on a cautious one.
        clean_tree(cautious, thorough=False)
        fallback = _trafilatura(_protect_nbsp(_paragraphs_at_breaks(cautious.html or "")), url)
        body = getattr(fallback, "body", None)
        fallback_blocks = _body_blocks(xml_blocks(body), meta)
        if _word_count(fallback_blocks) > _word_count(blocks):
            doc, blocks = fallback, fallback_blocks
    fingerprints = tuple(paragraph_fingerprint(b.text) for b in blocks)
    if boilerplate:
        blocks = [b for b, f in zip(blocks, fingerprints, strict=True) if f not in boilerplate]
    _quality_gate(blocks, min_words)
    return _article(blocks, meta, doc, fingerprints)


def _apply_site_rule(tree: LexborHTMLParser, rule: SiteRule) -> LexborHTMLParser:
    """Drop the rule's selectors, then keep only its body element when the page has one."""
    for selector in rule.drop:
        for node in tree.css(selector):
            node.decompose()
    body = tree.css_first(rule.body) if rule.body else None
    if body is None:
        return tree
    head = tree.head
    return LexborHTMLParser(
        f"<html>{head.html if head is not None else ''}<body>{body.html}</body></html>"
    )


def _check_nesting(html: str) -> None:
    """Refuse absurdly deep markup before parsing it: the HTML parsers take quadratic time
    on it (100,000 nested elements: ten seconds). Only pages with very many tags are
    measured, so ordinary pages pay one `str.count`."""
    if html.count("<") < MANY_TAGS:
        return
    depth = deepest = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if name.lower() in _VOID or self_closing:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise ExtractError("parse_error", f"elements nested {deepest} deep (limit {MAX_DEPTH})")


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


def _body_blocks(found: Any, meta: PageMetadata) -> list[Block]:
    blocks = [b for b in found if b.text]
    if meta.title:
        # Kickers and breadcrumbs sit above the headline; the headline itself is the title.
        for i, block in enumerate(blocks[:HEAD_BLOCKS]):
            if _same_text(block.text, meta.title):
                blocks = blocks[i + 1 :]
                break
    head = [b for b in blocks[:HEAD_BLOCKS] if not (_is_byline(b, meta.author) or _is_dateline(b))]
    blocks = head + blocks[HEAD_BLOCKS:]
    # A short line said three times or more is a slideshow's or a template's, not the story's.
    said = Counter(b.text for b in blocks if count_words(b.text) <= REPEATED_MAX_WORDS)
    return [
        b for b in blocks if not _is_furniture_block(b) and said.get(b.text, 0) < REPEATED_TIMES
    ]


def _readability(html: str) -> list[Block]:
    """Readability's article candidate, as blocks; none when it finds nothing."""
    try:
        summary = Document(html).summary(html_partial=True)
        root = lxml.html.fromstring(summary)
    except (Unparseable, ValueError, TypeError, etree.LxmlError, RecursionError):
        return []  # a second opinion that cannot be had changes nothing
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")  # a line break parts words
    return list(html_blocks(root))


def _is_better(second: list[Block], first: list[Block]) -> bool:
    """Whether the second opinion holds nearly all the first one's text, and adds to it."""
    if not second or _link_share(second) > MAX_LINK_SHARE:
        return False
    ours, theirs = _shingles(first), _shingles(second)
    words = sum(ours.values())
    if not words:
        return True
    shared = sum((ours & theirs).values())
    added = sum(theirs.values()) - shared
    return shared >= SECOND_OPINION_CONTAINS * words and added >= SECOND_OPINION_GAIN * words


def _shingles(blocks: list[Block]) -> Counter[str]:
    # Words, not word sequences: a candidate that adds inline words (MathML, emoji, links)
    # inside the first one's sentences still holds them.
    return Counter(w.casefold() for b in blocks for w in _TOKEN.findall(b.text))


def _link_share(blocks: list[Block]) -> float:
    chars = sum(len(b.text) for b in blocks)
    return sum(b.link_chars for b in blocks) / chars if chars else 0.0


def _is_byline(block: Block, author: str | None) -> bool:
    """A short line near the top that names the author ("Par X · Publié le …")."""
    if not author or count_words(block.text) > BYLINE_MAX_WORDS:
        return False
    text = block.text.casefold()
    return any(name.casefold() in text for name in author.split("; ") if name)


def _is_dateline(block: Block) -> bool:
    """A short line near the top that dates the article ("Published May 14, 2024 …")."""
    return count_words(block.text) <= BYLINE_MAX_WORDS and bool(_DATELINE.match(block.text))


def _is_furniture_block(block: Block) -> bool:
    """A counter ("0 Comments") or a short paragraph that is only a link ("source")."""
    if _COUNTER.match(block.text):
        return True
    return block.link_chars >= len(block.text) and len(block.text.split()) <= 4


def _quality_gate(blocks: list[Block], min_words: int) -> None:
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


def _article(
    blocks: list[Block], meta: PageMetadata, doc: Any, fingerprints: tuple[str, ...]
) -> Article:
    def doc_field(name: str) -> str | None:
        value = getattr(doc, name, None)
        return (collapse(value) or None) if isinstance(value, str) else None

    doc_tags = getattr(doc, "tags", None) or []
    return Article(
        text="\n\n".join(b.text for b in blocks),
        title=meta.title or doc_field("title"),
        author=meta.author or clean_author(doc_field("author")),
        published=meta.published or normalize_date(doc_field("date")),
        sitename=meta.sitename or doc_field("sitename"),
        # metadata branch: a declared language the text contradicts loses to detection
        language=article_language(
            meta.language or normalize_language(doc_field("language")),
            "\n\n".join(b.text for b in blocks),
        ),
        description=meta.description or doc_field("description"),
        canonical_url=meta.canonical_url,
        image=meta.image or doc_field("image"),
        tags=meta.tags or tuple(str(t) for t in doc_tags if str(t).strip()),
        paragraph_fingerprints=fingerprints,
    )


def _paragraphs_at_breaks(html: str) -> str:
    """Two or more `<br>` in a row end a paragraph, as readers see it. Old templates write
    whole articles as text and `<br><br>` in one `<div>`; given that, trafilatura cuts
    paragraphs at links and glues the next word on ("the plaintiffs / allegedthat Lahav")."""
    return _BREAKS.sub("</p><p>", html)


def _protect_nbsp(html: str) -> str:
    """Hide non-breaking spaces from trafilatura, which turns them into plain spaces."""
    if NBSP_MARK in html:
        return html
    for form in ("&nbsp;", "&#160;", "&#xa0;", "&#xA0;", "\xa0"):
        html = html.replace(form, NBSP_MARK)
    return html


def _same_text(a: str, b: str) -> bool:
    return collapse(a).casefold() == collapse(b).casefold()


def _word_count(blocks: list[Block]) -> int:
    return sum(count_words(b.text) for b in blocks)
