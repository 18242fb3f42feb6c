"""What incremental runs remember (table `url_state`): per-URL HTTP validators and kind, and
the look-ups of what the archive knows of a URL or a source."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from sqlite_utils import Database

from archiver.archive.schema import atomic
from archiver.errors import NotAnArticle, StoreError
from archiver.models import FetchRecord, KnownUrl, iso_utc
from archiver.urls import normalize_url


def save_validators_in_transaction(db: Database, url: str, kind: str, record: FetchRecord) -> None:
    db.execute(
        "INSERT INTO url_state (url, kind, etag, last_modified, last_fetched) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET kind = excluded.kind, "
        "etag = excluded.etag, last_modified = excluded.last_modified, "
        "last_fetched = excluded.last_fetched",
        [url, kind, record.etag, record.last_modified, iso_utc(record.fetched_at)],
    )


def save_validators(db: Database, url: str, kind: str, record: FetchRecord) -> None:
    """Remember what a URL is (feed, sitemap, page, not_article) and its ETag and
    Last-Modified for the next conditional GET."""
    try:
        with atomic(db):
            save_validators_in_transaction(db, normalize_url(url), kind, record)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot store validators of {url}: {exc}") from exc


def forget_validators(db: Database, url: str) -> None:
    """Make the next request for `url` unconditional (its last answer was not all used)."""
    db.execute(
        "UPDATE url_state SET etag = NULL, last_modified = NULL WHERE url = ?", [normalize_url(url)]
    )


def known_url(db: Database, url: str) -> KnownUrl | None:
    """What the archive knows of `url` (indexed look-ups only), or None."""
    key = normalize_url(url)
    # A page without an article (refused by the extractor) is dated by its first download
    # and its last one, so that it is re-checked on the same schedule as an article.
    row = db.execute(
        "SELECT s.url, a.url, "
        "coalesce(a.first_seen, (SELECT min(f.fetched_at) FROM fetches f WHERE f.url = q.url)), "
        "a.published, coalesce(a.last_checked, s.last_fetched), s.etag, "
        "s.last_modified, s.kind FROM (SELECT ? AS url) q "
        "LEFT JOIN url_state s ON s.url = q.url "
        "LEFT JOIN article_urls u ON u.url = q.url "
        "LEFT JOIN articles a ON a.url = u.article_url",
        [key],
    ).fetchone()
    if row is None or (row[0] is None and row[1] is None):
        return None
    return KnownUrl(key, *row[1:])


def recent_articles(db: Database, source: str, since: datetime) -> list[KnownUrl]:
    """Articles of `source` first seen since `since` (the ones a re-check may be due for)."""
    found = db.execute(
        "SELECT a.fetched_url, a.url, a.first_seen, a.published, a.last_checked, s.etag, "
        "s.last_modified, s.kind FROM articles a LEFT JOIN url_state s ON s.url = a.fetched_url "
        "WHERE a.source = ? AND a.first_seen >= ?",
        [source, iso_utc(since)],
    ).fetchall()
    return [KnownUrl(*row) for row in found]


def recent_refusals(db: Database, source: str, since: datetime) -> list[KnownUrl]:
    """Pages of `source` the extractor refused, first fetched since `since`: a stub or a
    page shown before its text was ready is re-checked like an article."""
    found = db.execute(
        "SELECT s.url, NULL, (SELECT min(fetched_at) FROM fetches WHERE url = s.url) AS born, "
        "NULL, s.last_fetched, s.etag, s.last_modified, s.kind "
        "FROM (SELECT DISTINCT url FROM fetches WHERE fetched_at >= ? AND source = ? "
        f"AND reason IN ({', '.join('?' * len(NotAnArticle.REASONS))})) f "
        "JOIN url_state s ON s.url = f.url AND s.kind = 'not_article' WHERE born >= ?",
        [iso_utc(since), source, *NotAnArticle.REASONS, iso_utc(since)],
    ).fetchall()
    return [KnownUrl(*row) for row in found]
