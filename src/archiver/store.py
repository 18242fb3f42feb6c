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
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from archiver import __version__
from archiver.errors import StoreError
from archiver.models import (
    OUTCOMES,
    Article,
    FetchRecord,
    Page,
    RunReport,
    paragraph_fingerprint,
)
from archiver.urls import normalize_url, same_site

migrations = Migrations("archiver")
BUSY_TIMEOUT_S = 30.0
MAX_RUN_ERRORS = 50  # error lines kept in `runs.errors`; the fetch log has all of them
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
    db: Database,
    article: Article,
    page: Page,
    *,
    source: str | None = None,
    run_id: int | None = None,
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
            if outcome != "unchanged":
                _save_paragraphs(db, key, article, now)
            for alias in {normalize_url(page.url), normalize_url(page.final_url), key}:
                _remember_url(db, alias, key, now)
            _save_validators(db, normalize_url(page.url), "article", page.record)
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
            "fetched_at": _iso(record.fetched_at),
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


def host_of(url: str) -> str:
    """The host a URL's site templates are learned for (`www.` ignored)."""
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def _save_paragraphs(db: Database, key: str, article: Article, now: str) -> None:
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


@dataclass(frozen=True)
class StoredPage:
    """An archived article's stored HTML, for re-extraction."""

    article_url: str
    fetched_url: str
    html: bytes
    encoding: str
    content_hash: str


def stored_pages(db: Database, host: str | None = None) -> Iterator[StoredPage]:
    """Every archived article's raw HTML (of `host` only, if given), one at a time."""
    rows = db.execute(
        "SELECT a.url, a.fetched_url, r.html_zlib, r.encoding, a.content_hash "
        "FROM articles a JOIN raw_pages r ON r.sha256 = a.raw_sha256 ORDER BY a.rowid"
    )
    wanted = host.lower().removeprefix("www.") if host else None
    for url, fetched, blob, encoding, digest in rows:
        if wanted is None or host_of(url) == wanted:
            yield StoredPage(
                url, fetched or url, zlib.decompress(blob), encoding or "utf-8", digest
            )


def apply_reextraction(
    db: Database, url: str, article: Article, *, at: datetime, extractor: str
) -> bool:
    """Replace an article's extracted fields in place (not a new revision) and log it;
    returns whether anything changed."""
    rows = list(db.table("articles").rows_where("url = ?", [url]))
    if not rows:
        return False
    old = rows[0]
    new: dict[str, Any] = {f: getattr(article, f) for f in ARTICLE_FIELDS if f != "canonical_url"}
    new.update(
        text=article.text,
        tags=json.dumps(list(article.tags), ensure_ascii=False),
        word_count=article.word_count,
        content_hash=content_hash(article),
    )
    changed = sorted(k for k, v in new.items() if old.get(k) != v)
    try:
        with db.atomic():
            db.table("articles").update(url, {**new, "extractor": extractor})
            _save_paragraphs(db, url, article, _iso(at))
            if changed:
                db.table("reextractions").insert(
                    {
                        "article_url": url,
                        "at": _iso(at),
                        "extractor": extractor,
                        "old_hash": old["content_hash"],
                        "new_hash": new["content_hash"],
                        "changed": json.dumps(changed),
                    }
                )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot store the re-extraction of {url}: {exc}") from exc
    return bool(changed)


def log_reextraction_failure(
    db: Database, url: str, reason: str, *, at: datetime, extractor: str
) -> None:
    """A stored page the current extractor refuses: logged, the article is kept as it was."""
    try:
        with db.atomic():
            db.table("reextractions").insert(
                {"article_url": url, "at": _iso(at), "extractor": extractor, "reason": reason}
            )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot log the re-extraction of {url}: {exc}") from exc


def _save_validators(db: Database, url: str, kind: str, record: FetchRecord) -> None:
    db.execute(
        "INSERT INTO url_state (url, kind, etag, last_modified, last_fetched) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET kind = excluded.kind, "
        "etag = excluded.etag, last_modified = excluded.last_modified, "
        "last_fetched = excluded.last_fetched",
        [url, kind, record.etag, record.last_modified, _iso(record.fetched_at)],
    )


def save_validators(db: Database, url: str, kind: str, record: FetchRecord) -> None:
    """Remember what a URL is (feed, sitemap, page, not_article) and its ETag and
    Last-Modified for the next conditional GET."""
    try:
        with db.atomic():
            _save_validators(db, normalize_url(url), kind, record)
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
    row = db.execute(
        "SELECT s.url, a.url, a.first_seen, a.published, a.last_checked, s.etag, "
        "s.last_modified, s.kind FROM (SELECT ? AS url) q "
        "LEFT JOIN url_state s ON s.url = q.url "
        "LEFT JOIN article_urls u ON u.url = q.url "
        "LEFT JOIN articles a ON a.url = u.article_url",
        [key],
    ).fetchone()
    if row is None or (row[0] is None and row[1] is None):
        return None
    return KnownUrl(key, *row[1:])


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
    now = _iso(record.fetched_at)
    try:
        with db.atomic():
            alias = db.execute(
                "SELECT article_url FROM article_urls WHERE url = ?", [key]
            ).fetchone()
            article_url = alias[0] if alias else None
            if article_url:
                db.execute("UPDATE articles SET last_checked = ? WHERE url = ?", [now, article_url])
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


def recent_articles(db: Database, source: str, since: datetime) -> list[KnownUrl]:
    """Articles of `source` first seen since `since` (the ones a re-check may be due for)."""
    found = db.execute(
        "SELECT a.fetched_url, a.url, a.first_seen, a.published, a.last_checked, s.etag, "
        "s.last_modified, s.kind FROM articles a LEFT JOIN url_state s ON s.url = a.fetched_url "
        "WHERE a.source = ? AND a.first_seen >= ?",
        [source, _iso(since)],
    ).fetchall()
    return [KnownUrl(*row) for row in found]


def start_run(db: Database, started_at: datetime, pid: int) -> int:
    """A new `runs` row; runs left `running` by a crash are marked `interrupted`."""
    try:
        with db.atomic():
            db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
            runs = db.table("runs").insert(
                {"started_at": _iso(started_at), "status": "running", "pid": pid}
            )
            return int(str(runs.last_pk))
    except sqlite3.Error as exc:
        raise StoreError(f"cannot start a run: {exc}") from exc


def finish_run(
    db: Database, run_id: int, report: RunReport, *, status: str, ended_at: datetime
) -> None:
    """Close a run with its counts, per source and in all, and its first errors."""
    sources = report.by_source()
    totals = {o: sum(getattr(r, o) for r in sources) for o in ("discovered", *OUTCOMES)}
    errors = [r.message for r in report.failed if r.message][:MAX_RUN_ERRORS]
    try:
        with db.atomic():
            db.table("runs").update(
                run_id,
                {
                    "ended_at": _iso(ended_at),
                    "status": status,
                    **totals,
                    "errors": json.dumps(errors, ensure_ascii=False),
                },
            )
            db.table("run_sources").insert_all(
                ({"run_id": run_id, **asdict(r)} for r in sources), replace=True
            )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot finish run {run_id}: {exc}") from exc


TABLES = (
    "articles",
    "revisions",
    "raw_pages",
    "article_urls",
    "fetches",
    "url_state",
    "runs",
    "run_sources",
)


def schema_sql(db: Database) -> str:
    """The CREATE TABLE statements of the archive's tables (the README's schema block)."""
    return ";\n\n".join(db.table(t).schema for t in TABLES) + ";"


def content_hash(article: Article) -> str:
    """SHA-256 of what makes a version: title and text."""
    return hashlib.sha256(f"{article.title or ''}\n{article.text}".encode()).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
