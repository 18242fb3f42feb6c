"""Writing the archive: articles and their revisions, raw pages, the fetch log, paragraph
fingerprints and site templates (the tables are described in `schema`). Writes are plain
SQL through the connection (statements prepared once and cached by sqlite3), many per
transaction (`WriteBatch`). Each stored article is all-or-nothing: a crash never leaves half
of one.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

from archiver import __version__
from archiver.archive.fetchlog import log_fetch, save_capture
from archiver.archive.schema import atomic
from archiver.archive.state import save_validators_in_transaction
from archiver.archive.templates import save_paragraphs
from archiver.errors import StoreError
from archiver.models import (
    RAW_ZLIB_LEVEL,
    Article,
    ExtractedPage,
    FetchRecord,
    Page,
    RawPage,
    iso_utc,
)
from archiver.models import content_hash as content_hash  # also the re-extraction's
from archiver.text import shingle_overlap
from archiver.urls import host_of, normalize_url, same_site

ARTICLE_FIELDS = (
    "title",
    "author",
    "published",
    "sitename",
    "language",
    "description",
    "canonical_url",
    "image",
)

# A canonical link merges a page into another page's article only when this share of their
# 4-word shingles agree (`text.shingle_overlap`); else the page keeps its own key.
CANONICAL_AGREEMENT = 0.5


class WriteBatch:
    """Several units of work per transaction: fewer commits (each one a disk sync), while
    every article stays all-or-nothing (its own savepoint inside the batch). A crash loses
    at most the last `max_seconds` of work, never half an article.

    Call `tick()` after each unit of work; leaving the block commits what is done."""

    def __init__(
        self,
        db: Database,
        *,
        max_items: int = 100,
        max_seconds: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db, self.max_items, self.max_seconds, self.clock = db, max_items, max_seconds, clock
        self.items, self.started = 0, clock()

    def __enter__(self) -> WriteBatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self._commit()

    def tick(self) -> None:
        """One unit of work is done: commit when the batch is due, then open the next."""
        self.items += 1
        if self.items >= self.max_items or self.clock() - self.started >= self.max_seconds:
            self._commit()
        if not self.db.conn.in_transaction:
            self.db.execute("BEGIN")
            self.items, self.started = 0, self.clock()

    def _commit(self) -> None:
        try:
            if self.db.conn.in_transaction:
                self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot commit to the archive: {exc}") from exc


@dataclass(frozen=True)
class SavedArticle:
    """What `save_article` did: the article's key and new, changed or unchanged."""

    url: str
    outcome: str


def article_key(article: Article, page_url: str) -> str:
    """The URL an article is stored under: its canonical URL when the page names one on the
    same site (and not the site's home page), else the URL it was fetched from."""
    fetched = normalize_url(page_url)
    canonical = article.canonical_url
    if canonical and same_site(canonical, page_url):
        try:
            key = normalize_url(canonical)
        except ValueError:
            return fetched
        if not key.endswith("://" + key.split("://", 1)[1].split("/", 1)[0] + "/"):
            return key
    return fetched


def save_article(
    db: Database,
    article: Article,
    page: Page,
    *,
    source: str | None = None,
    run_id: int | None = None,
) -> SavedArticle:
    """Store `article` of a decoded page (hashed and compressed here); see `save_extracted`."""
    done = ExtractedPage(
        article=article,
        encoding=page.encoding,
        raw_sha256=hashlib.sha256(page.raw).hexdigest(),
        content_hash=content_hash(article),
        raw_zlib=zlib.compress(page.raw, RAW_ZLIB_LEVEL),
        raw_size=len(page.raw),
    )
    raw = RawPage(page.url, page.final_url, page.raw, None, page.record)
    return save_extracted(db, done, raw, source=source, run_id=run_id)


def save_extracted(
    db: Database,
    done: ExtractedPage,
    page: RawPage,
    *,
    source: str | None = None,
    run_id: int | None = None,
) -> SavedArticle:
    """Store what a worker made of `page` all-or-nothing (a savepoint inside a batch): a
    new article, a new revision, or only a new check time. Known raw pages are not stored
    again."""
    now = iso_utc(page.record.fetched_at)
    conn = db.conn
    key, refused = _checked_key(conn, done.article, page.final_url)
    try:
        with atomic(db):
            conn.execute(
                "INSERT INTO raw_pages (sha256, encoding, size, html_zlib) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(sha256) DO NOTHING",
                [done.raw_sha256, done.encoding, done.raw_size, done.raw_zlib],
            )
            outcome = _write_article(conn, key, done, page, now, source)
            if outcome != "unchanged":
                save_paragraphs(db, key, done.article, now)
            for alias in {normalize_url(page.url), normalize_url(page.final_url), key}:
                _remember_url(conn, alias, key, now)
            save_validators_in_transaction(db, normalize_url(page.url), "article", page.record)
            save_capture(conn, key, page.record, done.raw_sha256, outcome, source, run_id)
            log_fetch(
                conn,
                page.record,
                outcome=outcome,
                article_url=key,
                source=source,
                run_id=run_id,
                reason="canonical_refused" if refused else None,
                error=refused,
            )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot store {page.url}: {exc}") from exc
    return SavedArticle(url=key, outcome=outcome)


def _checked_key(
    conn: sqlite3.Connection, article: Article, page_url: str
) -> tuple[str, str | None]:
    """The article's key, and why its canonical claim was refused (None when it was not).

    A canonical link is a claim: it merges this page into an article another page stored
    only when their texts agree; else the page is stored under its own URL, and the claim
    stays in its `canonical_url` and in the fetch log."""
    key, fetched = article_key(article, page_url), normalize_url(page_url)
    if key == fetched:
        return key, None
    row = conn.execute("SELECT fetched_url, text FROM articles WHERE url = ?", [key]).fetchone()
    if row is None or row[0] in (None, fetched):
        return key, None  # nothing there yet, or an earlier version of this same page
    agreement = shingle_overlap(article.text, row[1] or "")
    if agreement >= CANONICAL_AGREEMENT:
        return key, None
    return fetched, (
        f"canonical link to {key} refused: the texts share {agreement:.0%} of their "
        f"4-word shingles (under {CANONICAL_AGREEMENT:.0%})"
    )


_ARTICLE_COLUMNS = (
    *ARTICLE_FIELDS,
    "extractor",
    "host",
    "url",
    "text",
    "tags",
    "word_count",
    "content_hash",
    "raw_sha256",
    "fetched_url",
    "last_checked",
)
_NEW_ARTICLE_COLUMNS = (*_ARTICLE_COLUMNS, "first_seen", "last_changed", "source")
_INSERT_ARTICLE = (
    f"INSERT INTO articles ({', '.join(_NEW_ARTICLE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_NEW_ARTICLE_COLUMNS))})"
)
_UPDATE_ARTICLE = (
    f"UPDATE articles SET {', '.join(f'{c} = ?' for c in _ARTICLE_COLUMNS)}, last_changed = ? "
    "WHERE url = ?"
)
_REVISION_COLUMNS = (
    "title",
    "author",
    "published",
    "text",
    "word_count",
    "content_hash",
    "raw_sha256",
)
_SAVE_REVISION = (
    f"INSERT INTO revisions (article_url, {', '.join(_REVISION_COLUMNS)}, valid_from, valid_to) "
    f"SELECT url, {', '.join(_REVISION_COLUMNS)}, last_changed, ? FROM articles WHERE url = ?"
)


def _write_article(
    conn: sqlite3.Connection,
    key: str,
    done: ExtractedPage,
    page: RawPage,
    now: str,
    source: str | None,
) -> str:
    article = done.article
    old = conn.execute("SELECT content_hash FROM articles WHERE url = ?", [key]).fetchone()
    if old is not None and old[0] == done.content_hash:
        conn.execute("UPDATE articles SET last_checked = ? WHERE url = ?", [now, key])
        return "unchanged"
    values = [
        *(getattr(article, f) for f in ARTICLE_FIELDS),
        __version__,
        host_of(key),
        key,
        article.text,
        json.dumps(list(article.tags), ensure_ascii=False),
        article.word_count,
        done.content_hash,
        done.raw_sha256,
        normalize_url(page.final_url),
        now,
    ]
    if old is None:
        conn.execute(_INSERT_ARTICLE, [*values, now, now, source])
        return "new"
    conn.execute(_SAVE_REVISION, [now, key])
    conn.execute(_UPDATE_ARTICLE, [*values, now, key])
    return "changed"


def _remember_url(conn: sqlite3.Connection, url: str, key: str, now: str) -> None:
    conn.execute(
        "INSERT INTO article_urls (url, article_url, first_seen, last_seen) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET article_url = excluded.article_url, "
        "last_seen = excluded.last_seen",
        [url, key, now, now],
    )


def mark_not_modified(
    db: Database,
    url: str,
    record: FetchRecord,
    *,
    source: str | None = None,
    run_id: int | None = None,
) -> str | None:
    """A 304 for a known URL: its article was checked now; returns the article's key."""
    key = normalize_url(url)
    now = iso_utc(record.fetched_at)
    conn = db.conn
    try:
        with atomic(db):
            alias = conn.execute(
                "SELECT article_url FROM article_urls WHERE url = ?", [key]
            ).fetchone()
            article_url = alias[0] if alias else None
            if article_url:
                # Not a column of the full-text index: its trigger (m005) leaves it alone.
                conn.execute(
                    "UPDATE articles SET last_checked = ? WHERE url = ?", [now, article_url]
                )
                save_capture(conn, article_url, record, None, "unchanged", source, run_id)
            conn.execute("UPDATE url_state SET last_fetched = ? WHERE url = ?", [now, key])
            log_fetch(
                conn,
                record,
                outcome="unchanged",
                article_url=article_url,
                source=source,
                run_id=run_id,
            )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot record the check of {url}: {exc}") from exc
    return article_url
