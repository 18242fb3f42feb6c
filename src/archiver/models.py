"""Frozen dataclasses that cross stage boundaries; no third-party objects inside."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from archiver.text import count_words


def iso_utc(moment: datetime) -> str:
    """A datetime as stored in SQLite: ISO 8601 text in UTC, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_datetime(value: str | None) -> datetime | None:
    """A tz-aware datetime from an ISO 8601 date or date-time (W3C datetime), else None."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = datetime.fromisoformat(text[:10])
        except ValueError:
            return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


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
    # The response as it came (for WARC export): "HTTP/1.1", "OK", headers in order.
    http_version: str | None = None
    reason_phrase: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)


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
class RawPage:
    """A downloaded HTML page before decoding: what an extraction worker is given, so that
    decoding (charset detection can take a while) happens off the main process."""

    url: str
    final_url: str
    raw: bytes
    charset: str | None  # the Content-Type header's, if any
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
    # Fingerprints of every body block before boilerplate stripping: the store counts them per
    # host to learn a site's template (see `text.paragraph_fingerprint`).
    paragraph_fingerprints: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def word_count(self) -> int:
        """Number of words in the text (see `count_words`)."""
        return count_words(self.text)


RAW_ZLIB_LEVEL = 1  # raw pages are stored zlib-compressed: level 1 is 2.5x faster than 6


def content_hash(article: Article) -> str:
    """SHA-256 of what makes a version: title and text."""
    return hashlib.sha256(f"{article.title or ''}\n{article.text}".encode()).hexdigest()


@dataclass(frozen=True)
class ExtractedPage:
    """What an extraction worker makes of a `RawPage`: the article, the codec the page was
    decoded with, the page's and the article's hashes, and the raw body zlib-compressed."""

    article: Article
    encoding: str
    raw_sha256: str
    content_hash: str
    raw_zlib: bytes
    raw_size: int


@dataclass(frozen=True)
class NotModified:
    """The server answered 304: the copy we have is current; no body, no extraction."""

    url: str
    record: FetchRecord


@dataclass(frozen=True)
class KnownUrl:
    """What the archive knows of a URL: its article (if any) and its HTTP validators."""

    url: str
    article_url: str | None
    first_seen: str | None
    published: str | None
    last_checked: str | None
    etag: str | None
    last_modified: str | None
    kind: str | None


@dataclass(frozen=True)
class FeedHints:
    """What a feed entry says of an article: fills gaps in what the page yields."""

    title: str | None = None
    author: str | None = None
    published: str | None = None
    summary: str | None = None


@dataclass(frozen=True)
class Candidate:
    """A URL to archive, found by a source, with what the source said of it."""

    url: str
    source: str
    hints: FeedHints | None = None
    lastmod: str | None = None  # sitemap <lastmod> or feed date, ISO 8601


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one URL: new, changed, unchanged (also a 304), skipped or failed."""

    url: str
    outcome: str  # new | changed | unchanged | skipped | failed
    source: str | None = None
    article_url: str | None = None
    title: str | None = None
    reason: str | None = None
    message: str | None = None


OUTCOMES = ("new", "changed", "unchanged", "skipped", "failed")


@dataclass(frozen=True)
class SourceReport:
    """Counts for one source in one run."""

    source: str
    discovered: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    # Skips by reason: those of the plan (cap, not_due, not_article, gone, robots), and the
    # entries the source listed that never became candidates (too_old, excluded).
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    note: str | None = None  # why a source yielded nothing, when it did

    @property
    def dead(self) -> bool:
        """It failed, and nothing of it went well (no download, no planned skip)."""
        return self.failed > 0 and self.new + self.changed + self.unchanged + self.skipped == 0


@dataclass(frozen=True)
class RunReport:
    """What a run did: every item result in input order, and errors of the sources;
    `left_out` counts per source the entries it listed that were not candidates (by
    reason), `notes` says why a source yielded nothing."""

    results: tuple[ItemResult, ...] = field(default_factory=tuple)
    discovered: dict[str, int] = field(default_factory=dict)
    source_errors: tuple[ItemResult, ...] = ()
    run_id: int | None = None
    left_out: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        """How many items ended with `outcome`."""
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def failed(self) -> tuple[ItemResult, ...]:
        """The items that failed, sources included."""
        return self.source_errors + tuple(r for r in self.results if r.outcome == "failed")

    def by_source(self) -> tuple[SourceReport, ...]:
        """Counts per source, in the order sources first appear."""
        names = list(dict.fromkeys([*self.discovered, *(r.source or "" for r in self.results)]))
        reports = []
        for name in names:
            mine = [r for r in self.results if (r.source or "") == name]
            counts = {o: sum(1 for r in mine if r.outcome == o) for o in OUTCOMES}
            counts["failed"] += sum(1 for e in self.source_errors if e.source == name)
            skips = dict(self.left_out.get(name, {}))
            for r in mine:
                if r.outcome == "skipped":
                    skips[r.reason or "other"] = skips.get(r.reason or "other", 0) + 1
            reports.append(
                SourceReport(
                    name,
                    discovered=self.discovered.get(name, len(mine)),
                    **counts,
                    skipped_by_reason=dict(sorted(skips.items())),
                    note=self.notes.get(name),
                )
            )
        return tuple(reports)

    @property
    def all_sources_failed(self) -> bool:
        """Every source failed and none did anything well: the run itself failed."""
        sources = self.by_source()
        return bool(sources) and all(s.dead for s in sources)


@dataclass(frozen=True)
class SiteRule:
    """Extraction hints for one host: CSS selectors to drop, and the element holding the body."""

    host: str
    body: str | None = None
    drop: tuple[str, ...] = ()
