"""The SQLite archive; the only module that knows table names (sqlite-utils underneath).

Tables: `articles` (one row per article, keyed by its normalized URL), `revisions` (earlier
versions of an article's text), `raw_pages` (compressed HTML, keyed by its SHA-256),
`article_urls` (every URL that led to an article), `fetches` (one row per download attempt),
and the FTS5 index `articles_fts` kept in sync by triggers. Each stored article is one
transaction: a crash never leaves half of one.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from archiver.errors import StoreError
from archiver.models import Article, FetchRecord, Page
from archiver.urls import normalize_url, same_site

migrations = Migrations("archiver")
BUSY_TIMEOUT_S = 30.0
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


@migrations()
def m001_initial(db: Database) -> None:
    """Articles, revisions, raw pages, URL aliases, fetch log, full-text index."""
    db.table("raw_pages").create(
        {"sha256": str, "encoding": str, "size": int, "html_zlib": bytes}, pk="sha256"
    )
    db.table("articles").create(
        {
            "url": str,
            "title": str,
            "author": str,
            "published": str,
            "sitename": str,
            "language": str,
            "description": str,
            "canonical_url": str,
            "image": str,
            "tags": str,
            "text": str,
            "word_count": int,
            "content_hash": str,
            "source": str,
            "fetched_url": str,
            "raw_sha256": str,
            "first_seen": str,
            "last_checked": str,
            "last_changed": str,
        },
        pk="url",
        foreign_keys=[("raw_sha256", "raw_pages", "sha256")],
    )
    db.table("revisions").create(
        {
            "id": int,
            "article_url": str,
            "title": str,
            "author": str,
            "published": str,
            "text": str,
            "word_count": int,
            "content_hash": str,
            "raw_sha256": str,
            "valid_from": str,
            "valid_to": str,
        },
        pk="id",
        foreign_keys=[("article_url", "articles", "url"), ("raw_sha256", "raw_pages", "sha256")],
    )
    db.table("article_urls").create(
        {"url": str, "article_url": str, "first_seen": str, "last_seen": str},
        pk="url",
        foreign_keys=[("article_url", "articles", "url")],
    )
    db.table("fetches").create(
        {
            "id": int,
            "url": str,
            "final_url": str,
            "status": int,
            "content_type": str,
            "bytes": int,
            "etag": str,
            "last_modified": str,
            "fetched_at": str,
            "elapsed": float,
            "outcome": str,
            "reason": str,
            "error": str,
            "article_url": str,
            "source": str,
        },
        pk="id",
    )
    for table, columns in (
        ("articles", ["published"]),
        ("articles", ["sitename"]),
        ("articles", ["language"]),
        ("articles", ["author"]),
        ("articles", ["source"]),
        ("articles", ["last_checked"]),
        ("revisions", ["article_url"]),
        ("article_urls", ["article_url"]),
        ("fetches", ["url"]),
        ("fetches", ["fetched_at"]),
        ("fetches", ["reason"]),
    ):
        db.table(table).create_index(columns)
    db.table("articles").enable_fts(
        ["title", "text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2"
    )


@dataclass(frozen=True)
class SavedArticle:
    """What `save_article` did: the article's key and new, changed or unchanged."""

    url: str
    outcome: str


def open_archive(path: Path) -> Database:
    """Open (creating if needed) the archive at `path`, in WAL mode, migrated to the latest."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
        db = Database(conn)
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        db.enable_wal()
        db.execute("PRAGMA foreign_keys = ON")
        migrations.apply(db)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"cannot open archive {path}: {exc}") from exc
    return db


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
    db: Database, article: Article, page: Page, *, source: str | None = None
) -> SavedArticle:
    """Store `article` in one transaction: new row, new revision, or only a new check time."""
    now = _iso(page.record.fetched_at)
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
            for alias in {normalize_url(page.url), normalize_url(page.final_url), key}:
                _remember_url(db, alias, key, now)
            _log_fetch(db, page.record, outcome=outcome, article_url=key, source=source)
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
    db: Database, record: FetchRecord, *, reason: str, message: str, source: str | None = None
) -> None:
    """Log a failed attempt (download or extraction) in the fetch log."""
    try:
        with db.atomic():
            _log_fetch(db, record, outcome="failed", reason=reason, error=message, source=source)
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
            "fetched_at": _iso(record.fetched_at),
            "elapsed": round(record.elapsed, 4),
            "outcome": outcome,
            "reason": reason or record.reason,
            "error": error or record.error,
            "article_url": article_url,
            "source": source,
        }
    )


def _remember_url(db: Database, url: str, key: str, now: str) -> None:
    db.execute(
        "INSERT INTO article_urls (url, article_url, first_seen, last_seen) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET article_url = excluded.article_url, "
        "last_seen = excluded.last_seen",
        [url, key, now, now],
    )


def content_hash(article: Article) -> str:
    """SHA-256 of what makes a version: title and text."""
    return hashlib.sha256(f"{article.title or ''}\n{article.text}".encode()).hexdigest()


def find_article(db: Database, url: str) -> dict[str, Any] | None:
    """The archived article for `url` (its key or any URL that led to it), or None."""
    try:
        key = normalize_url(url)
    except ValueError:
        return None
    alias = db.execute("SELECT article_url FROM article_urls WHERE url = ?", [key]).fetchone()
    rows = list(db.table("articles").rows_where("url = ?", [alias[0] if alias else key]))
    if not rows:
        return None
    row = dict(rows[0])
    row["tags"] = json.loads(row["tags"] or "[]")
    row["revisions"] = db.execute(
        "SELECT count(*) FROM revisions WHERE article_url = ?", [row["url"]]
    ).fetchone()[0]
    return row


def search_articles(db: Database, query: str, limit: int = 20) -> Iterator[dict[str, Any]]:
    """Full-text search, best match first, with a snippet of the text around the match.

    The query is FTS5 syntax; when it is not valid FTS5, it is searched as plain words."""
    sql = (
        "SELECT a.url, a.title, a.author, a.published, a.sitename, "
        "snippet(articles_fts, 1, '[', ']', '…', 16) AS snippet "
        "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
        "WHERE articles_fts MATCH ? ORDER BY articles_fts.rank LIMIT ?"
    )
    try:
        rows = db.execute(sql, [query, limit]).fetchall()
    except sqlite3.OperationalError:
        try:
            rows = db.execute(sql, [db.quote_fts(query), limit]).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot search for {query!r}: {exc}") from exc
    names = ("url", "title", "author", "published", "sitename", "snippet")
    for row in rows:
        yield dict(zip(names, row, strict=True))


def raw_html(db: Database, sha256: str) -> bytes | None:
    """The stored raw HTML with this SHA-256, decompressed."""
    row = db.execute("SELECT html_zlib FROM raw_pages WHERE sha256 = ?", [sha256]).fetchone()
    return zlib.decompress(row[0]) if row else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
