"""The one exception tree of archiver; every third-party error is translated into it.

    ArchiverError                  base: a message fit for one line on stderr
    ├── ConfigError                bad config file: names the file and the key
    ├── FetchError                 a download failed: url, reason (fixed vocabulary), record
    ├── ExtractError               the extractor could not process a page: reason
    │   └── NotAnArticle           the page is not an article (navigation, cookie wall, too short)
    ├── StoreError                 the archive cannot be opened or written
    ├── QueryError                 a search query that is not valid FTS5
    └── ArchiveLocked              another `archiver run` holds the archive's run lock

`reason` values are short identifiers Datasette can facet on (the `reason` column of
`fetches`):

    timeout              no complete answer within the page's total deadline
    too_large            over the size cap, counted on the decompressed body
    not_html             not an HTML content type, or binary content served as HTML
    robots               disallowed by robots.txt
    bad_url              not an http(s) URL
    blocked_address      a private, loopback or other non-public address (any redirect hop)
    bad_scheme           redirected to anything but http(s)
    too_many_redirects   a redirect chain or loop longer than `max_redirects`
    connect_error        the host cannot be resolved or refuses the connection
    network_error        a connection cut or reset, a broken or unsupported encoding
    http_404             any `http_<status>` of 400 and above
    empty, too_short, navigation, parse_error   the page is not an article (extraction)
    extract_timeout      extraction took longer than `[extract] timeout` (the worker is killed)
    extract_crashed      the extraction worker died
    bad_document         an unreadable feed or sitemap (also one declaring XML entities)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archiver.models import FetchRecord


class ArchiverError(Exception):
    """Base of every error archiver raises on purpose."""


class ConfigError(ArchiverError):
    """The configuration file is missing, unreadable or holds a wrong key or value."""

    def __init__(self, path: str, key: str | None, message: str) -> None:
        self.path = path
        self.key = key
        self.message = message
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {message}")


class FetchError(ArchiverError):
    """A page could not be downloaded as HTML; `record` says what the server answered."""

    def __init__(
        self,
        url: str,
        reason: str,
        detail: str = "",
        *,
        record: FetchRecord | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.url = url
        self.reason = reason
        self.detail = detail
        self.record = record
        self.retry_after = retry_after
        super().__init__(f"{url}: {reason}" + (f" ({detail})" if detail else ""))


class ExtractError(ArchiverError):
    """The extractor could not process a page."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(reason + (f" ({detail})" if detail else ""))

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        # Raised in worker processes: must come back with its reason, not its message.
        return (type(self), (self.reason, self.detail))


class NotAnArticle(ExtractError):
    """The page holds no article worth storing (navigation only, cookie wall, too short)."""

    REASONS = ("empty", "too_short", "navigation")


class StoreError(ArchiverError):
    """The archive cannot be opened, migrated or written."""


class ArchiveLocked(ArchiverError):
    """Another run holds the archive's run lock."""


class QueryError(ArchiverError):
    """A search query the full-text engine cannot read."""
