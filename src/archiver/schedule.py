"""When to download a candidate: the re-check schedule, as pure functions of what the archive
knows of a URL, what its source says of it, and the time (table tests in test_schedule)."""

from __future__ import annotations

from datetime import datetime

from archiver.models import KnownUrl, parse_datetime
from archiver.settings import RecheckSettings


def is_due(known: KnownUrl, lastmod: str | None, now: datetime, recheck: RecheckSettings) -> bool:
    """A known URL is due when its source dates it after our last check, or when its re-check
    interval (by its age: published, else first seen) has passed."""
    checked = parse_datetime(known.last_checked)
    if checked is None:
        return True
    changed = parse_datetime(lastmod)
    if changed and changed > checked:
        return True
    born = parse_datetime(known.published) or parse_datetime(known.first_seen) or checked
    interval = recheck.interval((now - born).total_seconds())
    return interval is not None and (now - checked).total_seconds() >= interval


def is_new(known: KnownUrl | None) -> bool:
    """Never downloaded as an article, nor refused as one."""
    return known is None or (known.article_url is None and known.kind != "not_article")


def skip_reason(
    known: KnownUrl | None,
    lastmod: str | None,
    now: datetime,
    recheck: RecheckSettings,
    *,
    watched: bool,
    over_cap: bool,
) -> str | None:
    """Why a candidate is not downloaded this run, or None to download it: watched URLs
    always (conditionally); a new one unless `over_cap` (`cap`); a page refused before
    (`not_article`) or a known article (`not_due`) only when due."""
    if watched:
        return None
    if known is None or is_new(known):
        return "cap" if over_cap else None
    if is_due(known, lastmod, now, recheck):
        return None
    return "not_article" if known.article_url is None else "not_due"
