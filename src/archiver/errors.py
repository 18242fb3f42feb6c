"""The one exception tree of archiver; every third-party error is translated into it.

    ArchiverError                  base: one line for stderr; `url` (or None) and `reason`
    ├── ConfigError                bad config file: names the file and the key
    ├── FetchError                 a download failed: url, reason (fixed vocabulary), record
    ├── BlockedAddress             a connection would reach a non-public address (raised in the
    │                              connection backend; the fetcher turns it into a FetchError)
    ├── DiscoveryError             a feed or sitemap that cannot be read (`bad_document`)
    ├── ExtractError               the extractor could not process a page: url, reason
    │   └── NotAnArticle           the page is not an article (navigation, cookie wall, too short):
    │                              the only extraction error that marks a URL `not_article`
    ├── StoreError                 the archive cannot be opened or written
    ├── QueryError                 a search query that is not valid FTS5
    ├── ArchiveLocked              another `archiver run` holds the archive's run lock
    ├── DatasetteMissing           `archiver serve` without Datasette installed
    └── ClusterUnreachable         `[extract] scheduler` names a Dask scheduler that does not answer

Each package translates the errors of its libraries at its boundary (`raise FetchError(url,
...) from exc`): callers catch these, never httpx's, lxml's or sqlite3's.

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
    bad_redirect         a redirect status (3xx other than 304) without a Location header
    connect_error        the host cannot be resolved or refuses the connection
    network_error        a connection cut or reset, a broken or unsupported encoding
    http_404             any `http_<status>` of 400 and above
    empty, too_short, navigation, parse_error   the page is not an article (extraction)
    extract_timeout      extraction took longer than `[extract] timeout` (the worker is killed)
    extract_crashed      the extraction worker died
    extract_error        anything else that went wrong extracting a page (a bug, a library's
                         surprise): like the two above, that page's error, tried again next run
    bad_document         an unreadable feed or sitemap (also one declaring XML entities)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archiver.models import FetchRecord


class ArchiverError(Exception):
    """Base of every error archiver raises on purpose: a one-line message, the URL it is
    about (None when it is about no URL) and a short `reason` code."""

    reason = "error"

    def __init__(self, message: str, *, url: str | None = None, reason: str | None = None) -> None:
        self.url = url
        if reason is not None:
            self.reason = reason
        super().__init__(message)


class ConfigError(ArchiverError):
    """The configuration file is missing, unreadable or holds a wrong key or value."""

    reason = "bad_config"

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
        self.detail = detail
        self.record = record
        self.retry_after = retry_after
        message = f"{url}: {reason}" + (f" ({detail})" if detail else "")
        super().__init__(message, url=url, reason=reason)
        self.url: str = url


class BlockedAddress(ArchiverError):
    """A connection would reach a non-public address (see `web.addresses`); raised inside
    the connection backend, which knows the host but not the URL: the fetcher translates
    it into `FetchError(url, "blocked_address")`."""

    reason = "blocked_address"


class DiscoveryError(ArchiverError):
    """A feed or sitemap that cannot be read: not XML, declares entities, too large."""

    reason = "bad_document"


class ExtractError(ArchiverError):
    """The extractor could not process a page."""

    def __init__(self, reason: str, detail: str = "", *, url: str | None = None) -> None:
        self.detail = detail
        super().__init__(reason + (f" ({detail})" if detail else ""), url=url, reason=reason)

    def __reduce__(self) -> tuple[type, tuple[str, str], dict[str, object]]:
        # Raised in worker processes: must come back with its reason, not its message.
        return (type(self), (self.reason, self.detail), {"url": self.url})


class NotAnArticle(ExtractError):
    """The page holds no article worth storing (navigation only, cookie wall, too short)."""

    REASONS = ("empty", "too_short", "navigation")


class StoreError(ArchiverError):
    """The archive cannot be opened, migrated or written."""

    reason = "store_error"


class ArchiveLocked(ArchiverError):
    """Another run holds the archive's run lock."""

    reason = "locked"


class QueryError(ArchiverError):
    """A search query the full-text engine cannot read."""

    reason = "bad_query"


class DatasetteMissing(ArchiverError):
    """Datasette is not installed (`archiver serve`)."""

    reason = "datasette_missing"


class ClusterUnreachable(ArchiverError):
    """The Dask scheduler of `[extract] scheduler` does not answer (or Dask is missing)."""

    reason = "cluster_unreachable"
