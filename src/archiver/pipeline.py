"""Orchestration: sources ─▶ discover ─▶ plan ─▶ fetch ─▶ extract ─▶ store.

The one place that catches per-item errors, so that one bad page or feed never stops a run
nor damages what is stored. Each source's pages are queued per host as soon as its own
discovery ends, and taken by a fixed number of lanes from the host whose turn comes first
(`host_queue`); downloads run concurrently within the fetcher's politeness limits;
decoding, extraction, hashing and compression run in worker processes meanwhile; writes
are batched, each article all-or-nothing.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from archiver import archive, extraction, schedule
from archiver.archive import Database
from archiver.discover import unique_candidates
from archiver.errors import ArchiverError, ExtractError, FetchError
from archiver.executor import Executor, open_executor
from archiver.host_queue import HostQueues
from archiver.models import (
    Article,
    Candidate,
    ExtractedPage,
    FetchRecord,
    ItemResult,
    KnownUrl,
    NotModified,
    RawPage,
    RunReport,
    content_hash,
)
from archiver.settings import Config, SourceSettings
from archiver.sources import Clock, Discovery, OnResult, discover, utcnow
from archiver.urls import host_of, is_web_url
from archiver.web import Fetcher, Transport, fetch_one_page

# Failures of the extraction machinery, not judgements of the page: tried again next run.
EXTRACT_FAILURES = ("extract_timeout", "extract_crashed", "extract_error")
TRANSIENT = ("timeout", "connect_error", "network_error", "http_429", "http_5", *EXTRACT_FAILURES)
# A URL answered this way is `gone`: reported once, then re-checked on the slow schedule.
PERMANENT = ("http_404", "http_410", "robots")


@dataclass(kw_only=True)
class _Run(Discovery):
    """What a run carries between stages; results are collected as they come, so an
    interrupted run still reports what it did."""

    pool: Executor
    results: list[ItemResult] = field(default_factory=list)
    templates: dict[str, frozenset[str]] = field(default_factory=dict)
    known: dict[str, KnownUrl] = field(default_factory=dict)  # planned URLs the archive knew
    batch: archive.WriteBatch | None = None
    archived: int = 0  # pages taken from the queue and done with

    def lanes(self) -> int:
        """How many pages are between download and storage at most: memory stays flat."""
        return self.config.fetch.concurrency + 2 * max(self.config.extract.workers, 1)

    def report(self) -> RunReport:
        return RunReport(
            tuple(self.results),
            dict(self.discovered),
            tuple(self.source_errors),
            self.run_id,
            {k: dict(v) for k, v in self.left_out.items()},
            dict(self.notes),
        )

    def emit(self, result: ItemResult) -> None:
        self.results.append(result)
        if self.batch is not None:
            self.batch.tick()
        if self.on_result is not None:
            self.on_result(result)


def run_sources(
    config: Config,
    db: Database,
    *,
    on_result: OnResult | None = None,
    on_planned: Callable[[int], None] | None = None,
    transport: Transport | None = None,
    now: Clock = utcnow,
) -> RunReport:
    """Archive every source of the configuration: a recorded run (table `runs`)."""
    run_id = archive.start_run(db, now(), os.getpid())
    status = "interrupted"
    with _pool(config) as pool:
        fetcher = Fetcher(config.fetch, transport=transport)
        run = _Run(config, db, fetcher, run_id, on_result, now, pool=pool)
        try:
            with archive.WriteBatch(db) as run.batch:
                asyncio.run(_run_sources(run, on_planned))
            status = "failed" if run.report().all_sources_failed else "completed"
        finally:
            archive.finish_run(db, run_id, run.report(), status=status, ended_at=now())
    if config.archive.warc_dir is not None:  # [archive] warc_dir: a WARC file per run
        from archiver.archive.warc import write_run_warc

        write_run_warc(db, run_id, config.archive.warc_dir, now())
    return run.report()


def _pool(config: Config) -> Executor:
    return open_executor(config)


async def _run_sources(run: _Run, on_planned: Callable[[int], None] | None) -> None:
    async with run.fetcher:
        queue = HostQueues(run.fetcher.next_start)
        await _together(_discover_all(run, queue, on_planned), _drain(run, queue, conditional=True))
    for source in run.config.sources:
        _save_document_validators(run, source)


async def _discover_all(
    run: _Run, queue: HostQueues, on_planned: Callable[[int], None] | None
) -> None:
    """Discover every source at once, queueing each one's pages as soon as it is done."""

    async def one(source: SourceSettings) -> None:
        queue.put(_plan(run, *await discover(run, source)))

    try:
        await asyncio.gather(*(one(s) for s in run.config.sources))
    finally:
        queue.close()
    if on_planned is not None:
        on_planned(queue.total - run.archived)  # what is left, now that the total is known


async def _drain(run: _Run, queue: HostQueues, *, conditional: bool) -> None:
    """Archive what the queue hands out, in a fixed number of lanes."""

    async def lane() -> None:
        while (candidate := await queue.get()) is not None:
            await _archive(run, candidate, conditional=conditional)
            run.archived += 1

    await asyncio.gather(*(lane() for _ in range(run.lanes())))


async def _together(*jobs: Awaitable[None]) -> None:
    """Run jobs concurrently; the first error stops the others and is raised as is."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def fetch_urls(
    urls: Iterable[str],
    config: Config,
    db: Database,
    *,
    on_result: OnResult | None = None,
    transport: Transport | None = None,
) -> RunReport:
    """Download, extract and store each URL now (unconditionally, no run recorded)."""
    with _pool(config) as pool:
        fetcher = Fetcher(config.fetch, transport=transport)
        run = _Run(config, db, fetcher, on_result=on_result, pool=pool)

        async def go() -> None:
            async with run.fetcher:
                queue = HostQueues(run.fetcher.next_start)
                queue.put(unique_candidates(Candidate(url, "cli") for url in urls))
                queue.close()
                await _drain(run, queue, conditional=False)

        with archive.WriteBatch(db) as run.batch:
            asyncio.run(go())
    return run.report()


def _plan(run: _Run, source: SourceSettings, candidates: list[Candidate]) -> list[Candidate]:
    """Which candidates to download (see `schedule.skip_reason`); the rest is skipped."""
    todo, new = [], 0
    for candidate in candidates:
        known = archive.known_url(run.db, candidate.url) if is_web_url(candidate.url) else None
        watched = source.kind == "urls"
        if not watched and schedule.is_new(known):
            new += 1
        reason = schedule.skip_reason(
            known,
            candidate.lastmod,
            run.now(),
            run.config.recheck,
            watched=watched,
            over_cap=new > source.max_new,
        )
        if reason is None:
            todo.append(candidate)
            if known is not None:  # looked up once: a re-check's download needs it again
                run.known[candidate.url] = known
        else:
            run.emit(
                ItemResult(
                    candidate.url,
                    "skipped",
                    source.name,
                    known.article_url if known else None,
                    reason=reason,
                )
            )
    return todo


def _save_document_validators(run: _Run, source: SourceSettings) -> None:
    """Remember the validators of a source's documents, unless some of their entries were
    left for later (capped, or failed for a passing reason): then the next run reads them
    in full, so that nothing is lost to a 304."""
    mine = [r for r in run.results if r.source == source.name]
    unfinished = any(
        r.reason == "cap" or (r.outcome == "failed" and (r.reason or "").startswith(TRANSIENT))
        for r in mine
    )
    for url, kind, record in run.documents.get(source.name, []):
        if unfinished:
            archive.forget_validators(run.db, url)
        else:
            archive.save_validators(run.db, url, kind, record)


async def _archive(run: _Run, candidate: Candidate, *, conditional: bool) -> None:
    known = run.known.pop(candidate.url, None) if conditional else None
    if conditional and known is None:
        known = archive.known_url(run.db, candidate.url)
    refused = known is not None and known.article_url is None and known.kind == "not_article"
    validators = known is not None and (known.article_url is not None or refused)
    try:
        page = await run.fetcher.download_page(
            candidate.url,
            etag=known.etag if known and validators else None,
            last_modified=known.last_modified if known and validators else None,
        )
    except FetchError as exc:
        run.emit(_download_failed(run, candidate, exc, known))
        return
    if isinstance(page, NotModified):
        key = archive.mark_not_modified(
            run.db, candidate.url, page.record, source=candidate.source, run_id=run.run_id
        )
        if refused:
            run.emit(ItemResult(candidate.url, "skipped", candidate.source, reason="not_article"))
        else:
            run.emit(ItemResult(candidate.url, "unchanged", candidate.source, key))
        return
    run.emit(await _extract_and_store(run, candidate, page, refused=refused))


def _download_failed(
    run: _Run, candidate: Candidate, exc: FetchError, known: KnownUrl | None
) -> ItemResult:
    """Log a failed download. A permanent answer (404, 410, robots) to a URL a feed, sitemap
    or listing page offered marks it `gone`: it is reported the first time, then skipped as
    `gone` when it answers so again (it is re-checked on the slow schedule, see
    `schedule.is_due`). A URL the user listed (a `urls` source, `archiver fetch`) keeps
    failing aloud: only its user can take it out."""
    gone = exc.reason in PERMANENT and _discovered(run, candidate)
    again = gone and known is not None and known.kind == "gone"
    outcome = "skipped" if again or exc.reason == "robots" else "failed"
    record = exc.record or FetchRecord(url=candidate.url, fetched_at=run.now(), reason=exc.reason)
    archive.record_failure(
        run.db,
        record,
        reason=exc.reason,
        message=str(exc),
        source=candidate.source,
        run_id=run.run_id,
        outcome=outcome,
    )
    if gone:
        archive.save_validators(run.db, candidate.url, "gone", record)
    if again:
        return ItemResult(candidate.url, "skipped", candidate.source, reason="gone")
    return ItemResult(candidate.url, outcome, candidate.source, reason=exc.reason, message=str(exc))


def _discovered(run: _Run, candidate: Candidate) -> bool:
    """Whether a feed, sitemap or listing page offered the candidate (not the user)."""
    return any(s.name == candidate.source and s.kind != "urls" for s in run.config.sources)


async def _extract_and_store(
    run: _Run, candidate: Candidate, page: RawPage, *, refused: bool = False
) -> ItemResult:
    """Extract and store one page. A refusal (NotAnArticle, parse_error) marks the URL
    `not_article`; a page refused before and refused again (`refused`) is logged as skipped,
    without an error line: it was reported when it was first seen. A failure of the
    extraction itself (time-out, crash, anything unexpected) is this page's error only,
    and the page is tried again next run."""
    try:
        # CPU work (decoding included), done in worker processes while downloads go on.
        done = await run.pool.extract_page(
            page,
            min_words=run.config.extract.min_words,
            site_rule=run.config.site_rule(page.final_url),
            boilerplate=_templates(run, page.final_url),
        )
    except ExtractError as exc:
        message = f"{candidate.url}: {exc}"
        retry = exc.reason in EXTRACT_FAILURES
        again = refused and not retry
        archive.record_failure(
            run.db,
            page.record,
            reason=exc.reason,
            message=message,
            source=candidate.source,
            run_id=run.run_id,
            outcome="skipped" if again else "failed",
        )
        if not retry:
            archive.save_validators(run.db, candidate.url, "not_article", page.record)
        if again:
            return ItemResult(candidate.url, "skipped", candidate.source, reason="not_article")
        return ItemResult(
            candidate.url, "failed", candidate.source, reason=exc.reason, message=message
        )
    done = _with_hints(done, candidate)
    saved = archive.save_extracted(run.db, done, page, source=candidate.source, run_id=run.run_id)
    return ItemResult(candidate.url, saved.outcome, candidate.source, saved.url, done.article.title)


def _templates(run: _Run, url: str) -> frozenset[str]:
    """The site's template paragraphs, as learned from the archive (read once per run)."""
    host = host_of(url)
    if host not in run.templates:
        run.templates[host] = archive.template_fingerprints(
            run.db, host, run.config.extract.template_min_pages
        )
    return run.templates[host]


def _with_hints(done: ExtractedPage, candidate: Candidate) -> ExtractedPage:
    """Fill what the page did not say from what its feed entry said."""
    hints = candidate.hints
    if hints is None:
        return done
    article = done.article
    filled = replace(
        article,
        title=article.title or hints.title,
        author=article.author or hints.author,
        published=article.published or hints.published,
        description=article.description or hints.summary,
    )
    return replace(done, article=filled, content_hash=content_hash(filled))


def extract_target(target: str, config: Config) -> Article:
    """Extract the article of a local file or of a URL, without storing anything
    (`archiver extract`)."""
    path = Path(target)
    if path.is_file():
        return extraction.extract_article(
            path.read_bytes(), None, min_words=config.extract.min_words
        )
    if not is_web_url(target):
        raise ArchiverError(f"{target}: no such file, and not an http(s) URL", url=target)
    page = asyncio.run(fetch_one_page(target, config.fetch))
    return extraction.extract_article(
        page.html,
        page.final_url,
        min_words=config.extract.min_words,
        site_rule=config.site_rule(page.final_url),
    )
