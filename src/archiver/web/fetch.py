"""Download pages politely and safely (with `transport`, the only modules that import httpx).

A `Fetcher` owns one `httpx.AsyncClient` for a run, the robots.txt cache and per-host pacing.
Every page has a total deadline (not only a per-read timeout), a streamed size cap on the
decoded body (decompressed here, a bounded step at a time, so a compression bomb stops at the
cap), a redirect limit, http(s) only, HTML-like content types only, and, unless the config
allows them, no connection to private, loopback or otherwise non-public addresses (checked on
the address actually connected to, at every redirect hop; through a proxy, on what the local
resolver says of the host). Every attempt, failed or not, is described by a `FetchRecord`.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
import stamina
from protego import Protego

from archiver.charsets import charset_from_content_type, decode_html
from archiver.errors import BlockedAddress, FetchError
from archiver.models import FetchRecord, NotModified, Page, RawPage
from archiver.settings import FetchSettings
from archiver.urls import is_web_url
from archiver.web.content_encoding import DecodingError, decode, decoders_for
from archiver.web.transport import make_client

HTML_TYPES = ("text/html", "application/xhtml+xml")
RETRYABLE = frozenset({"timeout", "connect_error", "http_429", "http_503"})
MAX_RETRY_AFTER = 120.0  # a server asking for longer than this is given up on for this run
ROBOTS_MAX_BYTES = 512_000
T = TypeVar("T")
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"PK\x03\x04", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b")


DOCUMENT_MAX_BYTES = 50 * 1024 * 1024  # the sitemaps protocol's own limit, uncompressed


@dataclass
class _HostState:
    slots: asyncio.Semaphore
    pacing: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start: float | None = None
    waiting: int = 0  # requests asked for and not started yet (robots.txt, turn, slot)
    active: int = 0  # downloads under way


class _Ticket:
    """One request counted as waiting for its host until its download starts."""

    def __init__(self, state: _HostState) -> None:
        self.state: _HostState | None = state
        state.waiting += 1

    def started(self) -> None:
        if self.state is not None:
            self.state.waiting -= 1
            self.state = None


class Fetcher:
    """Downloads for one run: `async with Fetcher(settings) as f: await f.fetch_page(url)`."""

    def __init__(
        self,
        settings: FetchSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._clock = clock
        self._sleep = sleep
        self._client: httpx.AsyncClient | None = None
        self._hosts: dict[str, _HostState] = {}
        self._robots: dict[str, asyncio.Future[Protego | bool | FetchError]] = {}
        self._slots = asyncio.Semaphore(settings.concurrency)

    async def __aenter__(self) -> Fetcher:
        self._client = make_client(self.settings, self._transport)
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch_page(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Page | NotModified:
        """Download `url` as HTML, conditionally when validators are given, and decode it.

        Raises FetchError with a reason and the fetch record."""
        page = await self.download_page(url, etag=etag, last_modified=last_modified)
        return page if isinstance(page, NotModified) else _decoded(page)

    async def download_page(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> RawPage | NotModified:
        """`fetch_page` without the decoding (left to an extraction worker)."""
        return await self._fetch(url, etag, last_modified, html_only=True)

    def next_start(self, url: str) -> tuple[float, int]:
        """When a request to the host of `url` asked for now could start (on the fetcher's
        clock: after the host's requests already waiting, `per_host_delay` apart), and how
        many of them are waiting or under way: what a fair scheduler picks the host by."""
        state = self._hosts.get(_host(url))
        now = self._clock()
        if state is None:
            return now, 0
        delay = self.settings.per_host_delay
        start = now if state.last_start is None else max(now, state.last_start + delay)
        return start + delay * state.waiting, state.waiting + state.active

    async def fetch_document(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int = DOCUMENT_MAX_BYTES,
    ) -> Page | NotModified:
        """Download a feed, sitemap or listing page (any content type, a larger cap)."""
        cap = max(self.settings.max_bytes, max_bytes)
        page = await self._fetch(url, etag, last_modified, html_only=False, cap=cap)
        return page if isinstance(page, NotModified) else _decoded(page)

    async def _fetch(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        *,
        html_only: bool,
        cap: int | None = None,
    ) -> RawPage | NotModified:
        if not is_web_url(url):
            raise FetchError(
                url,
                "bad_url",
                "only http:// and https:// URLs are fetched",
                record=FetchRecord(url=url, fetched_at=_now(), reason="bad_url"),
            )
        ticket = _Ticket(self._host_state(url))  # seen by `next_start` from now on
        try:
            return await self._fetch_ticketed(url, etag, last_modified, html_only, cap, ticket)
        finally:
            ticket.started()

    async def _fetch_ticketed(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        html_only: bool,
        cap: int | None,
        ticket: _Ticket,
    ) -> RawPage | NotModified:
        if self.settings.respect_robots and not await self._robots_allow(url):
            raise FetchError(
                url,
                "robots",
                "disallowed by robots.txt",
                record=FetchRecord(url=url, fetched_at=_now(), reason="robots"),
            )
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        cap = cap or self.settings.max_bytes

        async def job(u: str) -> RawPage | NotModified:
            raw, record = await self._download(u, cap, html_only=html_only, headers=headers)
            if raw is None:
                return NotModified(url=u, record=record)
            charset = charset_from_content_type(record.content_type)
            return RawPage(u, record.final_url or u, raw, charset, record)

        retrying = stamina.retry_context(
            on=_retry_backoff,
            attempts=self.settings.retries + 1,
            timeout=None,
            wait_initial=1.0,
            wait_max=60.0,
        )
        async for attempt in retrying:
            with attempt:
                return await self._paced(url, job, ticket)
        raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover

    def _host_state(self, url: str) -> _HostState:
        host = _host(url)
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _HostState(
                asyncio.Semaphore(self.settings.per_host_concurrency)
            )
        return state

    async def _paced(
        self, url: str, job: Callable[[str], Awaitable[T]], ticket: _Ticket | None = None
    ) -> T:
        """Run `job(url)` when its host's turn comes, then within the global limit: the
        host's slot and delay first, so that a request waiting for its host never holds
        one of the global slots other hosts could use. Request starts to one host are
        `per_host_delay` seconds apart."""
        state = self._host_state(url)
        async with state.slots:
            async with state.pacing:
                if state.last_start is not None:
                    wait = state.last_start + self.settings.per_host_delay - self._clock()
                    if wait > 0:
                        await self._sleep(wait)
                await self._slots.acquire()
                state.last_start = self._clock()
            if ticket is not None:
                ticket.started()
            state.active += 1
            try:
                return await job(url)
            finally:
                state.active -= 1
                self._slots.release()

    async def _download(
        self, url: str, cap: int, *, html_only: bool, headers: dict[str, str] | None = None
    ) -> tuple[bytes | None, FetchRecord]:
        """GET `url` within the total deadline and the size cap; errors become FetchError.

        The body is None for a 304 Not Modified."""
        assert self._client is not None, "use Fetcher as an async context manager"
        started = self._clock()
        seen: dict[str, Any] = {"url": url, "fetched_at": _now()}

        def fail(reason: str, detail: str, retry_after: float | None = None) -> FetchError:
            record = FetchRecord(
                **seen, elapsed=self._clock() - started, reason=reason, error=detail or reason
            )
            return FetchError(url, reason, detail, record=record, retry_after=retry_after)

        try:
            async with asyncio.timeout(self.settings.timeout):
                async with self._client.stream("GET", url, headers=headers) as response:
                    _note_response(seen, response)
                    if response.status_code == 304:
                        # Read the (empty) body so the connection goes back to the pool.
                        await _read_body(response, ROBOTS_MAX_BYTES, fail)
                        return None, FetchRecord(**seen, elapsed=self._clock() - started)
                    _check_response(response, cap, html_only, fail)
                    body = await _read_body(response, cap, fail)
                    seen["bytes"] = len(body)
        except FetchError:
            raise
        except BlockedAddress as exc:
            raise fail("blocked_address", str(exc)) from exc
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise fail("timeout", f"no complete answer within {self.settings.timeout:g}s") from exc
        except httpx.TooManyRedirects as exc:
            raise fail("too_many_redirects", f"more than {self.settings.max_redirects}") from exc
        except httpx.UnsupportedProtocol as exc:
            raise fail("bad_scheme", f"redirected to a non-http(s) URL: {exc}") from exc
        except httpx.ConnectError as exc:
            raise fail("connect_error", str(exc) or type(exc).__name__) from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise fail("network_error", str(exc) or type(exc).__name__) from exc
        if html_only and bytes(body[:8]).startswith(_BINARY_MAGIC):
            raise fail("not_html", "binary content served as text")
        record = FetchRecord(**seen, elapsed=self._clock() - started)
        return bytes(body), record

    async def _robots_allow(self, url: str) -> bool:
        """Whether robots.txt of the URL's site allows our user agent (cached per run).

        RFC 9309: a 4xx robots.txt allows everything; a 5xx one disallows everything. When
        robots.txt cannot be reached at all, the page fails with that network reason.
        """
        parts = urlsplit(url)
        origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        if origin not in self._robots:  # one download per site, however many tasks ask
            self._robots[origin] = asyncio.ensure_future(self._load_robots(origin + "/robots.txt"))
        rules = await self._robots[origin]
        if isinstance(rules, FetchError):
            blocked = rules.reason == "blocked_address"
            raise FetchError(
                url,
                rules.reason,
                rules.detail if blocked else f"robots.txt unreachable: {rules.detail}",
                record=FetchRecord(url=url, fetched_at=_now(), reason=rules.reason),
            )
        if isinstance(rules, bool):
            return rules
        return bool(rules.can_fetch(url, self.settings.user_agent))

    async def _load_robots(self, robots_url: str) -> Protego | bool | FetchError:
        async def job(u: str) -> bytes:
            raw, _ = await self._download(u, ROBOTS_MAX_BYTES, html_only=False)
            return raw or b""

        try:
            raw = await self._paced(robots_url, job)
        except FetchError as exc:
            status = exc.record.status if exc.record else None
            if status is None:
                return exc
            return 400 <= status < 500
        return Protego.parse(raw.decode("utf-8", "replace"))


async def _read_body(
    response: httpx.Response, cap: int, fail: Callable[..., FetchError]
) -> bytearray:
    """The body, decoded here from its Content-Encoding a bounded step at a time; over `cap`
    bytes, decoded or as received, it is too_large."""
    encoding = response.headers.get("content-encoding", "")
    try:
        decoders = decoders_for(encoding)
    except ValueError as exc:
        raise fail("network_error", str(exc)) from None
    body, received = bytearray(), 0
    chunks: AsyncIterator[bytes] = response.aiter_raw()
    if response.is_stream_consumed:  # built in memory (httpx.MockTransport), decoded already
        chunks, decoders = response.aiter_bytes(), []
    async for chunk in chunks:
        received += len(chunk)
        if received > cap:
            raise fail("too_large", f"over the {cap}-byte cap as received")
        try:
            for piece in decode(decoders, chunk):
                body += piece
                if len(body) > cap:
                    raise fail("too_large", f"body over the {cap}-byte cap (decoded)")
        except DecodingError as exc:
            raise fail("network_error", f"undecodable {encoding} body: {exc}") from exc
    return body


def _note_response(seen: dict[str, Any], response: httpx.Response) -> None:
    seen.update(
        final_url=str(response.url),
        status=response.status_code,
        content_type=response.headers.get("content-type"),
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        http_version=response.http_version,
        reason_phrase=response.reason_phrase,
        headers=tuple(response.headers.multi_items()),
    )


def _check_response(
    response: httpx.Response,
    cap: int,
    html_only: bool,
    fail: Callable[..., FetchError],
) -> None:
    status = response.status_code
    if status >= 400:
        retry_after = _retry_after(response.headers.get("retry-after"))
        raise fail(f"http_{status}", response.reason_phrase, retry_after)
    if 300 <= status < 400:  # httpx follows a 3xx with a Location; this one has none
        raise fail("bad_redirect", f"{status} {response.reason_phrase} without a Location header")
    if html_only:
        ctype = (response.headers.get("content-type") or "").split(";")[0].strip().lower()
        if ctype and ctype not in HTML_TYPES:
            raise fail("not_html", f"content type {ctype}")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise fail("too_large", f"Content-Length {declared} over the {cap}-byte cap")


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _retry_backoff(exc: Exception) -> bool | float:
    """stamina hook: retry timeouts, refused connections, 429 and 503 (after Retry-After)."""
    if not isinstance(exc, FetchError) or exc.reason not in RETRYABLE:
        return False
    if exc.retry_after is not None:
        return exc.retry_after if exc.retry_after <= MAX_RETRY_AFTER else False
    return True


def _now() -> datetime:
    return datetime.now(UTC)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _decoded(page: RawPage) -> Page:
    """A downloaded page with its text (`charsets.decode_html`)."""
    html, encoding = decode_html(page.raw, page.charset)
    return Page(page.url, page.final_url, html, page.raw, encoding, page.record)


async def fetch_one_page(url: str, settings: FetchSettings) -> Page:
    """Download one page unconditionally, outside a run (`archiver extract URL`)."""
    async with Fetcher(settings) as fetcher:
        page = await fetcher.fetch_page(url)
    assert isinstance(page, Page), "an unconditional request is never answered 304"
    return page
