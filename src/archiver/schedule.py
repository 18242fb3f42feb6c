"""When to download a candidate: the re-check schedule, as pure functions of what the archive
knows of a URL, what its source says of it, and the time (table tests in test_schedule)."""

from __future__ import annotations

from datetime import datetime

from archiver.models import KnownUrl, parse_datetime
from archiver.settings import RecheckSettings


def is_due(known: KnownUrl, lastmod: str | None, now: datetime, recheck: RecheckSettings) -> bool:
    """A known URL is due when its source dates it after our last check, or when its re-check
    interval (by its age: published, else first seen) has passed. A URL that answered 404,
    410 or was refused by robots.txt (`gone`) is due on the slowest interval, whatever its
    age and its source's date: a dead link left in a feed is tried again, seldom."""
    checked = parse_datetime(known.last_checked)
    if checked is None:
        return True
    if known.kind == "gone":
        slowest = max((every for _, every in recheck.steps), default=None)
        return slowest is not None and (now - checked).total_seconds() >= slowest
    changed = parse_datetime(lastmod)
    if changed and changed > checked:
        return True
    born = parse_datetime(known.published) or parse_datetime(known.first_seen) or checked
    interval = recheck.interval((now - born).total_seconds())
    return interval is not None and (now - checked).total_seconds() >= interval


def is_new(known: KnownUrl | None) -> bool:
    """Never downloaded as an article, nor refused as one, nor found gone."""
    return known is None or (
        known.article_url is None and known.kind not in ("not_article", "gone")
    )


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
    (`not_article`), a URL found gone (`gone`) or a known article (`not_due`) only when due."""
    if watched:
        return None
    if known is None or is_new(known):
        return "cap" if over_cap else None
    if is_due(known, lastmod, now, recheck):
        return None
    if known.article_url is None:
        return "gone" if known.kind == "gone" else "not_article"
    return "not_due"
