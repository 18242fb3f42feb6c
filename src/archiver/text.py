"""Text measures shared by every stage: words, spaces, paragraph fingerprints."""

from __future__ import annotations

import hashlib
import re

# Scripts written without spaces between words: each character counts as half a word, about
# the length of a Chinese or Japanese word, so length thresholds mean the same in every language.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"[ \t\n\r\f\v]+")


def count_words(text: str) -> int:
    """Words in `text`; in Chinese, Japanese or Thai script, two characters count as one word."""
    unspaced = len(_UNSPACED.findall(text))
    spaced = len(_WORD.findall(_UNSPACED.sub(" ", text)))
    return spaced + (unspaced + 1) // 2


def paragraph_fingerprint(text: str) -> str:
    """A stable hash of a paragraph, blind to case, spacing and numbers (dates, counters):
    how a site's template paragraphs are recognised from page to page."""
    normalized = _DIGITS.sub("0", " ".join(text.casefold().split()))
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).hexdigest()


def collapse_spaces(text: str) -> str:
    """Runs of ASCII whitespace made one space; U+00A0 is kept as the page wrote it."""
    return _SPACES.sub(" ", text).strip(" ")


def shingle_overlap(first: str, second: str, size: int = 4) -> float:
    """How much two texts agree: the share of the shorter text's `size`-word shingles (runs
    of consecutive words, case-folded) that the other text also has, from 0.0 to 1.0. A
    text shorter than `size` words is one shingle of all its words."""

    def shingles(text: str) -> set[tuple[str, ...]]:
        words = _WORD.findall(text.casefold())
        if len(words) <= size:
            return {tuple(words)} if words else set()
        return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}

    a, b = shingles(first), shingles(second)
    if not a or not b:
        return 1.0 if a == b else 0.0
    return len(a & b) / min(len(a), len(b))
