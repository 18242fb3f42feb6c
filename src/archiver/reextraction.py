"""Extraction outside a run: over the pages the archive has stored (`archiver reextract`),
or over one file or URL without storing anything (`archiver extract`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from archiver import __version__, store
from archiver.config import Config
from archiver.errors import ArchiverError, ExtractError
from archiver.extract import extract_article
from archiver.fetch import Fetcher
from archiver.models import Article, Page
from archiver.urls import host_of, is_web_url

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ReextractReport:
    """What `reextract` did: articles seen, changed, unchanged, and refused now."""

    seen: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: tuple[str, ...] = ()


def reextract(
    config: Config, db: Database, *, site: str | None = None, now: Clock = _utcnow
) -> ReextractReport:
    """Run today's extractor over every stored page (of one site): a changed extraction
    updates the article in place and is logged in `reextractions`, not as a revision."""
    counts = {"seen": 0, "changed": 0, "unchanged": 0}
    failed: list[str] = []
    templates: dict[str, frozenset[str]] = {}
    for stored in store.stored_pages(db, site):
        counts["seen"] += 1
        host = host_of(stored.article_url)
        if host not in templates:
            templates[host] = store.template_fingerprints(
                db, host, config.extract.template_min_pages
            )
        html = stored.html.decode(stored.encoding, errors="replace")
        try:
            article = extract_article(
                html,
                stored.fetched_url,
                min_words=config.extract.min_words,
                site_rule=config.site_rule(stored.fetched_url),
                boilerplate=templates[host],
            )
        except ExtractError as exc:
            store.log_reextraction_failure(
                db, stored.article_url, exc.reason, at=now(), extractor=__version__
            )
            failed.append(f"{stored.article_url}: {exc}")
            continue
        changed = store.apply_reextraction(
            db, stored.article_url, article, at=now(), extractor=__version__
        )
        counts["changed" if changed else "unchanged"] += 1
    return ReextractReport(failed=tuple(failed), **counts)


async def fetch_one_page(url: str, config: Config) -> Page:
    """Download one page without storing it (for `archiver extract URL`)."""
    async with Fetcher(config.fetch) as fetcher:
        page = await fetcher.fetch_page(url)
    assert isinstance(page, Page), "an unconditional request is never answered 304"
    return page


def extract_target(target: str, config: Config) -> Article:
    """Extract the article of a local file or of a URL, without storing anything."""
    path = Path(target)
    if path.is_file():
        return extract_article(path.read_bytes(), None, min_words=config.extract.min_words)
    if not is_web_url(target):
        raise ArchiverError(f"{target}: no such file, and not an http(s) URL")
    page = asyncio.run(fetch_one_page(target, config))
    return extract_article(
        page.html,
        page.final_url,
        min_words=config.extract.min_words,
        site_rule=config.site_rule(page.final_url),
    )
