"""Discovery of a run's sources: feeds, sitemaps (and the sitemaps they list), listing
pages and URL lists read into candidates, with the reasons the entries a source listed were
left out (too_old, excluded), a note for a source that yielded nothing, and known pages due
for a re-check. The parsing itself is `discover`'s; this module fetches the documents and
records what it read in the archive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from archiver import archive, schedule
from archiver.archive import Database
from archiver.discover import (
    MAX_DOCUMENT_BYTES,
    MAX_FEED_BYTES,
    parse_feed,
    parse_listing,
    parse_sitemap,
    select_candidates,
    source_candidates,
    unique_candidates,
)
from archiver.errors import DiscoveryError, FetchError
from archiver.models import Candidate, FetchRecord, ItemResult, NotModified, Page, parse_datetime
from archiver.settings import Config, SourceSettings
from archiver.web import Fetcher

OnResult = Callable[[ItemResult], None]
Clock = Callable[[], datetime]
MAX_SITEMAP_FILES = 500  # per source and run: an index that lists itself ends here


def utcnow() -> datetime:
    """The current time, tz-aware UTC (a run's default clock)."""
    return datetime.now(UTC)


@dataclass
class Discovery:
    """What discovering a run's sources reads and records; the run (`pipeline`) extends it."""

    config: Config
    db: Database
    fetcher: Fetcher
    run_id: int | None = None
    on_result: OnResult | None = None
    now: Clock = utcnow
    discovered: dict[str, int] = field(default_factory=dict)
    source_errors: list[ItemResult] = field(default_factory=list)
    # Validators of feeds, sitemaps and listing pages, saved only once their entries are
    # handled: a run killed mid-way must not make the next one get a 304 and miss them.
    documents: dict[str, list[tuple[str, str, FetchRecord]]] = field(default_factory=dict)
    left_out: dict[str, dict[str, int]] = field(default_factory=dict)  # too_old, excluded
    notes: dict[str, str] = field(default_factory=dict)  # why a source yielded nothing
    old_sitemaps: dict[str, int] = field(default_factory=dict)  # child sitemaps not read


async def discover(
    run: Discovery, source: SourceSettings
) -> tuple[SourceSettings, list[Candidate]]:
    """The candidates a source offers now; a source that fails is reported, not raised."""
    unchanged = False
    try:
        if source.kind == "urls":
            found = source_candidates(source)
        elif source.kind == "sitemap":
            found = await _sitemap_pages(run, source)
        else:
            page = await _document(run, source, source.urls[0], source.kind)
            unchanged = page is None
            if page is None:
                found = []
            elif source.kind == "feed":
                found = parse_feed(page.raw, page.final_url, source.name)
            else:
                found = parse_listing(page.html, page.final_url, source.links or "a", source.name)
            if page is not None:
                _read(run, source, page)
    except (FetchError, DiscoveryError) as exc:
        source_failed(run, source, exc)
        run.discovered[source.name] = 0
        return source, unique_candidates(_due_known(run, source))
    found = unique_candidates(found)
    wanted = select_candidates(found, source, run.now())
    run.discovered[source.name] = len(wanted)
    _count_left_out(run, source, found, wanted, unchanged=unchanged)
    return source, unique_candidates([*wanted, *_due_known(run, source)])


def _count_left_out(
    run: Discovery,
    source: SourceSettings,
    found: list[Candidate],
    wanted: list[Candidate],
    *,
    unchanged: bool,
) -> None:
    """Count the entries the source listed and left out (too_old, excluded), and say why
    a source yielded nothing."""
    kept = {c.url for c in wanted}
    cutoff = run.now() - timedelta(days=source.max_age_days) if source.max_age_days else None
    old = sum(
        1
        for c in found
        if c.url not in kept and cutoff and (when := parse_datetime(c.lastmod)) and when < cutoff
    )
    counts = {"too_old": old, "excluded": len(found) - len(wanted) - old}
    run.left_out[source.name] = {k: n for k, n in counts.items() if n}
    if wanted:
        return
    what = f"{source.kind}: {len(found)} entr{'y' if len(found) == 1 else 'ies'}"
    if unchanged:
        run.notes[source.name] = f"{source.kind}: unchanged since the last run (304)"
    elif not found:
        run.notes[source.name] = f"{what}"
    elif old == len(found):
        run.notes[source.name] = f"{what}, all older than max_age_days = {source.max_age_days:g}"
    else:
        parts = [f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n]
        run.notes[source.name] = f"{what}, none wanted ({', '.join(parts)})"
    if source.name in run.notes and source.name in run.old_sitemaps:
        n = run.old_sitemaps[source.name]
        run.notes[source.name] += f"; {n} child sitemap{'s' if n != 1 else ''} older than that"


def _read(run: Discovery, source: SourceSettings, page: Page) -> None:
    """A feed, sitemap or listing page read: in the fetch log (outcome `read`)."""
    archive.record_document(run.db, page.record, source=source.name, run_id=run.run_id)


def _due_known(run: Discovery, source: SourceSettings) -> list[Candidate]:
    """Articles of the source due for a re-check, and pages it refused (a stub may grow),
    whether or not the source lists them today."""
    if source.kind == "urls" or not run.config.recheck.steps:
        return []
    oldest = run.now() - timedelta(seconds=max(age for age, _ in run.config.recheck.steps))
    return [
        Candidate(known.url, source.name)
        for known in [
            *archive.recent_articles(run.db, source.name, oldest),
            *archive.recent_refusals(run.db, source.name, oldest),
        ]
        if schedule.is_due(known, None, run.now(), run.config.recheck)
    ]


async def _document(
    run: Discovery, source: SourceSettings, url: str, kind: str, *, conditional: bool = True
) -> Page | None:
    """A feed, sitemap or listing page, conditionally; None when unchanged since last run."""
    known = archive.known_url(run.db, url) if conditional else None
    result = await run.fetcher.fetch_document(
        url,
        etag=known.etag if known else None,
        last_modified=known.last_modified if known else None,
        max_bytes=MAX_FEED_BYTES if kind == "feed" else MAX_DOCUMENT_BYTES,
    )
    if isinstance(result, NotModified):
        archive.mark_not_modified(run.db, url, result.record, source=source.name, run_id=run.run_id)
        return None
    run.documents.setdefault(source.name, []).append((url, kind, result.record))
    return result


async def _sitemap_pages(run: Discovery, source: SourceSettings) -> list[Candidate]:
    """Every page of a sitemap and of the sitemaps it lists, each file read once."""
    queue, seen, pages = [source.urls[0]], set[str](), list[Candidate]()
    cutoff = (run.now().timestamp() - source.max_age_days * 86_400) if source.max_age_days else None
    while queue and len(seen) < MAX_SITEMAP_FILES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        top = url == source.urls[0]
        try:
            # The top sitemap is always read in full: an unchanged index can list child
            # sitemaps that changed, and only its body says which they are.
            page = await _document(run, source, url, "sitemap", conditional=not top)
            if page is None:
                continue
            sitemap = parse_sitemap(page.raw, page.final_url, source.name)
        except (FetchError, DiscoveryError) as exc:
            if top:
                raise
            source_failed(run, source, exc, url)  # one broken child: the others still count
            continue
        _read(run, source, page)
        pages.extend(sitemap.pages)
        for child, lastmod in sitemap.sitemaps:
            when = parse_datetime(lastmod)
            if child in seen:
                continue
            if cutoff and when and when.timestamp() < cutoff:
                run.old_sitemaps[source.name] = run.old_sitemaps.get(source.name, 0) + 1
            else:
                queue.append(child)
    return pages


def source_failed(
    run: Discovery, source: SourceSettings, exc: FetchError | DiscoveryError, url: str | None = None
) -> None:
    url = exc.url or url or source.urls[0]
    reason = exc.reason
    message = f"{source.name}: {exc}" if isinstance(exc, FetchError) else f"{url}: {exc}"
    record = (exc.record if isinstance(exc, FetchError) else None) or FetchRecord(
        url=url, fetched_at=run.now(), reason=reason, error=str(exc)
    )  # an unreadable document was downloaded fine: its failure is logged all the same
    archive.record_failure(
        run.db, record, reason=reason, message=message, source=source.name, run_id=run.run_id
    )
    result = ItemResult(url, "failed", source.name, reason=reason, message=message)
    run.source_errors.append(result)
    if run.on_result is not None:
        run.on_result(result)
