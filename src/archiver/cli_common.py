"""What the `archiver` commands share: exit codes, common options, loading the config and
opening the archive, and turning archiver's errors into one `error:` line and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NoReturn

import click

from archiver import render
from archiver.archive import Database, open_archive, queries, record_refused_run
from archiver.config import DEFAULT_CONFIG, Config, load_config, locate_config
from archiver.errors import ArchiveLocked, ClusterUnreachable, ConfigError, QueryError, StoreError
from archiver.models import RunReport
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


def filters_from(options: dict[str, Any], **extra: Any) -> queries.Filters:
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


def load_settings(config_path: Path | None, *, required: bool) -> Config:
    path, named_by = locate_config(config_path)
    try:
        return load_config(path, required=required or named_by is not None, named_by=named_by)
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)


@contextmanager
def session(
    config_path: Path | None, db_path: Path | None, *, required: bool, create: bool = False
) -> Iterator[tuple[Config, Database]]:
    """The config and the archive; a read command (`create` False) never creates one."""
    config = load_settings(config_path, required=required)
    path = db_path or config.archive.path
    if not create:
        require_archive(path, no_config=config.path is None and db_path is None)
    with archive_at(path) as db:
        yield config, db


def require_archive(path: Path, *, no_config: bool) -> None:
    if path.exists():
        return
    hint = (
        f"; no {DEFAULT_CONFIG} in {Path.cwd()} either: give --db PATH or --config PATH"
        if no_config
        else "; `archiver run`, `fetch` or `import` creates it"
    )
    fail(f"{path.absolute()}: no archive there{hint}", EXIT_ARCHIVE)


@contextmanager
def archive_at(path: Path) -> Iterator[Database]:
    db = guarded(lambda: open_archive(path))
    try:
        yield db
    except StoreError as exc:
        fail(str(exc), EXIT_ARCHIVE)
    except ClusterUnreachable as exc:
        fail(str(exc), EXIT_USAGE)
    finally:
        db.close()


@contextmanager
def locked(path: Path, *, record_refusal: bool = False) -> Iterator[None]:
    """Hold the archive's run lock; a refused run is one line, exit 4 (and, with
    `record_refusal`, a `runs` row when the archive opens without the lock)."""
    try:
        with run_lock(path):
            yield
    except ArchiveLocked as exc:
        if record_refusal:
            with suppress(StoreError):
                db = open_archive(path)
                try:
                    record_refused_run(db, str(exc))
                finally:
                    db.close()
        fail(str(exc), EXIT_LOCKED)
    except StoreError as exc:
        fail(str(exc), EXIT_ARCHIVE)


def guarded(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except StoreError as exc:
        fail(str(exc), EXIT_ARCHIVE)
    except QueryError as exc:
        fail(str(exc), EXIT_USAGE)


def finish(report: RunReport) -> NoReturn:
    render.summary(report)
    sys.exit(EXIT_FAILED if report.failed else EXIT_OK)


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)
