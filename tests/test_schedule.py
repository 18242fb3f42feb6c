"""The re-check schedule: pure decisions on what the archive knows of a URL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from archiver.config import RecheckSettings
from archiver.models import KnownUrl
from archiver.schedule import is_due, is_new, skip_reason

NOW = datetime(2024, 6, 10, 12, 0, tzinfo=UTC)
RECHECK = RecheckSettings()  # < 1 day: every 3 h; < 7 days: daily; < 30 days: weekly


def known(
    *,
    article: str | None = "https://example.org/a",
    first_seen: str | None = "2024-06-10T00:00:00+00:00",
    published: str | None = None,
    last_checked: str | None = "2024-06-10T08:00:00+00:00",
    kind: str | None = "article",
) -> KnownUrl:
    return KnownUrl(
        "https://example.org/a", article, first_seen, published, last_checked, None, None, kind
    )


@pytest.mark.parametrize(
    ("state", "lastmod", "due"),
    [
        (known(), None, True),  # 12 h old, checked 4 h ago: the 3 h interval has passed
        (known(last_checked="2024-06-10T10:00:00+00:00"), None, False),  # checked 2 h ago
        (known(last_checked=None), None, True),  # never checked
        # the source dates it after our last check: due whatever the interval
        (
            known(last_checked="2024-06-10T11:00:00+00:00"),
            "2024-06-10T11:30:00+00:00",
            True,
        ),
        (
            known(last_checked="2024-06-10T11:00:00+00:00"),
            "2024-06-09T11:30:00+00:00",
            False,
        ),
        # 3 days old: daily
        (known(first_seen="2024-06-07T00:00:00+00:00"), None, False),
        (
            known(first_seen="2024-06-07T00:00:00+00:00", last_checked="2024-06-09T08:00:00Z"),
            None,
            True,
        ),
        # the published date counts before the first download (weekly, not every 3 h)
        (known(published="2024-05-20", last_checked="2024-06-05T00:00:00Z"), None, False),
        # older than the last step: never again
        (known(published="2024-01-01", last_checked="2024-02-01T00:00:00Z"), None, False),
    ],
)
def test_is_due(state: KnownUrl, lastmod: str | None, due: bool) -> None:
    """A known URL is due by its source's date or by the interval for its age."""
    assert is_due(state, lastmod, NOW, RECHECK) is due


@pytest.mark.parametrize(
    ("state", "new"),
    [
        (None, True),
        (known(), False),
        (known(article=None, kind="feed"), True),  # seen only as a document: still new
        (known(article=None, kind="not_article"), False),  # refused before
    ],
)
def test_is_new(state: KnownUrl | None, new: bool) -> None:
    """New means never archived nor refused."""
    assert is_new(state) is new


@pytest.mark.parametrize(
    ("state", "watched", "over_cap", "reason"),
    [
        (None, False, False, None),
        (None, False, True, "cap"),
        (known(last_checked="2024-06-10T11:00:00Z"), False, False, "not_due"),
        (known(last_checked="2024-06-10T11:00:00Z"), True, False, None),  # watched: always
        (
            known(article=None, kind="not_article", last_checked="2024-06-10T11:00:00Z"),
            False,
            False,
            "not_article",
        ),
        (known(article=None, kind="not_article"), False, False, None),  # refused, now due
        (known(), False, True, None),  # the cap is for new URLs only
    ],
)
def test_skip_reason(
    state: KnownUrl | None, watched: bool, over_cap: bool, reason: str | None
) -> None:
    """Why a candidate waits, or None when it is downloaded this run."""
    assert skip_reason(state, None, NOW, RECHECK, watched=watched, over_cap=over_cap) == reason


GONE = replace(known(article=None, kind="gone"), first_seen="2024-06-10T08:00:00+00:00")


@pytest.mark.parametrize(
    ("state", "lastmod", "due"),
    [
        (GONE, None, False),  # 404 four hours ago: not the 3 h step of a new page
        (GONE, "2024-06-10T11:00:00+00:00", False),  # nor when its feed dates it anew
        (replace(GONE, last_checked="2024-06-03T11:00:00+00:00"), None, True),  # a week on
        (replace(GONE, last_checked="2024-06-03T13:00:00+00:00"), None, False),
        # an article that went missing: the same slow step
        (replace(GONE, article_url="https://example.org/a"), None, False),
    ],
)
def test_gone_is_due_on_the_slowest_step(state: KnownUrl, lastmod: str | None, due: bool) -> None:
    """A URL found gone (404, 410, robots) is re-checked on the slowest interval only."""
    assert is_due(state, lastmod, NOW, RECHECK) is due


def test_gone_is_never_due_without_a_schedule() -> None:
    """With no [recheck] steps, a gone URL is not tried again."""
    assert is_due(GONE, None, NOW, RecheckSettings(steps=())) is False


def test_gone_is_not_new_and_waits_as_gone() -> None:
    """A gone URL is not new (no cap slot) and, not due, is skipped as `gone`."""
    assert is_new(GONE) is False
    assert skip_reason(GONE, None, NOW, RECHECK, watched=False, over_cap=True) == "gone"
    assert skip_reason(GONE, None, NOW, RECHECK, watched=True, over_cap=False) is None
