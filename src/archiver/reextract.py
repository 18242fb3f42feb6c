"""Re-extraction of the archive (`archiver reextract`): today's extractor, site rules and
learned templates over every stored page, no download."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from archiver import __version__, archive
from archiver.archive import Database
from archiver.config import Config
from archiver.errors import ExtractError
from archiver.extraction import extract_article
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
    """Run today's extractor over every stored page (of one site): a changed extraction
    updates the article in place and is logged in `reextractions`, not as a revision."""
    counts = {"seen": 0, "changed": 0, "unchanged": 0}
    failed: list[str] = []
    templates: dict[str, frozenset[str]] = {}
    for stored in archive.stored_pages(db, site):
        counts["seen"] += 1
        host = host_of(stored.article_url)
        if host not in templates:
            templates[host] = archive.template_fingerprints(
                db, host, config.extract.template_min_pages
            )
        try:
            article = extract_article(
                stored.raw,
                stored.fetched_url,
                encoding=stored.encoding,
                min_words=config.extract.min_words,
                site_rule=config.site_rule(stored.fetched_url),
                boilerplate=templates[host],
            )
        except ExtractError as exc:
            archive.log_reextraction_failure(
                db, stored.article_url, exc.reason, at=now(), extractor=__version__
            )
            failed.append(f"{stored.article_url}: {exc}")
            continue
        changed = archive.apply_reextraction(
            db, stored.article_url, article, at=now(), extractor=__version__
        )
        counts["changed" if changed else "unchanged"] += 1
    return ReextractReport(failed=tuple(failed), **counts)
