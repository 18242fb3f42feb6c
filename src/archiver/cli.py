"""The `archiver` command line: parse options, call one library function, render the result.

Data goes to stdout (text or `--json`), messages and errors to stderr, one line each.
Exit codes: 0 all good, 1 some items failed (or nothing found), 2 usage or configuration
error, 3 the archive cannot be opened or written.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlite_utils import Database

from archiver import __version__, pipeline, store
from archiver.config import Config, load_config, resolve_config_path
from archiver.errors import ArchiverError, ConfigError, NotAnArticle, StoreError
from archiver.models import ItemResult, RunReport

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ARCHIVE = 0, 1, 2, 3
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Configuration file [default: $ARCHIVER_CONFIG or ./config.toml].",
)
db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Archive file [default: [archive] path in the config, else archive.db].",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="archiver")
def cli() -> None:
    """Discover, download, clean and archive news articles into SQLite.

    Example: archiver fetch https://example.org/2024/03/column.html
    """


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@config_option
@db_option
def fetch(urls: tuple[str, ...], config_path: Path | None, db_path: Path | None) -> None:
    """Download, extract and store each URL now.

    Example: archiver fetch https://example.org/a.html https://example.org/b.html
    """
    with _session(config_path, db_path, required=False) as (config, db):
        report = pipeline.fetch_urls(urls, config, db, on_result=_print_result)
    _finish(report)


@cli.command()
@config_option
@db_option
def run(config_path: Path | None, db_path: Path | None) -> None:
    """Archive every source listed in the configuration (the cron job).

    Example: archiver run --config /etc/archiver/config.toml
    """
    with _session(config_path, db_path, required=True) as (config, db):
        if not config.sources:
            _fail(f"{config.path}: no [[sources]] configured", EXIT_USAGE)
        report = pipeline.run_sources(config, db, on_result=_print_result)
    _finish(report)


@cli.command()
@click.argument("target", metavar="FILE_OR_URL")
@config_option
@json_option
def extract(target: str, config_path: Path | None, as_json: bool) -> None:
    """Print what the extractor keeps of a page, without storing anything.

    Example: archiver extract saved-page.html --json
    """
    config = _load(config_path, required=False)
    try:
        article = pipeline.extract_target(target, config)
    except NotAnArticle as exc:
        _fail(f"{target}: not an article: {exc}", EXIT_FAILED)
    except ArchiverError as exc:
        _fail(str(exc), EXIT_FAILED)
    if as_json:
        _print_json({**asdict(article), "word_count": article.word_count})
    else:
        click.echo(article.text)


@cli.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@config_option
@db_option
@json_option
def search(
    query: str, limit: int, config_path: Path | None, db_path: Path | None, as_json: bool
) -> None:
    """Full-text search of the archive (FTS5 syntax: "a phrase", prefix*, AND, OR, NOT).

    Example: archiver search 'symbiose AND Anthropic' --limit 5
    """
    with _session(config_path, db_path, required=False) as (_, db):
        rows = _guarded(lambda: list(store.search_articles(db, query, limit)))
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        click.echo(f"{row['published'] or '----------'}  {row['title'] or '(no title)'}")
        click.echo(f"  {row['url']}")
        click.echo(f"  {row['snippet']}")
    if not rows:
        _fail(f"no article matches {query!r}", EXIT_FAILED)


@cli.command()
@click.argument("url")
@config_option
@db_option
@json_option
def show(url: str, config_path: Path | None, db_path: Path | None, as_json: bool) -> None:
    """Print one archived article, found by any URL that led to it.

    Example: archiver show https://example.org/2024/03/column.html --json
    """
    with _session(config_path, db_path, required=False) as (_, db):
        row = _guarded(lambda: store.find_article(db, url))
    if row is None:
        _fail(f"{url}: not in the archive", EXIT_FAILED)
    if as_json:
        _print_json({k: v for k, v in row.items() if k != "raw_sha256"})
        return
    click.echo(row["title"] or "(no title)")
    for key in (
        "url",
        "author",
        "published",
        "sitename",
        "language",
        "canonical_url",
        "first_seen",
        "last_checked",
        "last_changed",
        "word_count",
        "revisions",
    ):
        click.echo(f"{key}: {row[key] if row[key] is not None else ''}")
    click.echo(f"tags: {', '.join(row['tags'])}")
    click.echo("")
    click.echo(row["text"])


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="archiver")


def _load(config_path: Path | None, *, required: bool) -> Config:
    path, named = resolve_config_path(config_path)
    try:
        return load_config(path, required=required or named)
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)


@contextmanager
def _session(
    config_path: Path | None, db_path: Path | None, *, required: bool
) -> Iterator[tuple[Config, Database]]:
    config = _load(config_path, required=required)
    path = db_path or config.archive.path
    db = _guarded(lambda: store.open_archive(path))
    try:
        yield config, db
    except StoreError as exc:
        _fail(str(exc), EXIT_ARCHIVE)
    finally:
        db.close()


def _guarded(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except StoreError as exc:
        _fail(str(exc), EXIT_ARCHIVE)


def _print_result(result: ItemResult) -> None:
    if result.outcome == "failed":
        click.echo(f"error: {result.message}", err=True)
    else:
        click.echo(f"{result.outcome}\t{result.article_url}\t{result.title or ''}")


def _finish(report: RunReport) -> NoReturn:
    counts = ", ".join(f"{report.count(o)} {o}" for o in ("new", "changed", "unchanged", "failed"))
    click.echo(f"archiver: {len(report.results)} URLs: {counts}", err=True)
    sys.exit(EXIT_FAILED if report.failed else EXIT_OK)


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)
