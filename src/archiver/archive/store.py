"""Writing the archive: articles and their revisions, raw pages, the fetch log, paragraph
fingerprints and site templates (sqlite-utils underneath; the tables are
described in `schema`). Each stored article is all-or-nothing: a crash never leaves half
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
from typing import Any

from sqlite_utils import Database

from archiver import __version__
from archiver.archive.state import save_validators_in_transaction
from archiver.errors import StoreError
from archiver.models import (
    Article,
    FetchRecord,
    Page,
    iso_utc,
)
from archiver.text import paragraph_fingerprint
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
    """Store `article` in one transaction: new row, new revision, or only a new check time."""
    now = iso_utc(page.record.fetched_at)
    key = article_key(article, page.final_url)
    digest = content_hash(article)
    raw_sha = hashlib.sha256(page.raw).hexdigest()
    try:
        with db.atomic():
            db.table("raw_pages").insert(
                {
                    "sha256": raw_sha,
                    "encoding": page.encoding,
                    "size": len(page.raw),
                    "html_zlib": zlib.compress(page.raw, 6),
                },
                ignore=True,
            )
            outcome = _write_article(db, key, article, digest, raw_sha, page, now, source)
            if outcome != "unchanged":
                save_paragraphs(db, key, article, now)
            for alias in {normalize_url(page.url), normalize_url(page.final_url), key}:
                _remember_url(db, alias, key, now)
            save_validators_in_transaction(db, normalize_url(page.url), "article", page.record)
            save_capture(db, key, page.record, raw_sha, outcome, source, run_id)
            _log_fetch(
                db, page.record, outcome=outcome, article_url=key, source=source, run_id=run_id
            )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot store {page.url}: {exc}") from exc
    return SavedArticle(url=key, outcome=outcome)


def _write_article(
    db: Database,
    key: str,
    article: Article,
    digest: str,
    raw_sha: str,
    page: Page,
    now: str,
    source: str | None,
) -> str:
    table = db.table("articles")
    rows = list(table.rows_where("url = ?", [key]))
    row: dict[str, Any] = {f: getattr(article, f) for f in ARTICLE_FIELDS}
    row.update(
        extractor=__version__,
        host=host_of(key),
        url=key,
        text=article.text,
        tags=json.dumps(list(article.tags), ensure_ascii=False),
        word_count=article.word_count,
        content_hash=digest,
        raw_sha256=raw_sha,
        fetched_url=normalize_url(page.final_url),
        last_checked=now,
    )
    if not rows:
        row.update(first_seen=now, last_changed=now, source=source)
        table.insert(row)
        return "new"
    old = rows[0]
    if old["content_hash"] == digest:
        table.update(key, {"last_checked": now})
        return "unchanged"
    db.table("revisions").insert(
        {
            "article_url": key,
            "title": old["title"],
            "author": old["author"],
            "published": old["published"],
            "text": old["text"],
            "word_count": old["word_count"],
            "content_hash": old["content_hash"],
            "raw_sha256": old["raw_sha256"],
            "valid_from": old["last_changed"],
            "valid_to": now,
        }
    )
    row.update(last_changed=now)
    table.update(key, row)
    return "changed"


def record_failure(
    db: Database,
    record: FetchRecord,
    *,
    reason: str,
    message: str,
    source: str | None = None,
    run_id: int | None = None,
    outcome: str = "failed",
) -> None:
    """Log a failed (or skipped) attempt, download or extraction, in the fetch log."""
    try:
        with db.atomic():
            _log_fetch(
                db,
                record,
                outcome=outcome,
                reason=reason,
                error=message,
                source=source,
                run_id=run_id,
            )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot log failure of {record.url}: {exc}") from exc


def _log_fetch(
    db: Database,
    record: FetchRecord,
    *,
    outcome: str,
    article_url: str | None = None,
    reason: str | None = None,
    error: str | None = None,
    source: str | None = None,
    run_id: int | None = None,
) -> None:
    db.table("fetches").insert(
        {
            "url": record.url,
            "final_url": record.final_url,
            "status": record.status,
            "content_type": record.content_type,
            "bytes": record.bytes,
            "etag": record.etag,
            "last_modified": record.last_modified,
            "fetched_at": iso_utc(record.fetched_at),
            "elapsed": round(record.elapsed, 4),
            "outcome": outcome,
            "reason": reason or record.reason,
            "error": error or record.error,
            "article_url": article_url,
            "source": source,
            "run_id": run_id,
        }
    )


def _remember_url(db: Database, url: str, key: str, now: str) -> None:
    db.execute(
        "INSERT INTO article_urls (url, article_url, first_seen, last_seen) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET article_url = excluded.article_url, "
        "last_seen = excluded.last_seen",
        [url, key, now, now],
    )


def save_paragraphs(db: Database, key: str, article: Article, now: str) -> None:
    """Record which paragraphs (by fingerprint) the article has, and count each one's pages
    per host: a paragraph on many pages of a site is that site's template."""
    host = host_of(key)
    old = {
        r[0]
        for r in db.execute(
            "SELECT fingerprint FROM article_paragraphs WHERE article_url = ?", [key]
        )
    }
    new = set(article.paragraph_fingerprints)
    samples = {paragraph_fingerprint(p): p[:300] for p in article.text.split("\n\n")}
    for fingerprint in old - new:
        db.execute(
            "DELETE FROM article_paragraphs WHERE article_url = ? AND fingerprint = ?",
            [key, fingerprint],
        )
        db.execute(
            "UPDATE templates SET pages = pages - 1 WHERE host = ? AND fingerprint = ?",
            [host, fingerprint],
        )
    for fingerprint in new - old:
        db.execute(
            "INSERT INTO article_paragraphs (article_url, fingerprint, host) VALUES (?, ?, ?)",
            [key, fingerprint, host],
        )
        db.execute(
            "INSERT INTO templates (host, fingerprint, pages, sample, first_seen, last_seen) "
            "VALUES (?, ?, 1, ?, ?, ?) ON CONFLICT(host, fingerprint) DO UPDATE SET "
            "pages = pages + 1, last_seen = excluded.last_seen, "
            "sample = coalesce(templates.sample, excluded.sample)",
            [host, fingerprint, samples.get(fingerprint), now, now],
        )


def template_fingerprints(db: Database, host: str, min_pages: int) -> frozenset[str]:
    """Fingerprints of the paragraphs seen on at least `min_pages` pages of `host`."""
    rows = db.execute(
        "SELECT fingerprint FROM templates WHERE host = ? AND pages >= ?", [host, min_pages]
    )
    return frozenset(r[0] for r in rows)


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
    try:
        with db.atomic():
            alias = db.execute(
                "SELECT article_url FROM article_urls WHERE url = ?", [key]
            ).fetchone()
            article_url = alias[0] if alias else None
            if article_url:
                db.execute("UPDATE articles SET last_checked = ? WHERE url = ?", [now, article_url])
                save_capture(db, article_url, record, None, "unchanged", source, run_id)
            db.execute("UPDATE url_state SET last_fetched = ? WHERE url = ?", [now, key])
            _log_fetch(
                db,
                record,
                outcome="unchanged",
                article_url=article_url,
                source=source,
                run_id=run_id,
            )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot record the check of {url}: {exc}") from exc
    return article_url


def content_hash(article: Article) -> str:
    """SHA-256 of what makes a version: title and text."""
    return hashlib.sha256(f"{article.title or ''}\n{article.text}".encode()).hexdigest()


def save_capture(
    db: Database,
    key: str,
    record: FetchRecord,
    raw_sha: str | None,
    outcome: str,
    source: str | None,
    run_id: int | None,
) -> None:
    """Keep one capture of article `key` (table `captures`): the response's status line
    and headers as fetched, and its body's raw page (None for a 304), for WARC export."""
    db.table("captures").insert(
        {
            "article_url": key,
            "fetched_at": iso_utc(record.fetched_at),
            "url": record.final_url or record.url,
            "raw_sha256": raw_sha,
            "outcome": outcome,
            "status": record.status,
            "http_version": record.http_version,
            "reason_phrase": record.reason_phrase,
            "headers": json.dumps(record.headers or _known_headers(record), ensure_ascii=False),
            "source": source,
            "run_id": run_id,
        }
    )


def _known_headers(record: FetchRecord) -> list[tuple[str, str]]:
    """What the fetch log knows of a response's headers, when they were not kept."""
    known = (
        ("Content-Type", record.content_type),
        ("ETag", record.etag),
        ("Last-Modified", record.last_modified),
    )
    return [(name, value) for name, value in known if value]
