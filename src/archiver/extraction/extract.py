"""Turn a page's HTML into an `Article`; the only module that imports trafilatura.

    html ─▶ selectolax (one parse): metadata, site rule, furniture removed
         ─▶ trafilatura once (no fallbacks, no metadata) ─▶ blocks
         ─▶ looks wrong? (mostly links, no paragraph, a fifth of the page's text or less)
              ─▶ trafilatura with its fallbacks; the cautiously cleaned page ─▶ best by gate
         ─▶ gate on the extracted text (gate.py); refused? plain trafilatura on the page as
            served, judged the same way ─▶ Article
    A page declaring itself a forum thread goes straight to that plain candidate.

`extract_article` is the stable entry point for the rest of the code and for outside tools.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import trafilatura
from lxml import etree
from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from archiver.charsets import decode_html
from archiver.errors import ExtractError, NotAnArticle
from archiver.extraction.blocks import NBSP_MARK, Block, collapse, link_chars, xml_blocks
from archiver.extraction.clean import clean_tree, remove_questions
from archiver.extraction.gate import Signals
from archiver.extraction.language import article_language
from archiver.extraction.metadata import (
    PageMetadata,
    read_metadata,
)
from archiver.extraction.titles import is_headline_block
from archiver.models import Article, SiteRule
from archiver.text import count_words, paragraph_fingerprint

DEFAULT_MIN_WORDS = 30
# A page that declares itself an article needs only half of `min_words`: a short blog post,
# a paywalled story's teaser, a photo's caption are what the publisher published.
SHORT_POST_SHARE = 2
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
# The first candidate looks wrong when it holds less than this share of the cleaned page's text
# (measured on the 2,209 dev pages: a candidate that is mostly links or has no paragraph but
# holds more than this gained nothing from a second opinion, so those signals are not used).
SHORT_SHARE = 0.2
# Trafilatura on the page with only sure furniture removed is worth its time when the first
# candidate holds less than this share of the page's text (above it, on the dev pages, it
# changed 23 pages for a word F1 of +0.0006 on wcxb-dev and 4 snippets fewer found).
CAUTIOUS_SHARE = 0.1
MIN_ANCHOR_CHARS = 15  # a link's text this long is not a word that prose happens to hold
_DATELINE = re.compile(
    r"^(?:published|updated|posted|last updated|publié|mis à jour|modifié|veröffentlicht"
    r"|aktualisiert|publicado|actualizado|pubblicato|aggiornato|gepubliceerd)\b.*\d",
    re.IGNORECASE,
)
# Spelled to start with a literal "<" and without IGNORECASE, so that `re` can skip to each
# "<" (30 times faster than `(?:<br\s*/?>\s*){2,}` with IGNORECASE on real pages). Breaks
# right before a closing tag end nothing that follows: `<span>…<br><br></span>` inside a
# paragraph, made `</p><p></span>`, cost trafilatura half of a story on a dev page (the
# possessive quantifiers keep the match from backtracking to fewer breaks).
_BREAKS = re.compile(r"<[bB][rR]\s*/?>\s*+(?:<[bB][rR]\s*/?>\s*+)++(?!</)")
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
    tree = _parse(html)
    meta = read_metadata(tree, url)
    floor = min_words // SHORT_POST_SHARE if meta.declared_type == "article" else min_words
    if meta.declared_type == "discussion" and site_rule is None:
        return _judged(*_plain(tree, meta), meta, floor, boilerplate)
    if site_rule is not None:
        tree = _apply_site_rule(tree, site_rule)
    page_chars = clean_tree(tree)
    cleaned = _protect_nbsp(_paragraphs_at_breaks(tree.html or ""))
    blocks = _with_page_links(_body_blocks(xml_blocks(_trafilatura(cleaned)), meta), tree)
    signals = Signals.of(blocks)
    if _looks_wrong(signals, page_chars):
        blocks, signals = _second_opinion(
            (blocks, signals), tree, cleaned, html, meta, site_rule, page_chars, min_words
        )
    if signals.refusal(min_words) is not None:
        blocks, signals = _choose([(blocks, signals), _plain(_parse(html), meta)], floor)
    return _judged(blocks, signals, meta, floor, boilerplate)


def _judged(
    blocks: list[Block],
    signals: Signals,
    meta: PageMetadata,
    floor: int,
    boilerplate: frozenset[str],
) -> Article:
    """The article of the chosen blocks, or the gate's refusal; known template blocks out."""
    refusal = signals.refusal(floor)
    if refusal is not None:
        raise refusal
    fingerprints = tuple(paragraph_fingerprint(b.text) for b in blocks)
    if boilerplate:
        blocks = [b for b, f in zip(blocks, fingerprints, strict=True) if f not in boilerplate]
        refusal = Signals.of(blocks).refusal(floor)
        if refusal is not None:
            raise refusal
    return _article(blocks, meta, fingerprints)


def _cautious(html: str, site_rule: SiteRule | None) -> str:
    """The page with only what is surely furniture removed, for trafilatura."""
    tree = _parse(html)
    if site_rule is not None:
        tree = _apply_site_rule(tree, site_rule)
    clean_tree(tree, thorough=False)
    return _protect_nbsp(_paragraphs_at_breaks(tree.html or ""))


def _parse(html: str) -> LexborHTMLParser:
    try:
        return LexborHTMLParser(html)
    except SelectolaxError as exc:
        raise ExtractError("parse_error", f"the HTML parser gave up: {exc}") from exc


def _looks_wrong(signals: Signals, page_chars: int) -> bool:
    """Whether the first candidate is worth a second opinion: far shorter than the text the
    page holds."""
    return signals.chars < SHORT_SHARE * page_chars


def _story_may_be_removed(first_chars: int, page_chars: int, kept_chars: int) -> bool:
    """Whether the clean-up may have taken the story: it removed more text than the first
    candidate holds, and that candidate is a small part of the page's text."""
    return page_chars - kept_chars > first_chars and first_chars < CAUTIOUS_SHARE * page_chars


def _second_opinion(
    first: tuple[list[Block], Signals],
    tree: LexborHTMLParser,
    cleaned: str,
    html: str,
    meta: PageMetadata,
    site_rule: SiteRule | None,
    page_chars: int,
    min_words: int,
) -> tuple[list[Block], Signals]:
    """The best of the first candidate and the second ones: trafilatura with its own fallback
    extractors on the cleaned page, and, when the clean-up removed more text than the first
    candidate holds and that candidate is a tenth of the page's text or less (it may have
    taken the story), trafilatura on the page with only sure furniture removed."""
    fallback = _body_blocks(xml_blocks(_trafilatura(cleaned, fast=False)), meta)
    candidates = [first, _candidate(_with_page_links(fallback, tree))]
    if _story_may_be_removed(first[1].chars, page_chars, _text_chars(tree)):
        cautious = _trafilatura(_cautious(html, site_rule))
        candidates.append(_candidate(_body_blocks(xml_blocks(cautious), meta)))
    return _choose(candidates, min_words)


def _plain(tree: LexborHTMLParser, meta: PageMetadata) -> tuple[list[Block], Signals]:
    """The last candidate before a refusal: trafilatura with its own fallbacks on the page as
    served (`tree` as parsed, its scripts too: trafilatura's baseline reads a JSON-LD
    `articleBody`), only the boxes that ask the reader something removed. Our clean-up or the
    first pass may have taken the story with the furniture; a page is refused only when this
    is no article either. A declared forum thread goes here at once: its posts sit in
    containers named like comments, which our clean-up would remove."""
    remove_questions(tree)
    served = _protect_nbsp(_paragraphs_at_breaks(tree.html or ""))
    found = _body_blocks(xml_blocks(_trafilatura(served, fast=False, links=False)), meta)
    return _candidate(_with_page_links(found, tree))


def _with_page_links(blocks: list[Block], tree: LexborHTMLParser) -> list[Block]:
    """trafilatura's fallback extractors (its baseline too, which even `fast` uses when it
    finds nothing) return text without its links: count as link text what the page's links
    say, so that a list of links is still seen as one."""
    if not blocks or any(b.link_chars for b in blocks):
        return blocks
    anchors = {collapse(a.text()) for a in tree.css("a")}
    anchors = {a for a in anchors if len(a) >= MIN_ANCHOR_CHARS and link_chars(a)}
    return [
        Block(b.text, min(len(b.text), sum(len(a) for a in anchors if a in b.text))) for b in blocks
    ]


def _text_chars(tree: LexborHTMLParser) -> int:
    body = tree.body
    return len(body.text(deep=True, strip=True)) if body is not None else 0


def _candidate(blocks: list[Block]) -> tuple[list[Block], Signals]:
    return blocks, Signals.of(blocks)


def _choose(
    candidates: list[tuple[list[Block], Signals]], min_words: int
) -> tuple[list[Block], Signals]:
    """The candidate that is an article by the gate's measures and holds the most words; the
    first one when none is."""
    valid = [c for c in candidates if c[1].refusal(min_words) is None]
    if not valid:
        return candidates[0]
    return max(valid, key=lambda c: c[1].words)


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


def _trafilatura(html: str, *, fast: bool = True, links: bool = True) -> Any:
    """trafilatura's body, without metadata; `fast`: without its own fallback extractors;
    `links`: with its links marked (they change what trafilatura keeps on some pages).

    No URL is passed: without metadata trafilatura uses it only to make link targets
    absolute, which the blocks do not keep (about 4% of the extraction time)."""
    try:
        doc = trafilatura.bare_extraction(
            html,
            fast=fast,
            with_metadata=False,
            include_comments=False,
            include_tables=True,
            include_links=links,
            include_images=False,
            deduplicate=False,
        )
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as exc:
        raise ExtractError("parse_error", f"{type(exc).__name__}: {exc}") from exc
    return getattr(doc, "body", None)


def _body_blocks(found: Any, meta: PageMetadata) -> list[Block]:
    blocks = [b for b in found if b.text]
    if meta.title:
        # Kickers and breadcrumbs sit above the headline; the headline itself is the title. A
        # paragraph above it (a teaser's lead set before the headline) stays.
        for i, block in enumerate(blocks[:HEAD_BLOCKS]):
            if is_headline_block(block.text, meta.title):
                above = [b for b in blocks[:i] if count_words(b.text) > BYLINE_MAX_WORDS]
                blocks = above + blocks[i + 1 :]
                break
    head = [b for b in blocks[:HEAD_BLOCKS] if not (_is_byline(b, meta.author) or _is_dateline(b))]
    blocks = head + blocks[HEAD_BLOCKS:]
    # A short line said three times or more is a slideshow's or a template's, not the story's.
    said = Counter(b.text for b in blocks if count_words(b.text) <= REPEATED_MAX_WORDS)
    return [
        b for b in blocks if not _is_furniture_block(b) and said.get(b.text, 0) < REPEATED_TIMES
    ]


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


def _article(blocks: list[Block], meta: PageMetadata, fingerprints: tuple[str, ...]) -> Article:
    text = "\n\n".join(b.text for b in blocks)
    return Article(
        text=text,
        title=meta.title,
        author=meta.author,
        published=meta.published,
        sitename=meta.sitename,
        # a declared language the text contradicts loses to detection
        language=article_language(meta.language, text),
        description=meta.description,
        canonical_url=meta.canonical_url,
        image=meta.image,
        tags=meta.tags,
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
