"""`archiver import`: the HTML responses of WARC files archived as if downloaded now, through
the same extractor (on the local pool or the cluster), revisions and dedupe.

Records are read one at a time and extracted a bounded number at a time; they are stored in
file order, so the versions of an article come back in the order they were captured. A
revisit record is an unchanged re-check. A record that is not a page, a bad charset or a
damaged file is one line (`on_problem`) and a row of the fetch log; the import goes on.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from archiver import archive
from archiver.archive import Database
from archiver.archive.warc import WarcCapture, WarcProblem, already_archived, read_warc
from archiver.errors import ExtractError, NotAnArticle
from archiver.executor import Executor, capacity, open_executor
from archiver.models import Article, FetchRecord
from archiver.settings import Config
from archiver.urls import host_of

OnLine = Callable[[str], None]


@dataclass
class ImportReport:
    """Counts of an import: records stored as new, changed or unchanged, skipped, failed."""

    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("new", "changed", "unchanged", "skipped", "failed"), 0
        )
    )

    @property
    def failed(self) -> int:
        """Records that could not be archived (not an article, damaged, not a page...)."""
        return self.counts["failed"]


@dataclass
class _Import:
    config: Config
    db: Database
    executor: Executor
    on_problem: OnLine
    source: str = ""
    run: str | None = None
    templates: dict[str, frozenset[str]] = field(default_factory=dict)
    report: ImportReport = field(default_factory=ImportReport)


def import_warcs(
    config: Config,
    db: Database,
    paths: Iterable[Path],
    *,
    on_problem: OnLine,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Archive the HTML responses of the WARC files `paths`, in order; `on_progress` gets
    the bytes of each file once it is read."""
    with open_executor(config) as executor, archive.WriteBatch(db) as batch:
        state = _Import(config, db, executor, on_problem)

        async def go() -> None:
            for path in paths:
                state.source, state.run, state.templates = path.name, None, {}
                await _import_file(state, path, batch)
                if on_progress is not None:
                    on_progress(path.stat().st_size)

        asyncio.run(go())
    return state.report


async def _import_file(state: _Import, path: Path, batch: archive.WriteBatch) -> None:
    """Extract ahead (a bounded window), store in file order."""
    window: deque[tuple[WarcCapture, asyncio.Task[Article] | None]] = deque()
    limit = 2 * capacity(state.executor, state.config)
    for item in read_warc(path, max_bytes=state.config.fetch.max_bytes):
        if isinstance(item, WarcProblem):
            _problem(state, item)
            continue
        if already_archived(state.db, item.url, item.record.fetched_at):
            state.report.counts["skipped"] += 1  # imported before, or older than the archive
            continue
        if item.run != state.run:  # a new run of ours: its site templates are learned anew
            while window:
                await _store(state, *window.popleft())
                batch.tick()
            state.run, state.templates = item.run, {}
        window.append((item, _extract(state, item)))
        while len(window) >= limit or (window and _ready(window[0][1])):
            await _store(state, *window.popleft())
            batch.tick()
    while window:
        await _store(state, *window.popleft())
        batch.tick()


def _ready(task: asyncio.Task[Article] | None) -> bool:
    return task is None or task.done()


def _extract(state: _Import, item: WarcCapture) -> asyncio.Task[Article] | None:
    if item.page is None:
        return None
    host = host_of(item.url)
    if host not in state.templates:
        state.templates[host] = archive.template_fingerprints(
            state.db, host, state.config.extract.template_min_pages
        )
    return asyncio.ensure_future(
        state.executor.extract(
            item.page.html,
            item.url,
            min_words=state.config.extract.min_words,
            site_rule=state.config.site_rule(item.url),
            boilerplate=state.templates[host],
        )
    )


async def _store(state: _Import, item: WarcCapture, task: asyncio.Task[Article] | None) -> None:
    source = item.source or state.source
    if task is None or item.page is None:  # a revisit: the page was seen unchanged
        key = archive.mark_not_modified(state.db, item.url, item.record, source=source)
        state.report.counts["unchanged" if key else "skipped"] += 1
        return
    if item.charset_note:
        state.on_problem(f"warning: {item.charset_note}")
    try:
        article = await task
    except ExtractError as exc:
        outcome = "skipped" if isinstance(exc, NotAnArticle) else "failed"
        _log(state, item.record, exc.reason, f"{item.url}: {exc}", outcome, source)
        return
    saved = archive.save_article(state.db, _fill_gaps(article, item), item.page, source=source)
    state.report.counts[saved.outcome] += 1


def _fill_gaps(article: Article, item: WarcCapture) -> Article:
    """What the page did not say, from what the archive had kept (our metadata record)."""
    hints = item.hints
    if hints is None:
        return article
    return replace(
        article,
        title=article.title or hints.title,
        author=article.author or hints.author,
        published=article.published or hints.published,
        description=article.description or hints.summary,
    )


def _problem(state: _Import, problem: WarcProblem) -> None:
    record = FetchRecord(url=problem.url, fetched_at=problem.fetched_at or datetime.now(UTC))
    outcome = "failed" if problem.reason == "warc_corrupt" else "skipped"
    _log(state, record, problem.reason, problem.message, outcome, state.source)


def _log(
    state: _Import, record: FetchRecord, reason: str, message: str, outcome: str, source: str
) -> None:
    state.on_problem(f"error: {message}")
    archive.record_failure(
        state.db, record, reason=reason, message=message, source=source, outcome=outcome
    )
    state.report.counts[outcome] += 1
