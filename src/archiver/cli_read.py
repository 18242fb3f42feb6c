"""The commands that read the archive (`runs`, `search`, `history`, `export`, `stats`,
`serve`, `show`): none of them downloads, and none creates an archive."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from archiver import render
from archiver.archive import datasette, export, queries
from archiver.cli_common import (
    EXIT_FAILED,
    EXIT_USAGE,
    archive_at,
    config_option,
    db_option,
    fail,
    filter_options,
    filters_from,
    guarded,
    json_option,
    load_settings,
    require_archive,
    session,
)
from archiver.errors import DatasetteMissing


@click.command()
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1))
@config_option
@db_option
@json_option
def runs(limit: int, config_path: Path | None, db_path: Path | None, as_json: bool) -> None:
    """Show the last runs: when, how they ended, and their counts.

    Example: archiver runs --limit 5
    """
    with session(config_path, db_path, required=False) as (_, db):
        rows = guarded(lambda: queries.recent_runs(db, limit))
    if as_json:
        render.print_json(rows)
    else:
        render.runs_table(rows)


@click.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@filter_options
@config_option
@db_option
@click.option("--json", "fmt", flag_value="json", help="Print a JSON array.")
@click.option("--nl", "fmt", flag_value="nl", help="Print one JSON object per line.")
@click.option("--csv", "fmt", flag_value="csv", help="Print CSV with a header.")
def search(
    query: str,
    limit: int,
    config_path: Path | None,
    db_path: Path | None,
    fmt: str | None,
    **options: Any,
) -> None:
    """Full-text search, best match first: words, "a phrase", prefix*, AND, OR, NOT,
    title:word. Accents are ignored.

    Example: archiver search '"intelligence artificielle" NOT Microsoft' --language fr
    """
    with session(config_path, db_path, required=False) as (_, db):
        rows = guarded(lambda: queries.search_articles(db, query, limit, filters_from(options)))
    render.print_rows(rows, fmt)
    if fmt is None:
        render.search_results(rows)
    if not rows:
        fail(f"no article matches {query!r}", EXIT_FAILED)


@click.command()
@click.argument("url")
@click.option("--diff", "show_diff", is_flag=True, help="Show what changed between versions.")
@config_option
@db_option
@json_option
def history(
    url: str, show_diff: bool, config_path: Path | None, db_path: Path | None, as_json: bool
) -> None:
    """Every version of an archived article, oldest first, with its dates.

    Example: archiver history https://example.org/2024/03/column.html --diff
    """
    with session(config_path, db_path, required=False) as (_, db):
        versions = guarded(lambda: queries.history(db, url))
    if versions is None:
        fail(f"{url}: not in the archive", EXIT_FAILED)
    if as_json:
        render.print_json([asdict(v) for v in versions])
    else:
        render.history_lines(versions, diff=show_diff)


@click.command(name="export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "markdown", "text", "warc"]),
    default="jsonl",
    show_default=True,
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="File (jsonl, csv; default stdout; warc: required) or folder (markdown, text).",
)
@click.option(
    "--changed-since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="Only articles new or changed in the archive since then (UTC).",
)
@filter_options
@config_option
@db_option
def export_command(
    fmt: str,
    output: Path | None,
    changed_since: Any,
    config_path: Path | None,
    db_path: Path | None,
    **options: Any,
) -> None:
    """Export articles as JSON Lines, CSV, Markdown files, text files or a WARC file (every
    capture, with its headers), streaming.

    Example: archiver export --format csv --site lemonde.fr --since 2024-01-01 -o lemonde.csv
    """
    if fmt == "warc" and output is None:
        fail("--format warc: give the file to write with --output FILE.warc.gz", EXIT_USAGE)
    if fmt in ("markdown", "text") and output is None:
        fail(f"--format {fmt} writes one file per article: give a folder with --output", EXIT_USAGE)
    since = changed_since.isoformat() if changed_since else None
    filters = filters_from(options, changed_since=since)
    with session(config_path, db_path, required=False) as (_, db):
        if fmt == "warc" and output is not None:
            from archiver.archive import warc  # (see _HEAVY)

            with output.open("wb") as out:
                done = guarded(lambda: warc.write_warc(db, out, filters))
            click.echo(
                f"archiver: exported {done.articles} articles: {done.responses} responses, "
                f"{done.revisits} revisits",
                err=True,
            )
            return
        rows = queries.export_rows(db, filters)
        count = guarded(lambda: export.write(rows, fmt, output, queries.EXPORT_COLUMNS))
    click.echo(f"archiver: exported {count} articles", err=True)


@click.command()
@config_option
@db_option
@json_option
def stats(config_path: Path | None, db_path: Path | None, as_json: bool) -> None:
    """Articles per site, language and month; revisions; failures by reason.

    Example: archiver stats --json
    """
    with session(config_path, db_path, required=False) as (_, db):
        figures = guarded(lambda: queries.stats(db))
    if as_json:
        render.print_json(figures)
    else:
        render.stats_text(figures)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@config_option
@db_option
def serve(host: str, port: int, config_path: Path | None, db_path: Path | None) -> None:
    """Browse, facet and search the archive in Datasette (needs the `datasette` extra).

    Example: archiver serve --port 8001
    """
    config = load_settings(config_path, required=False)
    path = db_path or config.archive.path
    require_archive(path, no_config=config.path is None and db_path is None)
    with archive_at(path):  # an unreadable file is one line here; migrations are applied
        pass
    try:
        sys.exit(datasette.serve(path, host=host, port=port))
    except DatasetteMissing as exc:
        fail(str(exc), EXIT_USAGE)


@click.command()
@click.argument("url")
@config_option
@db_option
@json_option
def show(url: str, config_path: Path | None, db_path: Path | None, as_json: bool) -> None:
    """Print one archived article, found by any URL that led to it.

    Example: archiver show https://example.org/2024/03/column.html --json
    """
    with session(config_path, db_path, required=False) as (_, db):
        row = guarded(lambda: queries.find_article(db, url))
    if row is None:
        fail(f"{url}: not in the archive", EXIT_FAILED)
    if as_json:
        render.print_json({k: v for k, v in row.items() if k != "raw_sha256"})
    else:
        render.article_text(row)


COMMANDS = (runs, search, history, export_command, stats, serve, show)
