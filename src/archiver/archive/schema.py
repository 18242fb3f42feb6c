"""The archive's schema: migrations, the tables they create, and opening an archive.

Tables: `articles` (one row per article, keyed by its normalized URL), `revisions` (earlier
versions of an article's text), `raw_pages` (compressed HTML, keyed by its SHA-256),
`article_urls` (every URL that led to an article), `fetches` (one row per download attempt),
`url_state` (what each URL is, and its HTTP validators), `runs` and `run_sources`,
`article_paragraphs` and `templates` (site templates), `reextractions`, and the FTS5 index
`articles_fts` kept in sync by triggers (on insert, on delete, on an update of title or
text). Schema changes are migrations, each in its own transaction; `store`, `state` and
`queries` read and write these tables.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from archiver.errors import StoreError
from archiver.urls import host_of

migrations = Migrations("archiver")
BUSY_TIMEOUT_S = 30.0
TABLES = (
    "articles",
    "revisions",
    "raw_pages",
    "article_urls",
    "fetches",
    "url_state",
    "runs",
    "run_sources",
    "article_paragraphs",
    "templates",
    "reextractions",
    "captures",
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


@migrations()
def m002_runs_and_validators(db: Database) -> None:
    """Runs and their per-source counts; HTTP validators per URL; the run of each fetch."""
    db.table("url_state").create(
        {"url": str, "kind": str, "etag": str, "last_modified": str, "last_fetched": str},
        pk="url",
    )
    db.table("runs").create(
        {
            "id": int,
            "started_at": str,
            "ended_at": str,
            "status": str,
            "pid": int,
            "discovered": int,
            "new": int,
            "changed": int,
            "unchanged": int,
            "skipped": int,
            "failed": int,
            "errors": str,
        },
        pk="id",
    )
    db.table("run_sources").create(
        {
            "run_id": int,
            "source": str,
            "discovered": int,
            "new": int,
            "changed": int,
            "unchanged": int,
            "skipped": int,
            "failed": int,
        },
        pk=("run_id", "source"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("fetches").add_column("run_id", int)
    db.table("fetches").create_index(["run_id"])
    db.table("fetches").create_index(["outcome"])
    db.table("articles").create_index(["source", "first_seen"])


@migrations()
def m003_templates_and_reextraction(db: Database) -> None:
    """Paragraph fingerprints per article and the site templates they reveal; a log of
    re-extractions; which extractor version produced each article."""
    db.table("article_paragraphs").create(
        {"article_url": str, "fingerprint": str, "host": str},
        pk=("article_url", "fingerprint"),
        foreign_keys=[("article_url", "articles", "url")],
    )
    db.table("templates").create(
        {
            "host": str,
            "fingerprint": str,
            "pages": int,
            "sample": str,
            "first_seen": str,
            "last_seen": str,
        },
        pk=("host", "fingerprint"),
    )
    db.table("templates").create_index(["host", "pages"])
    db.table("reextractions").create(
        {
            "id": int,
            "article_url": str,
            "at": str,
            "extractor": str,
            "old_hash": str,
            "new_hash": str,
            "changed": str,
            "reason": str,
        },
        pk="id",
        foreign_keys=[("article_url", "articles", "url")],
    )
    db.table("reextractions").create_index(["article_url"])
    db.table("articles").add_column("extractor", str)


@migrations()
def m004_hosts_and_views(db: Database) -> None:
    """A `host` column to filter by site, and views for the questions people ask."""
    db.table("articles").add_column("host", str)
    db.register_function(host_of, deterministic=True, replace=True)
    db.execute("UPDATE articles SET host = host_of(url)")
    db.table("articles").create_index(["host"])
    db.create_view(
        "edited_articles",
        "SELECT a.url, a.title, a.sitename, a.published, a.first_seen, a.last_changed, "
        "count(r.id) AS revisions FROM articles a JOIN revisions r ON r.article_url = a.url "
        "GROUP BY a.url",
    )
    db.create_view(
        "failures",
        "SELECT f.run_id, f.fetched_at, f.source, f.url, f.reason, f.status, f.error "
        "FROM fetches f WHERE f.outcome = 'failed'",
    )
    db.create_view(
        "articles_per_month",
        "SELECT sitename, substr(coalesce(published, first_seen), 1, 7) AS month, "
        "count(*) AS articles FROM articles GROUP BY sitename, month",
    )


@migrations()
def m005_fts_follows_title_and_text(db: Database) -> None:
    """Re-index an article only when its title or text is written: the update trigger used
    to fire on every `last_checked`, re-indexing the whole text on each re-check (a 304)."""
    db.execute("DROP TRIGGER IF EXISTS articles_au")
    db.execute(
        'CREATE TRIGGER "articles_au" AFTER UPDATE OF "title", "text" ON "articles" BEGIN\n'
        '  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text") '
        'VALUES(\'delete\', old.rowid, old."title", old."text");\n'
        '  INSERT INTO "articles_fts" (rowid, "title", "text") '
        'VALUES (new.rowid, new."title", new."text");\nEND'
    )


@migrations()
def m006_capture_headers(db: Database) -> None:
    """Each capture of an article (the responses behind its versions, and its unchanged
    re-checks) with its status line and headers, for WARC export; earlier captures get what
    the fetch log knows (status, content type, validators)."""
    db.table("captures").create(
        {
            "id": int,
            "article_url": str,
            "fetched_at": str,
            "url": str,
            "raw_sha256": str,
            "outcome": str,
            "status": int,
            "http_version": str,
            "reason_phrase": str,
            "headers": str,
            "source": str,
            "run_id": int,
        },
        pk="id",  # two captures of a page within one second are two captures
    )
    db.table("captures").create_index(["fetched_at"])
    db.table("captures").create_index(["article_url", "fetched_at"])
    db.execute(
        "INSERT INTO captures (article_url, fetched_at, url, raw_sha256, outcome, status, "
        "http_version, reason_phrase, headers, source, run_id) SELECT f.article_url, f.fetched_at, "
        "coalesce(f.final_url, f.url), CASE WHEN f.outcome = 'unchanged' THEN NULL ELSE "
        "coalesce((SELECT r.raw_sha256 FROM revisions r WHERE r.article_url = f.article_url "
        "AND r.valid_from = f.fetched_at), (SELECT a.raw_sha256 FROM articles a "
        "WHERE a.url = f.article_url AND a.last_changed = f.fetched_at)) END, f.outcome, "
        "f.status, NULL, NULL, json_array(json_array('Content-Type', f.content_type), "
        "json_array('ETag', f.etag), json_array('Last-Modified', f.last_modified)), "
        "f.source, f.run_id "
        "FROM fetches f WHERE f.article_url IS NOT NULL "
        "AND f.outcome IN ('new', 'changed', 'unchanged') ORDER BY f.id"
    )


@migrations()
def m007_skips_by_reason(db: Database) -> None:
    """Each run's skips counted by reason, in all and per source, and per source a note
    saying why it yielded nothing."""
    db.table("runs").add_column("skipped_by_reason", str)
    db.table("run_sources").add_column("skipped_by_reason", str)
    db.table("run_sources").add_column("note", str)


def open_archive(path: Path) -> Database:
    """Open (creating if needed) the archive at `path`, in WAL mode, migrated to the latest."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _opening(path):
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
            db = Database(conn)
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            db.enable_wal()
            db.execute("PRAGMA foreign_keys = ON")
            migrations.apply(db)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"cannot open archive {path}: {exc}") from exc
    return db


@contextmanager
def _opening(path: Path) -> Iterator[None]:
    """One process at a time turns WAL on and migrates. Both fail at once, whatever the busy
    timeout, when another process opens the same archive at that moment: `PRAGMA
    journal_mode` does not wait for the lock it needs, and sqlite-utils' migrations read and
    then write in one transaction, which SQLite refuses when another process wrote in
    between (two `archiver run`s started together: the refused one records its refusal while
    the other creates the archive). A blocking flock on `<archive>.open-lock`, held for the
    opening only, queues them; where that file cannot be created (a read-only folder) the
    archive is opened without it."""
    try:
        fd = os.open(path.with_name(path.name + ".open-lock"), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        fd = None
    try:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the lock


def schema_sql(db: Database) -> str:
    """The CREATE TABLE statements of the archive's tables (the README's schema block)."""
    return ";\n\n".join(db.table(t).schema for t in TABLES) + ";"


@contextmanager
def atomic(db: Database) -> Iterator[None]:
    """All of the block or none of it: a transaction, or inside one (a `WriteBatch`) a
    savepoint. sqlite-utils' own `atomic` names each savepoint at random, so that none of
    its statements is ever found in sqlite3's statement cache; this one reuses one name
    (SQLite releases or rolls back the innermost savepoint of a name)."""
    conn = db.conn
    outer = not conn.in_transaction
    conn.execute("BEGIN" if outer else "SAVEPOINT archiver")
    try:
        yield
    except BaseException:
        if conn.in_transaction:  # a RAISE(ROLLBACK) trigger may have ended it already
            conn.execute("ROLLBACK" if outer else "ROLLBACK TO archiver")
            if not outer:
                conn.execute("RELEASE archiver")
        raise
    conn.execute("COMMIT" if outer else "RELEASE archiver")
