"""The fetch log (table `fetches`: one row per download attempt, with its outcome and
reason) and the captures (table `captures`: each response's status line and headers, for
WARC export)."""

from __future__ import annotations

import json
import sqlite3

from sqlite_utils import Database

from archiver.archive.schema import atomic
from archiver.errors import StoreError
from archiver.models import FetchRecord, iso_utc


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
        with atomic(db):
            log_fetch(
                db.conn,
                record,
                outcome=outcome,
                reason=reason,
                error=message,
                source=source,
                run_id=run_id,
            )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot log failure of {record.url}: {exc}") from exc


_FETCH_COLUMNS = (
    "url",
    "final_url",
    "status",
    "content_type",
    "bytes",
    "etag",
    "last_modified",
    "fetched_at",
    "elapsed",
    "outcome",
    "reason",
    "error",
    "article_url",
    "source",
    "run_id",
)
_LOG_FETCH = (
    f"INSERT INTO fetches ({', '.join(_FETCH_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_FETCH_COLUMNS))})"
)


def log_fetch(
    conn: sqlite3.Connection,
    record: FetchRecord,
    *,
    outcome: str,
    article_url: str | None = None,
    reason: str | None = None,
    error: str | None = None,
    source: str | None = None,
    run_id: int | None = None,
) -> None:
    conn.execute(
        _LOG_FETCH,
        [
            record.url,
            record.final_url,
            record.status,
            record.content_type,
            record.bytes,
            record.etag,
            record.last_modified,
            iso_utc(record.fetched_at),
            round(record.elapsed, 4),
            outcome,
            reason or record.reason,
            error or record.error,
            article_url,
            source,
            run_id,
        ],
    )


def record_document(
    db: Database, record: FetchRecord, *, source: str | None = None, run_id: int | None = None
) -> None:
    """Log a feed, sitemap or listing page downloaded and read (outcome `read`)."""
    try:
        with atomic(db):
            log_fetch(db.conn, record, outcome="read", source=source, run_id=run_id)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot log the download of {record.url}: {exc}") from exc


def save_capture(
    conn: sqlite3.Connection,
    key: str,
    record: FetchRecord,
    raw_sha: str | None,
    outcome: str,
    source: str | None,
    run_id: int | None,
) -> None:
    """Keep one capture of article `key` (table `captures`): the response's status line
    and headers as fetched, and its body's raw page (None for a 304), for WARC export."""
    conn.execute(
        "INSERT INTO captures (article_url, fetched_at, url, raw_sha256, outcome, status, "
        "http_version, reason_phrase, headers, source, run_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            key,
            iso_utc(record.fetched_at),
            record.final_url or record.url,
            raw_sha,
            outcome,
            record.status,
            record.http_version,
            record.reason_phrase,
            json.dumps(record.headers or _known_headers(record), ensure_ascii=False),
            source,
            run_id,
        ],
    )


def _known_headers(record: FetchRecord) -> list[tuple[str, str]]:
    """What the fetch log knows of a response's headers, when they were not kept."""
    known = (
        ("Content-Type", record.content_type),
        ("ETag", record.etag),
        ("Last-Modified", record.last_modified),
    )
    return [(name, value) for name, value in known if value]
