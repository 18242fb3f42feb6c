"""Orchestration: candidates ─▶ fetch ─▶ extract ─▶ store; the one place that catches
per-item errors, so that one bad page never stops a run nor damages what is stored."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from pathlib import Path

import httpx
from sqlite_utils import Database

from archiver.config import Config
from archiver.discover import source_candidates, unique_candidates
from archiver.errors import ArchiverError, ExtractError, FetchError
from archiver.extract import extract_article
from archiver.fetch import Fetcher
from archiver.models import Article, Candidate, ItemResult, Page, RunReport
from archiver.store import record_failure, save_article
from archiver.urls import is_web_url

OnResult = Callable[[ItemResult], None]


def run_sources(
    config: Config,
    db: Database,
    *,
    on_result: OnResult | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> RunReport:
    """Archive every source of the configuration."""
    candidates = [c for source in config.sources for c in source_candidates(source)]
    return archive_candidates(candidates, config, db, on_result=on_result, transport=transport)


def fetch_urls(
    urls: Iterable[str],
    config: Config,
    db: Database,
    *,
    on_result: OnResult | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> RunReport:
    """Download, extract and store each URL now."""
    candidates = [Candidate(url, source="cli") for url in urls]
    return archive_candidates(candidates, config, db, on_result=on_result, transport=transport)


def archive_candidates(
    candidates: Iterable[Candidate],
    config: Config,
    db: Database,
    *,
    on_result: OnResult | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> RunReport:
    """Fetch candidates concurrently (within the politeness limits), then extract and store
    each one as it arrives; results come back in input order."""
    unique = unique_candidates(candidates)

    async def run() -> list[ItemResult]:
        async with Fetcher(config.fetch, transport=transport) as fetcher:
            tasks = [_archive_one(c, fetcher, config, db, on_result) for c in unique]
            return list(await asyncio.gather(*tasks))

    return RunReport(results=tuple(asyncio.run(run())))


async def _archive_one(
    candidate: Candidate,
    fetcher: Fetcher,
    config: Config,
    db: Database,
    on_result: OnResult | None,
) -> ItemResult:
    try:
        page = await fetcher.fetch_page(candidate.url)
    except FetchError as exc:
        if exc.record is not None:
            record_failure(
                db, exc.record, reason=exc.reason, message=str(exc), source=candidate.source
            )
        result = ItemResult(candidate.url, "failed", reason=exc.reason, message=str(exc))
    else:
        result = await _extract_and_store(candidate, page, config, db)
    if on_result is not None:
        on_result(result)
    return result


async def _extract_and_store(
    candidate: Candidate, page: Page, config: Config, db: Database
) -> ItemResult:
    try:
        # Extraction is CPU work: a worker thread lets downloads go on meanwhile.
        article: Article = await asyncio.to_thread(
            extract_article, page.html, page.final_url, min_words=config.extract.min_words
        )
    except ExtractError as exc:
        message = f"{candidate.url}: {exc}"
        record_failure(db, page.record, reason=exc.reason, message=message, source=candidate.source)
        return ItemResult(candidate.url, "failed", reason=exc.reason, message=message)
    saved = save_article(db, article, page, source=candidate.source)
    return ItemResult(candidate.url, saved.outcome, article_url=saved.url, title=article.title)


async def fetch_one_page(url: str, config: Config) -> Page:
    """Download one page without storing it (for `archiver extract URL`)."""
    async with Fetcher(config.fetch) as fetcher:
        return await fetcher.fetch_page(url)


def extract_target(target: str, config: Config) -> Article:
    """Extract the article of a local file or of a URL, without storing anything."""
    path = Path(target)
    if path.is_file():
        return extract_article(path.read_bytes(), None, min_words=config.extract.min_words)
    if not is_web_url(target):
        raise ArchiverError(f"{target}: no such file, and not an http(s) URL")
    page = asyncio.run(fetch_one_page(target, config))
    return extract_article(page.html, page.final_url, min_words=config.extract.min_words)
