"""Re-extraction of the archive (`archiver reextract`): today's extractor, site rules and
learned templates over every stored page, no download."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from archiver import __version__, archive
from archiver.archive import Database, StoredPage
from archiver.charsets import decode_html
from archiver.errors import ExtractError
from archiver.executor import Executor, capacity, open_executor
from archiver.models import Article
from archiver.settings import Config
from archiver.urls import host_of

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
    """Run today's extractor over every stored page (of one site), on the local pool or the
    cluster (`open_executor`): a changed extraction updates the article in place and is
    logged in `reextractions`, not as a revision."""
    with open_executor(config) as executor:
        return asyncio.run(_reextract(config, db, executor, site, now))


async def _reextract(
    config: Config, db: Database, executor: Executor, site: str | None, now: Clock
) -> ReextractReport:
    counts = {"seen": 0, "changed": 0, "unchanged": 0}
    failed: list[str] = []
    templates: dict[str, frozenset[str]] = {}
    window: deque[tuple[StoredPage, asyncio.Future[Article]]] = deque()
    limit = 2 * capacity(executor, config)

    def store(stored: StoredPage, done: asyncio.Future[Article]) -> None:
        try:
            article = done.result()
        except ExtractError as exc:
            archive.log_reextraction_failure(
                db, stored.article_url, exc.reason, at=now(), extractor=__version__
            )
            failed.append(f"{stored.article_url}: {exc}")
            return
        changed = archive.apply_reextraction(
            db, stored.article_url, article, at=now(), extractor=__version__
        )
        counts["changed" if changed else "unchanged"] += 1

    for stored in archive.stored_pages(db, site):
        counts["seen"] += 1
        host = host_of(stored.article_url)
        if host not in templates:
            templates[host] = archive.template_fingerprints(
                db, host, config.extract.template_min_pages
            )
        html = decode_html(stored.raw, stored.encoding)[0]
        pending = asyncio.ensure_future(
            executor.extract(
                html,
                stored.fetched_url,
                min_words=config.extract.min_words,
                site_rule=config.site_rule(stored.fetched_url),
                boilerplate=templates[host],
            )
        )
        window.append((stored, pending))
        if len(window) >= limit:
            await asyncio.wait([window[0][1]])
        while window and window[0][1].done():
            store(*window.popleft())
    for stored, task in window:
        await asyncio.wait([task])
        store(stored, task)
    return ReextractReport(failed=tuple(failed), **counts)
