"""The `archiver` command line: parse options, call one library function, render the result.

Data goes to stdout (text or `--json`), messages and errors to stderr, one line each.
Exit codes: 0 all good, 1 some items failed (or nothing found), 2 usage or configuration
error, 3 the archive cannot be opened or written, 4 another run holds the archive's lock,
130 interrupted (Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import signal
import sys
from dataclasses import asdict, replace
from pathlib import Path

import click

from archiver import __version__, cli_read, render
from archiver.cli_common import (
    CONTEXT_SETTINGS,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    archive_at,
    config_option,
    db_option,
    fail,
    finish,
    guarded,
    json_option,
    load_settings,
    locked,
    session,
)
from archiver.config import describe
from archiver.errors import (
    ArchiverError,
    ConfigError,
    NotAnArticle,
)

# _HEAVY: the download and extraction side (httpx, trafilatura, feedparser...) is imported
# inside the commands that use it: 0.15 s that `search`, `show` or `stats` need not pay.


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
    from archiver import pipeline  # (see _HEAVY)

    with session(config_path, db_path, required=False, create=True) as (config, db):
        report = pipeline.fetch_urls(urls, config, db, on_result=render.print_result)
    finish(report)


@cli.command()
@config_option
@db_option
@json_option
@click.option(
    "--source", "names", multiple=True, metavar="NAME", help="Only this source (repeatable)."
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Append the error lines and the summary to this file (UTC-stamped), not stderr.",
)
def run(
    config_path: Path | None,
    db_path: Path | None,
    as_json: bool,
    names: tuple[str, ...],
    log_file: Path | None,
) -> None:
    """Archive every source listed in the configuration (the cron job).

    Quiet unless something fails: errors on stderr, then one summary line; a progress bar
    on a terminal; each line starts with the UTC time when stderr is a pipe or a file;
    --json prints the run report on stdout.

    Example: archiver run --config /etc/archiver/config.toml --log-file /var/log/archiver.log
    """
    try:
        with render.log_lines(log_file):
            _run(config_path, db_path, as_json, names)
    except OSError as exc:  # the log file cannot be written
        fail(f"{log_file}: {exc.strerror or exc}", EXIT_USAGE)


def _run(
    config_path: Path | None, db_path: Path | None, as_json: bool, names: tuple[str, ...]
) -> None:
    from archiver import pipeline  # (see _HEAVY)

    config = load_settings(config_path, required=True)
    if not config.sources:
        fail(f"{config.path}: no [[sources]] configured", EXIT_USAGE)
    try:
        config = config.only_sources(names)
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    path = db_path or config.archive.path
    with (
        locked(path, record_refusal=True),
        archive_at(path) as db,
        render.Progress(enabled=sys.stderr.isatty()) as progress,
    ):
        try:
            report = pipeline.run_sources(
                config, db, on_result=progress.result, on_planned=progress.planned
            )
        except KeyboardInterrupt:
            fail(
                "interrupted; what was stored is kept, the run is marked interrupted",
                EXIT_INTERRUPTED,
            )
    if as_json:
        render.print_json(render.report_json(report))
    finish(report)


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
    from archiver.reextract import reextract as reextract_archive  # (see _HEAVY)

    with session(config_path, db_path, required=False) as (config, db):
        report = guarded(lambda: reextract_archive(config, db, site=site))
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
@click.option(
    "--min-words",
    type=click.IntRange(min=0),
    help="Override [extract] min_words (0 shows the text of a page refused as too short).",
)
@config_option
@json_option
def extract(target: str, min_words: int | None, config_path: Path | None, as_json: bool) -> None:
    """Print what the extractor keeps of a page, without storing anything.

    Example: archiver extract saved-page.html --json
    """
    from archiver import pipeline  # (see _HEAVY)

    config = load_settings(config_path, required=False)
    if min_words is not None:
        config = replace(config, extract=replace(config.extract, min_words=min_words))
    try:
        article = pipeline.extract_target(target, config)
    except NotAnArticle as exc:
        fail(f"{target}: not an article: {exc}", EXIT_FAILED)
    except ArchiverError as exc:
        fail(str(exc), EXIT_FAILED)
    if as_json:
        render.print_json({**asdict(article), "word_count": article.word_count})
    else:
        click.echo(article.text)


@cli.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@config_option
@db_option
def import_command(files: tuple[Path, ...], config_path: Path | None, db_path: Path | None) -> None:
    """Archive the HTML pages of WARC files (ours, wget's, Browsertrix's, Common Crawl's):
    the same extractor, revisions and dedupe as a run.

    Example: archiver import crawl-2024-03.warc.gz
    """
    from archiver.ingest import import_warcs  # (see _HEAVY)

    for path in files:
        if not path.is_file():
            fail(f"{path}: {'a directory' if path.is_dir() else 'no such file'}", EXIT_USAGE)
    total = sum(path.stat().st_size for path in files)
    bar = click.progressbar(length=total, label="importing", file=sys.stderr)
    shown = sys.stderr.isatty()
    with session(config_path, db_path, required=False, create=True) as (config, db):
        report = guarded(
            lambda: import_warcs(
                config,
                db,
                files,
                on_problem=lambda line: click.echo(line, err=True),
                on_progress=bar.update if shown else None,
            )
        )
    if shown:
        bar.render_finish()
    counts = ", ".join(f"{n} {outcome}" for outcome, n in report.counts.items())
    click.echo(f"archiver: {len(files)} WARC files: {counts}", err=True)
    sys.exit(EXIT_FAILED if report.failed else EXIT_OK)


@cli.command()
@config_option
def check(config_path: Path | None) -> None:
    """Check a configuration without downloading anything: every key, URL, CSS selector
    and regular expression; then list its sources and site rules.

    Example: archiver check --config /etc/archiver/config.toml
    """
    config = load_settings(config_path, required=True)
    render.check_report(config.path, describe(config))
    if not config.sources:
        fail(
            f"{config.path}: no [[sources]] configured: `archiver run` has nothing to do",
            EXIT_USAGE,
        )


for _command in cli_read.COMMANDS:
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point: SIGTERM stops a run as Ctrl-C does, cleanly."""
    signal.signal(signal.SIGTERM, _interrupt)
    cli(prog_name="archiver")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
