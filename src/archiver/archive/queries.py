"""The read side of the archive: look-ups, search, history, export rows and statistics.

With `store` (the write side), the only module that knows table names. Every value a user
types reaches SQLite as a bound parameter, never as SQL text.
"""

from __future__ import annotations

import difflib
import json
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from archiver.archive import fts
from archiver.errors import QueryError
from archiver.urls import normalize_url

EXPORT_COLUMNS = (
    "url",
    "title",
    "author",
    "published",
    "sitename",
    "host",
    "language",
    "description",
    "canonical_url",
    "image",
    "tags",
    "word_count",
    "source",
    "first_seen",
    "last_checked",
    "last_changed",
    "text",
)
_DATE = "coalesce(a.published, substr(a.first_seen, 1, 10))"
RANKED_MATCHES = 10_000


@dataclass(frozen=True)
class Filters:
    """What search and export narrow the archive to; None means no filter."""

    site: str | None = None  # a host (www. ignored) or a site name
    author: str | None = None  # a part of the author line
    language: str | None = None
    source: str | None = None
    since: str | None = None  # article date (published, else first seen), ISO, inclusive
    until: str | None = None
    changed_since: str | None = None  # new or changed in the archive since (ISO timestamp)

    def where(self) -> tuple[str, list[Any]]:
        """SQL conditions on `articles a` and their parameters."""
        clauses, params = ["1 = 1"], []
        if self.site:
            clauses.append("(a.host = ? OR lower(a.sitename) = lower(?))")
            params += [self.site.lower().removeprefix("www."), self.site]
        if self.author:
            clauses.append("a.author LIKE ? ESCAPE '\\'")
            params.append("%" + _escape_like(self.author) + "%")
        if self.language:
            clauses.append("a.language = ?")
            params.append(self.language.lower())
        if self.source:
            clauses.append("a.source = ?")
            params.append(self.source)
        if self.since:
            clauses.append(f"{_DATE} >= ?")
            params.append(self.since)
        if self.until:
            clauses.append(f"{_DATE} <= ?")
            params.append(self.until)
        if self.changed_since:
            clauses.append("a.last_changed >= ?")
            params.append(self.changed_since)
        return " AND ".join(clauses), params


def find_article(db: Database, url: str) -> dict[str, Any] | None:
    """The archived article for `url` (its key or any URL that led to it), or None."""
    try:
        key = normalize_url(url)
    except ValueError:
        return None
    alias = db.execute("SELECT article_url FROM article_urls WHERE url = ?", [key]).fetchone()
    rows = list(db.query("SELECT * FROM articles WHERE url = ?", [alias[0] if alias else key]))
    if not rows:
        return None
    row = rows[0]
    row["tags"] = json.loads(row["tags"] or "[]")
    row["revisions"] = db.execute(
        "SELECT count(*) FROM revisions WHERE article_url = ?", [row["url"]]
    ).fetchone()[0]
    return row


def search_articles(
    db: Database, query: str, limit: int = 20, filters: Filters = Filters()
) -> list[dict[str, Any]]:
    """Full-text search (FTS5 syntax), best match first (bm25), with a highlighted snippet.

    A query that is not valid FTS5 (`l'été`, `covid-19`, `U.S.`, `climat -Amazon`) is read
    as a search engine reads it; one that misplaces an operator or leaves a quote open is a
    QueryError saying why. A query matching
    more than RANKED_MATCHES articles (a word nearly every article has) lists the newest
    first: bm25 costs about a millisecond per thousand matches, and ranks such a word
    no better."""
    match, matches = _fts_query(db, query)
    where, params = filters.where()
    order = "articles_fts.rank" if matches <= RANKED_MATCHES else "articles_fts.rowid DESC"
    sql = (
        "SELECT a.url, a.title, a.author, a.published, a.sitename, a.language, a.source, "
        "snippet(articles_fts, 1, '[', ']', '…', 16) AS snippet "
        "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
        f"WHERE articles_fts MATCH ? AND {where} ORDER BY {order} LIMIT ?"
    )
    rows = list(db.query(sql, [match, *params, limit]))
    for row in rows:  # one line per result: paragraph breaks in a snippet become spaces
        row["snippet"] = " ".join((row["snippet"] or "").split())
    return rows


def _fts_query(db: Database, query: str) -> tuple[str, int]:
    """The query as FTS5 will take it (see `fts.match_expression`), and how many articles
    it matches (cheap: no ranking)."""
    match = fts.match_expression(query, strict=True)
    count = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?"
    try:
        return match, int(db.execute(count, [match]).fetchone()[0])
    except sqlite3.OperationalError as exc:
        raise QueryError(f"bad search query {query!r}: {exc}") from exc


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Version:
    """One version of an article's text, and when it was the archived one."""

    number: int
    valid_from: str | None
    valid_to: str | None  # None: the current version
    title: str | None
    text: str
    word_count: int | None


def history(db: Database, url: str) -> list[Version] | None:
    """Every version of the article, oldest first; None when it is not archived."""
    article = find_article(db, url)
    if article is None:
        return None
    rows = db.execute(
        "SELECT valid_from, valid_to, title, text, word_count FROM revisions "
        "WHERE article_url = ? ORDER BY id",
        [article["url"]],
    ).fetchall()
    versions = [Version(i + 1, *row) for i, row in enumerate(rows)]
    versions.append(
        Version(
            len(versions) + 1,
            article["last_changed"],
            None,
            article["title"],
            article["text"],
            article["word_count"],
        )
    )
    return versions


def version_diff(old: Version, new: Version) -> str:
    """A unified diff of two versions, one paragraph per line (title first)."""

    def lines(version: Version) -> list[str]:
        return [f"# {version.title or ''}", *version.text.split("\n\n")]

    diff = difflib.unified_diff(
        lines(old),
        lines(new),
        fromfile=f"version {old.number} ({old.valid_from})",
        tofile=f"version {new.number} ({new.valid_from})",
        lineterm="",
        n=1,
    )
    return "\n".join(diff)


def export_rows(db: Database, filters: Filters = Filters()) -> Iterator[dict[str, Any]]:
    """Articles for export, oldest first, one at a time (a cursor, not a list)."""
    where, params = filters.where()
    columns = ", ".join(f"a.{c}" for c in EXPORT_COLUMNS)
    sql = f"SELECT {columns} FROM articles a WHERE {where} ORDER BY {_DATE}, a.rowid"
    for row in db.execute(sql, params):
        record = dict(zip(EXPORT_COLUMNS, row, strict=True))
        record["tags"] = json.loads(record["tags"] or "[]")
        yield record


def stats(db: Database) -> dict[str, Any]:
    """Counts people ask for first: per site, language and month; revisions; failures."""

    def pairs(sql: str) -> list[dict[str, Any]]:
        return list(db.query(sql))

    return {
        "articles": db.execute("SELECT count(*) FROM articles").fetchone()[0],
        "revisions": db.execute("SELECT count(*) FROM revisions").fetchone()[0],
        "edited_articles": db.execute(
            "SELECT count(DISTINCT article_url) FROM revisions"
        ).fetchone()[0],
        "per_site": pairs(
            "SELECT coalesce(sitename, host) AS site, count(*) AS articles "
            "FROM articles GROUP BY site ORDER BY articles DESC, site"
        ),
        "per_language": pairs(
            "SELECT language, count(*) AS articles FROM articles "
            "GROUP BY language ORDER BY articles DESC, language"
        ),
        "per_month": pairs(
            f"SELECT substr({_DATE}, 1, 7) AS month, count(*) AS articles "
            "FROM articles a GROUP BY month ORDER BY month DESC"
        ),
        "failures_by_reason": pairs(
            "SELECT reason, count(*) AS failures FROM fetches "
            "WHERE outcome = 'failed' GROUP BY reason "
            "ORDER BY failures DESC, reason"
        ),
    }


def recent_runs(db: Database, limit: int = 10) -> list[dict[str, Any]]:
    """The last runs, newest first, each with its per-source counts."""
    runs = list(db.query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", [limit]))
    for run in runs:
        run["errors"] = json.loads(run["errors"] or "[]")
        run["skipped_by_reason"] = json.loads(run["skipped_by_reason"] or "{}")
        run["sources"] = [
            {
                **{k: v for k, v in r.items() if k != "run_id"},
                "skipped_by_reason": json.loads(r["skipped_by_reason"] or "{}"),
            }
            for r in db.query(
                "SELECT * FROM run_sources WHERE run_id = ? ORDER BY source", [run["id"]]
            )
        ]
    return runs


def raw_html(db: Database, sha256: str) -> bytes | None:
    """The stored raw HTML with this SHA-256, decompressed."""
    row = db.execute("SELECT html_zlib FROM raw_pages WHERE sha256 = ?", [sha256]).fetchone()
    return zlib.decompress(row[0]) if row else None


def raw_page_text(db: Database, sha256: str) -> str | None:
    """The stored raw HTML with this SHA-256, decoded with the encoding it was read with."""
    row = db.execute(
        "SELECT encoding, html_zlib FROM raw_pages WHERE sha256 = ?", [sha256]
    ).fetchone()
    if row is None:
        return None
    try:
        return zlib.decompress(row[1]).decode(row[0] or "utf-8", "replace")
    except LookupError:
        return zlib.decompress(row[1]).decode("utf-8", "replace")
