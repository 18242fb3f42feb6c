"""archiver's Datasette 0.65 plugin, loaded by `archiver serve` (never installed into
Datasette): the reading view of an article, the columns people scan, search that takes what
people type, a facet by month, readable runs and stored HTML as text.

It works with the templates in `datasette-templates/` (given with `--template-dir`):
`row.html` shows an `articles` row as an article, `_table.html` shows the `articles` table
with `TABLE_COLUMNS` unless the URL picks columns (`_col`, `_nocol`). Every other table and
row keeps Datasette's own pages.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import DateFacet
from datasette.utils import (
    escape_sqlite,
    path_with_added_args,
    path_with_removed_args,
    tilde_encode,
    urlsafe_components,
)
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup
from sqlite_utils import Database

from archiver.archive import fts, queries

TABLE_COLUMNS = ("title", "sitename", "author", "published", "language", "word_count")
RECORD_FIELDS = (
    "url",
    "canonical_url",
    "fetched_url",
    "source",
    "host",
    "first_seen",
    "last_checked",
    "last_changed",
    "extractor",
    "content_hash",
)
F = TypeVar("F", bound=Callable[..., Any])


def _hook(func: F) -> F:
    marked: F = hookimpl(func)
    return marked


def _last_hook(func: F) -> F:
    marked: F = hookimpl(trylast=True)(func)
    return marked


@_last_hook
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Datasette's search box quotes every word (`escape_fts`); archiver's translation
    replaces it: valid FTS5 as it is, anything else read as a search engine reads it.
    (Called last, so it wins over Datasette's own `escape_fts`.)"""
    conn.create_function("escape_fts", 1, _search_box, deterministic=True)


def _search_box(query: str | None) -> str:
    return fts.match_expression(query or "", strict=False)


@_hook
def render_cell(
    row: Any, value: Any, column: str, table: str, database: str, datasette: Any
) -> Any:
    """Titles link to the reading view, stored HTML opens as text, run errors are counted
    with their lines one click away, a missing site name shows the host."""
    if table == "articles" and column == "title":
        href = datasette.urls.row(database, table, tilde_encode(str(row["url"])))
        return Markup('<a href="{}">{}</a>').format(href, value or "(no title)")
    if table == "articles" and column == "sitename" and not value:
        return Markup('<span class="archiver-host">{}</span>').format(_get(row, "host") or "")
    if isinstance(value, dict):  # a foreign key: {"value": ..., "label": ...}
        value = value.get("value")
    if table in ("articles", "revisions") and column == "raw_sha256" and value:
        href = datasette.urls.path(f"/-/archiver/raw/{tilde_encode(database)}/{value}")
        return Markup('<a href="{}">stored HTML</a> <code>{}…</code>').format(href, value[:12])
    if table == "runs" and column == "errors":
        return _errors_cell(value)
    return None


def _get(row: Any, key: str) -> Any:
    try:
        return row[key]
    except (IndexError, KeyError):
        return None


def _errors_cell(value: str | None) -> Markup:
    try:
        lines = [str(line) for line in json.loads(value or "[]")]
    except (ValueError, TypeError):
        lines = [str(value)]
    if not lines:
        return Markup('<span class="archiver-none">none</span>')
    items = Markup("").join(Markup("<li>{}</li>").format(line) for line in lines)
    label = f"{len(lines)} error{'s' if len(lines) != 1 else ''}"
    return Markup("<details><summary>{}</summary><ol>{}</ol></details>").format(label, items)


@_hook
def extra_template_vars(
    view_name: str, table: str | None, database: str | None, request: Any, datasette: Any
) -> Any:
    """The article (paragraphs, versions and their diffs) for its row page; the default
    columns for the articles table."""
    if table != "articles" or database is None or request is None:
        return {}
    if view_name == "table":
        chosen = any(k in request.args for k in ("_col", "_nocol"))
        with_text = [("_col", c) for c in (*TABLE_COLUMNS, "text")]
        return {
            "archiver_columns": None if chosen else TABLE_COLUMNS,
            "archiver_with_text": path_with_added_args(request, with_text),
        }
    if view_name != "row":
        return {}

    async def article_vars() -> dict[str, Any]:
        key = urlsafe_components(request.url_vars["pks"])[0]
        db = datasette.get_database(database)
        article = await db.execute_fn(lambda conn: reading_view(Database(conn), key))
        if article is not None:
            article["raw_url"] = datasette.urls.path(
                f"/-/archiver/raw/{tilde_encode(database)}/{article['raw_sha256']}"
            )
            article["revisions_url"] = (
                datasette.urls.table(database, "revisions") + "?article_url=" + quote(key, safe="")
            )
        return {"archiver_article": article}

    return article_vars


def reading_view(db: Database, key: str) -> dict[str, Any] | None:
    """What the reading view shows of the article stored under `key`: its fields, its text
    as paragraphs, and every version with the diff from the one before (newest first)."""
    article = queries.find_article(db, key)
    versions = queries.history(db, key)
    if article is None or versions is None:
        return None
    shown = []
    for old, new in zip([None, *versions], versions, strict=False):
        diff = queries.version_diff(old, new) if old is not None else ""
        shown.append(
            {
                "version": new,
                "since": _when(new.valid_from),
                "until": _when(new.valid_to) if new.valid_to else "now",
                "diff": [(_diff_class(line), line) for line in diff.split("\n") if line],
            }
        )
    return {
        **{k: article.get(k) for k in (*RECORD_FIELDS, "raw_sha256")},
        "title": article["title"],
        "author": article["author"],
        "published": article["published"],
        "site": article["sitename"] or article["host"],
        "language": article["language"],
        "word_count": article["word_count"],
        "description": article["description"],
        "tags": article["tags"],
        "link": _http(article["canonical_url"]) or _http(article["url"]),
        "paragraphs": [p.strip() for p in (article["text"] or "").split("\n\n") if p.strip()],
        "versions": shown[::-1],
        "record": [(k, article.get(k)) for k in RECORD_FIELDS],
    }


def _when(timestamp: str | None) -> str:
    """`2024-03-28T06:12:40+00:00` as `2024-03-28 06:12 UTC` (stored times are UTC)."""
    if not timestamp:
        return "?"
    return timestamp[:16].replace("T", " ") + (" UTC" if "T" in timestamp else "")


def _http(url: str | None) -> str | None:
    return url if url and url.startswith(("http://", "https://")) else None


def _diff_class(line: str) -> str:
    if line.startswith(("---", "+++", "@@")):
        return "diff-head"
    return {"-": "diff-del", "+": "diff-add"}.get(line[:1], "diff-same")


class MonthFacet(DateFacet):  # type: ignore[misc]
    """`{"month": "published"}`: counts per `YYYY-MM`, newest first; a click filters with
    `published__startswith=YYYY-MM`."""

    type = "month"

    async def suggest(self) -> list[dict[str, Any]]:
        """Never suggested: configured in the metadata."""
        return []

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        """One bucket per month of the column, with its toggle URL."""
        results, timed_out = [], []
        args = dict(self.get_querystring_pairs())
        size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            col = escape_sqlite(column)
            sql = (
                f"select substr({col}, 1, 7) as value, count(*) as count from ({self.sql}) "
                f"where {col} glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]*' "
                f"group by value order by value desc limit {size + 1}"
            )
            try:
                rows = await self.ds.execute(
                    self.database,
                    sql,
                    self.params,
                    truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append(column)
                continue
            results.append(
                {
                    "name": column,
                    "type": self.type,
                    "results": [self._bucket(column, row, args) for row in rows.rows[:size]],
                    "hideable": source_and_config["source"] != "metadata",
                    "toggle_url": path_with_removed_args(self.request, {"_facet_month": column}),
                    "truncated": len(rows) > size,
                }
            )
        return results, timed_out

    def _bucket(self, column: str, row: Any, args: dict[str, Any]) -> dict[str, Any]:
        key = f"{column}__startswith"
        selected = str(args.get(key)) == str(row["value"])
        if selected:
            path = path_with_removed_args(self.request, {key: str(row["value"])})
        else:
            path = path_with_added_args(self.request, {key: row["value"]})
        return {
            "value": row["value"],
            "label": row["value"],
            "count": row["count"],
            "toggle_url": self.ds.absolute_url(self.request, path),
            "selected": selected,
        }


@_hook
def register_facet_classes() -> list[type]:
    """The month facet."""
    return [MonthFacet]


@_hook
def register_routes() -> list[tuple[str, Callable[..., Any]]]:
    """`/-/archiver/raw/DATABASE/SHA256`: a stored page's HTML, as text."""
    return [(r"^/-/archiver/raw/(?P<database>[^/]+)/(?P<sha256>[0-9a-f]{64})$", raw_page)]


async def raw_page(datasette: Any, request: Any) -> Any:
    """The stored HTML as text/plain (never rendered: it is someone else's page)."""
    database = request.url_vars["database"]
    try:
        db = datasette.get_database(route=database)
    except KeyError:
        raise NotFound("Database not found") from None
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (db.name, "raw_pages")), ("view-database", db.name), "view-instance"],
    )
    sha256 = request.url_vars["sha256"]
    text = await db.execute_fn(lambda conn: queries.raw_page_text(Database(conn), sha256))
    if text is None:
        raise NotFound("No stored page with that SHA-256")
    return Response.text(text, headers={"X-Content-Type-Options": "nosniff"})


def main() -> None:
    """`python -m archiver.archive.datasette_plugin serve ...`: Datasette's command line
    with this plugin registered (what `archiver serve` runs)."""
    from datasette.cli import cli
    from datasette.plugins import pm

    pm.register(sys.modules[__name__], name="archiver")
    cli(prog_name="datasette")


if __name__ == "__main__":
    from archiver.archive import datasette_plugin

    datasette_plugin.main()
