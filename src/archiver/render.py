"""What the command line prints: data on stdout (text, JSON, JSON Lines, CSV), one line per
failure and a summary on stderr, a progress bar on a terminal. No logic, no archive access."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import click

from archiver.archive import export, queries
from archiver.models import OUTCOMES, ItemResult, RunReport

LEFT_OUT = ("too_old", "excluded")  # entries a source listed that never became candidates
SHOWN_FIELDS = (
    "url",
    "author",
    "published",
    "sitename",
    "language",
    "description",
    "canonical_url",
    "image",
    "first_seen",
    "last_checked",
    "last_changed",
    "word_count",
    "revisions",
)
STATS_SECTIONS = (
    ("per site", "per_site", "site"),
    ("per language", "per_language", "language"),
    ("per month", "per_month", "month"),
    ("failures by reason", "failures_by_reason", "reason"),
)


class Progress:
    """Failures as one stderr line each; a progress bar on a terminal."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.render_finish()

    def planned(self, total: int) -> None:
        """Start the bar once the run knows how many pages it will download."""
        if self.enabled and total:
            self.bar = click.progressbar(length=total, label="archiving", file=sys.stderr)

    def result(self, result: ItemResult) -> None:
        """One item done: an error line if it failed; the bar moves for downloads only."""
        if result.outcome == "failed":
            click.echo(f"error: {result.message}", err=True)
        if self.bar is not None and result.reason not in ("cap", "not_due", "not_article", "gone"):
            self.bar.update(1)


class _Stamped(io.TextIOBase):
    """A text stream that starts each line with the UTC time, ISO 8601 to the second."""

    def __init__(self, target: TextIO) -> None:
        self.target = target
        self.fresh = True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # so that click sees a text stream, not a binary one
            raise TypeError("text only")
        for piece in text.splitlines(keepends=True):
            if self.fresh:
                self.target.write(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ "))
            self.target.write(piece)
            self.fresh = piece.endswith("\n")
        return len(text)

    def flush(self) -> None:
        self.target.flush()


def _is_log(stream: TextIO) -> bool:
    """A pipe or a file (cron's mail, systemd's journal, `>> log 2>&1`), not a terminal nor
    an in-memory capture."""
    try:
        stream.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return False
    return not stream.isatty()


@contextlib.contextmanager
def log_lines(log_file: Path | None) -> Iterator[None]:
    """Stderr for unattended runs: each line stamped with the UTC time when stderr is a pipe
    or a file, or, with `log_file`, appended to that file (stamped) instead of stderr."""
    if log_file is None and not _is_log(sys.stderr):
        yield
        return
    with contextlib.ExitStack() as stack:
        target = (
            stack.enter_context(log_file.open("a", encoding="utf-8")) if log_file else sys.stderr
        )
        with contextlib.redirect_stderr(_Stamped(target)):
            yield


def print_json(data: Any) -> None:
    """Indented JSON on stdout, non-ASCII kept as is."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def print_rows(rows: list[dict[str, Any]], fmt: str | None) -> None:
    """Rows as a JSON array, JSON Lines or CSV; nothing for the text format."""
    if fmt == "json":
        print_json(rows)
    elif fmt == "nl":
        export.write_jsonl(rows, sys.stdout)
    elif fmt == "csv" and rows:
        export.write_csv(rows, sys.stdout, rows[0].keys())


def print_result(result: ItemResult) -> None:
    """One fetched URL: its outcome and article on stdout, or an error line on stderr."""
    if result.outcome == "failed":
        click.echo(f"error: {result.message}", err=True)
    else:
        click.echo(f"{result.outcome}\t{result.article_url}\t{result.title or ''}")


def report_json(report: RunReport) -> dict[str, Any]:
    """A run's report for `archiver run --json`."""
    return {
        "run_id": report.run_id,
        "sources": [asdict(s) for s in report.by_source()],
        "skipped_by_reason": _skips(report),
        "errors": [r.message for r in report.failed],
    }


def _skips(report: RunReport, *, left_out: bool | None = None) -> dict[str, int]:
    """Skips by reason over all sources: those of the plan (`left_out=False`), the entries
    no source wanted (`True`: too_old, excluded), or both (None)."""
    total: dict[str, int] = {}
    for source in report.by_source():
        for reason, n in source.skipped_by_reason.items():
            if left_out is None or (reason in LEFT_OUT) is left_out:
                total[reason] = total.get(reason, 0) + n
    return dict(sorted(total.items()))


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {reason}" for reason, n in counts.items())


def summary(report: RunReport) -> None:
    """The summary of a run or a fetch, on stderr: first a line for each source that yielded
    nothing, saying why (not for a feed unchanged since the last run); then one line: URLs
    by outcome (skips by reason), the entries the sources listed and did not want, and the
    sources that failed (a feed or sitemap that could not be read), if any."""
    for source in report.by_source():
        if source.note and "(304)" not in source.note:
            click.echo(f"archiver: source {source.source}: {source.note}", err=True)
    parts = []
    for outcome in OUTCOMES:
        part = f"{report.count(outcome)} {outcome}"
        if outcome == "skipped" and (skips := _skips(report, left_out=False)):
            part += f" ({_counted(skips)})"
        parts.append(part)
    run = f"run {report.run_id}: " if report.run_id else ""
    tail = ""
    if left := _skips(report, left_out=True):
        tail += f"; {sum(left.values())} entries not wanted ({_counted(left)})"
    # A source is not a URL: counted in its own words.
    sources = len({e.source for e in report.source_errors})
    if sources:
        tail += f"; {sources} source{'s' if sources != 1 else ''} failed"
    click.echo(f"archiver: {run}{len(report.results)} URLs: {', '.join(parts)}{tail}", err=True)


def runs_table(rows: Iterable[dict[str, Any]]) -> None:
    """`archiver runs` as a table."""
    click.echo(
        "  id  started                    status       found   new  chg  same  skip  fail"
        "  skipped by reason"
    )
    for r in rows:
        counts = [
            r[k] or 0 for k in ("discovered", "new", "changed", "unchanged", "skipped", "failed")
        ]
        skips = " ".join(f"{k}={n}" for k, n in (r.get("skipped_by_reason") or {}).items())
        click.echo(
            f"{r['id']:>4}  {r['started_at']:<25}  {r['status']:<11} "
            "{:>6} {:>5} {:>4} {:>5} {:>5} {:>5}".format(*counts)
            + (f"  {skips}" if skips else "")
        )


def check_report(path: object, lines: Iterable[str]) -> None:
    """`archiver check`: the file is valid, and what it holds."""
    click.echo(f"{path}: ok")
    for line in lines:
        click.echo(line)


def search_results(rows: Iterable[dict[str, Any]]) -> None:
    """Search hits as text: date and title, URL, snippet."""
    for row in rows:
        click.echo(f"{row['published'] or '----------'}  {row['title'] or '(no title)'}")
        click.echo(f"  {row['url']}")
        click.echo(f"  {row['snippet']}")


def history_lines(versions: Sequence[queries.Version], *, diff: bool) -> None:
    """Each version with its dates, and what changed from the one before (`diff`)."""
    for old, new in zip([None, *versions], versions, strict=False):
        until = new.valid_to or "now"
        click.echo(
            f"version {new.number}: {new.valid_from} → {until}  "
            f"{new.word_count} words  {new.title or ''}"
        )
        if diff and old is not None:
            click.echo(queries.version_diff(old, new))


def stats_text(figures: dict[str, Any]) -> None:
    """`archiver stats` as text."""
    click.echo(
        f"articles: {figures['articles']}  revisions: {figures['revisions']} "
        f"(of {figures['edited_articles']} articles)"
    )
    for title, key, label in STATS_SECTIONS:
        click.echo(f"\n{title}:")
        count_key = "failures" if key == "failures_by_reason" else "articles"
        for row in figures[key]:
            click.echo(f"  {row[count_key]:>8}  {row[label] or '(unknown)'}")


def article_text(row: dict[str, Any]) -> None:
    """One archived article: title, fields, tags, then its text."""
    click.echo(row["title"] or "(no title)")
    for key in SHOWN_FIELDS:
        click.echo(f"{key}: {row[key] if row[key] is not None else ''}")
    click.echo(f"tags: {', '.join(row['tags'])}")
    click.echo("")
    click.echo(row["text"])
