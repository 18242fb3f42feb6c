"""Frozen dataclasses that cross stage boundaries; no third-party objects inside."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

# Scripts written without spaces between words: each character counts as half a word, about
# the length of a Chinese or Japanese word, so length thresholds mean the same in every language.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"\w+")


def count_words(text: str) -> int:
    """Words in `text`; in Chinese, Japanese or Thai script, two characters count as one word."""
    unspaced = len(_UNSPACED.findall(text))
    spaced = len(_WORD.findall(_UNSPACED.sub(" ", text)))
    return spaced + (unspaced + 1) // 2


@dataclass(frozen=True)
class FetchRecord:
    """What one download attempt gave, successful or not: one row of the fetch log."""

    url: str
    fetched_at: datetime
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    bytes: int = 0
    etag: str | None = None
    last_modified: str | None = None
    elapsed: float = 0.0
    reason: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Page:
    """A downloaded HTML page: the raw body and its decoded text."""

    url: str
    final_url: str
    html: str
    raw: bytes
    encoding: str
    record: FetchRecord


@dataclass(frozen=True)
class Article:
    """What the extractor keeps of a page: clean text and metadata."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    sitename: str | None = None
    language: str | None = None
    description: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def word_count(self) -> int:
        """Number of words in the text (see `count_words`)."""
        return count_words(self.text)


@dataclass(frozen=True)
class Candidate:
    """A URL to archive, found by a source."""

    url: str
    source: str


@dataclass(frozen=True)
class ItemResult:
    """The outcome of archiving one URL: stored as new, changed, unchanged, or failed."""

    url: str
    outcome: str  # new | changed | unchanged | failed
    article_url: str | None = None
    title: str | None = None
    reason: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class RunReport:
    """Every item result of a run, in input order, with counts by outcome."""

    results: tuple[ItemResult, ...] = field(default_factory=tuple)

    def count(self, outcome: str) -> int:
        """How many items ended with `outcome`."""
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def failed(self) -> tuple[ItemResult, ...]:
        """The items that failed."""
        return tuple(r for r in self.results if r.outcome == "failed")
