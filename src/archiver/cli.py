"""The `archiver` command line: parse options, call one library function, render the result.

Data goes to stdout (text or `--json`), messages and errors to stderr, one line each.
Exit codes: 0 all good, 1 some items failed (or nothing found), 2 usage or configuration
error, 3 the archive cannot be opened or written, 4 another run holds the archive's lock,
130 interrupted (Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, NoReturn

import click

from archiver import __version__, render
from archiver.archive import (
    Database,
    datasette,
    export,
    open_archive,
    queries,
    record_refused_run,
)
from archiver.config import DEFAULT_CONFIG, Config, describe, load_config, locate_config
from archiver.errors import (
    ArchiveLocked,
    ArchiverError,
    ClusterUnreachable,
    ConfigError,
    DatasetteMissing,
    NotAnArticle,
    QueryError,
    StoreError,
)
from archiver.models import RunReport
from archiver.runlock import run_lock

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ARCHIVE, EXIT_LOCKED = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130
# _HEAVY: the download and extraction side (httpx, trafilatura, feedparser...) is imported
# inside the commands that use it: 0.15 s that `search`, `show` or `stats` need not pay.
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
    from archiver import pipeline  # (see _HEAVY)

    with _session(config_path, db_path, required=False, create=True) as (config, db):
        report = pipeline.fetch_urls(urls, config, db, on_result=render.print_result)
    _finish(report)


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
        _fail(f"{log_file}: {exc.strerror or exc}", EXIT_USAGE)


def _run(
    config_path: Path | None, db_path: Path | None, as_json: bool, names: tuple[str, ...]
) -> None:
    from archiver import pipeline  # (see _HEAVY)

    config = _load(config_path, required=True)
    if not config.sources:
        _fail(f"{config.path}: no [[sources]] configured", EXIT_USAGE)
    try:
        config = config.only_sources(names)
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    path = db_path or config.archive.path
    with (
        _locked(path, record_refusal=True),
        _archive(path) as db,
        render.Progress(enabled=sys.stderr.isatty()) as progress,
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
        render.print_json(render.report_json(report))
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
        rows = _guarded(lambda: queries.recent_runs(db, limit))
    if as_json:
        render.print_json(rows)
    else:
        render.runs_table(rows)


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

    with _session(config_path, db_path, required=False) as (config, db):
        report = _guarded(lambda: reextract_archive(config, db, site=site))
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

    config = _load(config_path, required=False)
    if min_words is not None:
        config = replace(config, extract=replace(config.extract, min_words=min_words))
    try:
        article = pipeline.extract_target(target, config)
    except NotAnArticle as exc:
        _fail(f"{target}: not an article: {exc}", EXIT_FAILED)
    except ArchiverError as exc:
        _fail(str(exc), EXIT_FAILED)
    if as_json:
        render.print_json({**asdict(article), "word_count": article.word_count})
    else:
        click.echo(article.text)


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--site, --author, --language, --source, --since, --until."""
    options = [
        click.option("--site", metavar="HOST_OR_NAME", help="A host (www. ignored) or site name."),
        click.option("--author", help="Part of the author line."),
        click.option("--language", metavar="CODE", help="Language code, e.g. fr."),
        click.option("--source", help="A [[sources]] name."),
        click.option(
            "--since",
            type=DATE,
            help="Article date (published, else first seen) on or after YYYY-MM-DD.",
        ),
        click.option("--until", type=DATE, help="Article date on or before YYYY-MM-DD."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


DATE = click.DateTime(formats=["%Y-%m-%d"])


def _filters(options: dict[str, Any], **extra: Any) -> queries.Filters:
    dates = {
        k: options[k].date().isoformat() if options.get(k) else None for k in ("since", "until")
    }
    return queries.Filters(
        site=options.get("site"),
        author=options.get("author"),
        language=options.get("language"),
        source=options.get("source"),
        **dates,
        **extra,
    )


@cli.command()
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
    with _session(config_path, db_path, required=False) as (_, db):
        rows = _guarded(lambda: queries.search_articles(db, query, limit, _filters(options)))
    render.print_rows(rows, fmt)
    if fmt is None:
        render.search_results(rows)
    if not rows:
        _fail(f"no article matches {query!r}", EXIT_FAILED)


@cli.command()
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
    with _session(config_path, db_path, required=False) as (_, db):
        versions = _guarded(lambda: queries.history(db, url))
    if versions is None:
        _fail(f"{url}: not in the archive", EXIT_FAILED)
    if as_json:
        render.print_json([asdict(v) for v in versions])
    else:
        render.history_lines(versions, diff=show_diff)


@cli.command(name="export")
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
        _fail("--format warc: give the file to write with --output FILE.warc.gz", EXIT_USAGE)
    if fmt in ("markdown", "text") and output is None:
        _fail(
            f"--format {fmt} writes one file per article: give a folder with --output", EXIT_USAGE
        )
    since = changed_since.isoformat() if changed_since else None
    filters = _filters(options, changed_since=since)
    with _session(config_path, db_path, required=False) as (_, db):
        if fmt == "warc" and output is not None:
            from archiver.archive import warc  # (see _HEAVY)

            with output.open("wb") as out:
                done = _guarded(lambda: warc.write_warc(db, out, filters))
            click.echo(
                f"archiver: exported {done.articles} articles: {done.responses} responses, "
                f"{done.revisits} revisits",
                err=True,
            )
            return
        rows = queries.export_rows(db, filters)
        count = _guarded(lambda: export.write(rows, fmt, output, queries.EXPORT_COLUMNS))
    click.echo(f"archiver: exported {count} articles", err=True)


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
            _fail(f"{path}: {'a directory' if path.is_dir() else 'no such file'}", EXIT_USAGE)
    total = sum(path.stat().st_size for path in files)
    bar = click.progressbar(length=total, label="importing", file=sys.stderr)
    shown = sys.stderr.isatty()
    with _session(config_path, db_path, required=False, create=True) as (config, db):
        report = _guarded(
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
@db_option
@json_option
def stats(config_path: Path | None, db_path: Path | None, as_json: bool) -> None:
    """Articles per site, language and month; revisions; failures by reason.

    Example: archiver stats --json
    """
    with _session(config_path, db_path, required=False) as (_, db):
        figures = _guarded(lambda: queries.stats(db))
    if as_json:
        render.print_json(figures)
    else:
        render.stats_text(figures)


@cli.command()
@config_option
def check(config_path: Path | None) -> None:
    """Check a configuration without downloading anything: every key, URL, CSS selector
    and regular expression; then list its sources and site rules.

    Example: archiver check --config /etc/archiver/config.toml
    """
    config = _load(config_path, required=True)
    render.check_report(config.path, describe(config))
    if not config.sources:
        _fail(
            f"{config.path}: no [[sources]] configured: `archiver run` has nothing to do",
            EXIT_USAGE,
        )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@config_option
@db_option
def serve(host: str, port: int, config_path: Path | None, db_path: Path | None) -> None:
    """Browse, facet and search the archive in Datasette (needs the `datasette` extra).

    Example: archiver serve --port 8001
    """
    config = _load(config_path, required=False)
    path = db_path or config.archive.path
    _require_archive(path, no_config=config.path is None and db_path is None)
    with _archive(path):  # an unreadable file is one line here; migrations are applied
        pass
    try:
        sys.exit(datasette.serve(path, host=host, port=port))
    except DatasetteMissing as exc:
        _fail(str(exc), EXIT_USAGE)


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
        row = _guarded(lambda: queries.find_article(db, url))
    if row is None:
        _fail(f"{url}: not in the archive", EXIT_FAILED)
    if as_json:
        render.print_json({k: v for k, v in row.items() if k != "raw_sha256"})
    else:
        render.article_text(row)


def main() -> None:
    """Console-script entry point: SIGTERM stops a run as Ctrl-C does, cleanly."""
    signal.signal(signal.SIGTERM, _interrupt)
    cli(prog_name="archiver")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _load(config_path: Path | None, *, required: bool) -> Config:
    path, named_by = locate_config(config_path)
    try:
        return load_config(path, required=required or named_by is not None, named_by=named_by)
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)


@contextmanager
def _session(
    config_path: Path | None, db_path: Path | None, *, required: bool, create: bool = False
) -> Iterator[tuple[Config, Database]]:
    """The config and the archive; a read command (`create` False) never creates one."""
    config = _load(config_path, required=required)
    path = db_path or config.archive.path
    if not create:
        _require_archive(path, no_config=config.path is None and db_path is None)
    with _archive(path) as db:
        yield config, db


def _require_archive(path: Path, *, no_config: bool) -> None:
    if path.exists():
        return
    hint = (
        f"; no {DEFAULT_CONFIG} in {Path.cwd()} either: give --db PATH or --config PATH"
        if no_config
        else "; `archiver run`, `fetch` or `import` creates it"
    )
    _fail(f"{path.absolute()}: no archive there{hint}", EXIT_ARCHIVE)


@contextmanager
def _archive(path: Path) -> Iterator[Database]:
    db = _guarded(lambda: open_archive(path))
    try:
        yield db
    except StoreError as exc:
        _fail(str(exc), EXIT_ARCHIVE)
    except ClusterUnreachable as exc:
        _fail(str(exc), EXIT_USAGE)
    finally:
        db.close()


@contextmanager
def _locked(path: Path, *, record_refusal: bool = False) -> Iterator[None]:
    try:
        with run_lock(path):
            yield
    except ArchiveLocked as exc:
        if record_refusal:  # in `runs` too, when the archive opens without the lock
            with suppress(StoreError):
                db = open_archive(path)
                try:
                    record_refused_run(db, str(exc))
                finally:
                    db.close()
        _fail(str(exc), EXIT_LOCKED)
    except StoreError as exc:
        _fail(str(exc), EXIT_ARCHIVE)


def _guarded(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except StoreError as exc:
        _fail(str(exc), EXIT_ARCHIVE)
    except QueryError as exc:
        _fail(str(exc), EXIT_USAGE)


def _finish(report: RunReport) -> NoReturn:
    render.summary(report)
    sys.exit(EXIT_FAILED if report.failed else EXIT_OK)


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)
