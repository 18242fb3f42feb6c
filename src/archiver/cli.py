"""The `archiver` command line: parse options, call one library function, render the result.

Data goes to stdout (text or `--json`), messages and errors to stderr, one line each.
Exit codes: 0 all good, 1 some items failed (or nothing found), 2 usage or configuration
error, 3 the archive cannot be opened or written, 4 another run holds the archive's lock,
130 interrupted (Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import json
import signal
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
from archiver.errors import ArchiveLocked, ArchiverError, ConfigError, NotAnArticle, StoreError
from archiver.models import OUTCOMES, ItemResult, RunReport
from archiver.runlock import run_lock

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ARCHIVE, EXIT_LOCKED = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130
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
@json_option
def run(config_path: Path | None, db_path: Path | None, as_json: bool) -> None:
    """Archive every source listed in the configuration (the cron job).

    Quiet unless something fails: errors on stderr, then one summary line; a progress bar
    on a terminal; --json prints the run report on stdout.

    Example: archiver run --config /etc/archiver/config.toml
    """
    config = _load(config_path, required=True)
    if not config.sources:
        _fail(f"{config.path}: no [[sources]] configured", EXIT_USAGE)
    path = db_path or config.archive.path
    with (
        _locked(path),
        _archive(path) as db,
        _Progress(enabled=sys.stderr.isatty()) as progress,
    ):
        try:
            report = pipeline.run_sources(
                config, db, on_result=progress.result, on_planned=progress.planned
            )
        except KeyboardInterrupt:
            _fail(
                "interrupted; what was stored is kept, the run is marked interrupted",
                EXIT_INTERRUPTED,
            )
    if as_json:
        _print_json(_report_json(report))
    _finish(report)


@cli.command()
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1))
@config_option
@db_option
@json_option
def runs(limit: int, config_path: Path | None, db_path: Path | None, as_json: bool) -> None:
    """Show the last runs: when, how they ended, and their counts.

    Example: archiver runs --limit 5
    """
    with _session(config_path, db_path, required=False) as (_, db):
        rows = _guarded(lambda: store.recent_runs(db, limit))
    if as_json:
        _print_json(rows)
        return
    click.echo("  id  started                    status       found   new  chg  same  skip  fail")
    for r in rows:
        counts = [
            r[k] or 0 for k in ("discovered", "new", "changed", "unchanged", "skipped", "failed")
        ]
        click.echo(
            f"{r['id']:>4}  {r['started_at']:<25}  {r['status']:<11} "
            "{:>6} {:>5} {:>4} {:>5} {:>5} {:>5}".format(*counts)
        )


@cli.command()
@click.option("--site", metavar="HOST", help="Only the articles of this host.")
@config_option
@db_option
def reextract(site: str | None, config_path: Path | None, db_path: Path | None) -> None:
    """Extract every stored page again with today's extractor, rules and site templates.

    No download. A changed extraction updates the article and is logged in the
    `reextractions` table, not kept as a revision.

    Example: archiver reextract --site www.lemonde.fr
    """
    with _session(config_path, db_path, required=False) as (config, db):
        report = _guarded(lambda: pipeline.reextract(config, db, site=site))
    for line in report.failed:
        click.echo(f"error: {line}", err=True)
    click.echo(
        f"archiver: {report.seen} articles re-extracted: {report.changed} changed, "
        f"{report.unchanged} unchanged, {len(report.failed)} refused (kept as they were)",
        err=True,
    )
    sys.exit(EXIT_FAILED if report.failed else EXIT_OK)


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
    """Console-script entry point: SIGTERM stops a run as Ctrl-C does, cleanly."""
    signal.signal(signal.SIGTERM, _interrupt)
    cli(prog_name="archiver")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


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
    with _archive(db_path or config.archive.path) as db:
        yield config, db


@contextmanager
def _archive(path: Path) -> Iterator[Database]:
    db = _guarded(lambda: store.open_archive(path))
    try:
        yield db
    except StoreError as exc:
        _fail(str(exc), EXIT_ARCHIVE)
    finally:
        db.close()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        with run_lock(path):
            yield
    except ArchiveLocked as exc:
        _fail(str(exc), EXIT_LOCKED)


class _Progress:
    """Failures as one stderr line each; a progress bar on a terminal."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.render_finish()

    def planned(self, total: int) -> None:
        if self.enabled and total:
            self.bar = click.progressbar(length=total, label="archiving", file=sys.stderr)

    def result(self, result: ItemResult) -> None:
        if result.outcome == "failed":
            click.echo(f"error: {result.message}", err=True)
        if self.bar is not None and result.reason not in ("cap", "not_due", "not_article"):
            self.bar.update(1)


def _report_json(report: RunReport) -> dict[str, Any]:
    return {
        "run_id": report.run_id,
        "sources": [asdict(s) for s in report.by_source()],
        "errors": [r.message for r in report.failed],
    }


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
    counts = ", ".join(f"{report.count(o)} {o}" for o in OUTCOMES if o != "failed")
    failed = len(report.failed)
    run = f"run {report.run_id}: " if report.run_id else ""
    click.echo(f"archiver: {run}{len(report.results)} URLs: {counts}, {failed} failed", err=True)
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)
