"""Text blocks from what trafilatura returns (its XML)
become ordered paragraphs, headings, list items and table rows, spaced as a reader sees them
(a line break parts words, a link inside a sentence does not)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from archiver.text import collapse_spaces, count_words

# A letter no European page uses, standing in for U+00A0 while trafilatura works (a private-use
# character would be deleted, a space-like one collapsed).
NBSP_MARK = "\u01c2"
_BLOCK_TAGS = frozenset({"p", "head", "item", "row", "quote", "code"})
# trafilatura's inline elements: highlighting, links, line breaks, deletions, images.
_INLINE_TAGS = frozenset({"hi", "ref", "lb", "del", "graphic", "span"})
LAYOUT_CELL_WORDS = 80  # a data table's cell is rarely longer than this
# A link whose text is a paragraph's length is a linked paragraph (a teaser page's summary,
# a quote linked to its source), not navigation: its text does not count as link text.
PROSE_LINK_WORDS = 25


@dataclass(frozen=True)
class Block:
    """One paragraph, heading, list item or table row, and how much of it is link text."""

    text: str
    link_chars: int


def xml_blocks(body: Any) -> list[Block]:
    """The blocks of trafilatura's body; a line break (`<br>`, its `lb`) parts words."""
    if body is None:
        return []
    for br in body.iter("lb"):
        br.tail = "\n" + (br.tail or "")
    return list(walk(body))


def walk(element: Any) -> Iterator[Block]:
    """Blocks of trafilatura's XML: leaf blocks whole; in a block that also holds blocks (a
    list item with a nested list, a quote with paragraphs), the loose text between them is a
    block of its own, so "We are running three experiments:" is not lost before its list."""
    pending: list[str] = [element.text or ""]
    links = 0
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _INLINE_TAGS:
            text = child.xpath("string()")
            pending.append(text)
            links += link_chars(text) if tag == "ref" else 0
        elif tag == "row" and _is_layout_row(child):
            yield from _flush(pending, links)
            links = 0
            for cell in child:
                yield from walk(cell)
        elif tag == "row":
            yield from _flush(pending, links)
            links = 0
            yield _row(child)
        elif tag in _BLOCK_TAGS and not any(
            isinstance(c.tag, str) and c.tag not in _INLINE_TAGS for c in child
        ):
            yield from _flush(pending, links)
            links = 0
            yield _block(child)
        elif tag:
            yield from _flush(pending, links)
            links = 0
            yield from walk(child)
        pending.append(child.tail or "")
    yield from _flush(pending, links)


def _is_layout_row(row: Any) -> bool:
    """A table row used for layout, not for data: a cell holds a heading, a list or a table,
    several paragraphs, or the length of an article's paragraph."""
    for cell in row:
        blocks = [n.tag for n in cell if isinstance(n.tag, str) and n.tag not in _INLINE_TAGS]
        if {"head", "list", "table"} & set(blocks) or len(blocks) > 1:
            return True
        if count_words(cell.xpath("string()")) > LAYOUT_CELL_WORDS:
            return True
    return False


def _row(row: Any) -> Block:
    """A data table's row as one block, its cells joined by " | "."""
    cells = [collapse(c.xpath("string()")) for c in row]
    links = sum(link_chars(r.xpath("string()")) for r in row.iter("ref"))
    text = " | ".join(cells)
    # Separators are not text: a row of links only (a menu) counts as all links.
    return Block(text, min(len(text), links + 3 * (len(cells) - 1)) if links else 0)


def _flush(pending: list[str], links: int) -> Iterator[Block]:
    text = collapse("".join(pending))  # the pieces are adjacent in the document
    pending.clear()
    if text:
        yield Block(text, min(links, len(text)))


def _block(element: Any) -> Block:
    text = collapse(element.xpath("string()"))
    return Block(text, sum(link_chars(r.xpath("string()")) for r in element.iter("ref")))


def link_chars(anchor: str) -> int:
    """How much of a link's text counts as link text: all of it, unless it is prose."""
    text = collapse(anchor)
    return 0 if count_words(text) >= PROSE_LINK_WORDS else len(text)


# Characters a reader never sees that split words for search and quotation: soft hyphens
# ("Mit\u00adtel\u00adal\u00adter"), zero-width spaces, word joiners, a stray byte-order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))


def collapse(text: str) -> str:
    """Spaces collapsed, the non-breaking ones put back, invisible characters dropped, in
    Unicode NFC (the W3C's form for the web): one spelling for the same letters, so that a
    search or a quotation finds "য়" or "é" however the page composed it."""
    text = collapse_spaces(text.replace(NBSP_MARK, "\xa0").translate(_INVISIBLE))
    return text if text.isascii() else unicodedata.normalize("NFC", text)
