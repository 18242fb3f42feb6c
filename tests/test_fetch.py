"""The fetcher against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import socket
from dataclasses import replace

import pytest

from archiver.config import FetchSettings
from archiver.errors import FetchError
from archiver.models import Page
from archiver.web.fetch import Fetcher
from tests.conftest import FixtureServer, Route

SETTINGS = FetchSettings(
    per_host_delay=0, timeout=10, max_bytes=100_000, retries=2, allow_private_addresses=True
)
HTML = {"Content-Type": "text/html; charset=utf-8"}


def fetch(url: str, settings: FetchSettings = SETTINGS) -> Page:
    async def go() -> Page:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch_page(url)

    return asyncio.run(go())


def fetch_error(url: str, settings: FetchSettings = SETTINGS) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url, settings)
    return info.value


def test_fetches_a_page_and_records_it(server: FixtureServer) -> None:
    """A 200 HTML page comes back decoded, with its fetch record."""
    server.routes["/a"] = Route(
        200, "<p>été</p>".encode(), {**HTML, "ETag": '"v1"', "Last-Modified": "Wed, 27 Mar 2024"}
    )
    page = fetch(server.url("/a"))
    assert page.html == "<p>été</p>"
    assert page.record.status == 200
    assert page.record.etag == '"v1"'
    assert page.record.last_modified == "Wed, 27 Mar 2024"
    assert page.record.bytes == len("<p>été</p>".encode())
    assert page.record.content_type == "text/html; charset=utf-8"


def test_sends_the_configured_user_agent(server: FixtureServer) -> None:
    """The User-Agent header is the one from the config."""
    seen: list[str] = []
    server.routes["/ua"] = Route(200, b"<p>x</p>", HTML)
    original = server.httpd.RequestHandlerClass.do_GET

    def spy(handler: object) -> None:
        seen.append(handler.headers.get("User-Agent"))  # type: ignore[attr-defined]
        original(handler)  # type: ignore[arg-type]

    server.httpd.RequestHandlerClass.do_GET = spy  # type: ignore[method-assign]
    fetch(server.url("/ua"), replace(SETTINGS, user_agent="archiver-test (+https://x.test/)"))
    assert "archiver-test (+https://x.test/)" in seen


@pytest.mark.parametrize(
    ("status", "reason"), [(404, "http_404"), (500, "http_500"), (410, "http_410")]
)
def test_http_errors_have_a_reason(server: FixtureServer, status: int, reason: str) -> None:
    """An error status is a FetchError named after the status, recorded once (not retried)."""
    server.routes["/e"] = Route(status, b"<p>no</p>", HTML)
    error = fetch_error(server.url("/e"))
    assert error.reason == reason
    assert error.record is not None and error.record.status == status
    assert server.count("/e") == 1


def test_retries_429_honouring_retry_after(server: FixtureServer) -> None:
    """A 429 is retried (the wait is skipped in tests) up to `retries` more times."""
    server.routes["/busy"] = Route(429, b"", {**HTML, "Retry-After": "1"})
    assert fetch_error(server.url("/busy")).reason == "http_429"
    assert server.count("/busy") == 3


def test_follows_a_redirect(server: FixtureServer) -> None:
    """A redirect is followed; the final URL is recorded."""
    server.routes["/old"] = Route(301, b"", {"Location": "/new"})
    server.routes["/new"] = Route(200, b"<p>moved</p>", HTML)
    page = fetch(server.url("/old"))
    assert page.final_url == server.url("/new")
    assert page.html == "<p>moved</p>"


def test_redirect_loop_stops(server: FixtureServer) -> None:
    """A redirect loop ends as too_many_redirects."""
    server.routes["/loop"] = Route(302, b"", {"Location": "/loop"})
    error = fetch_error(server.url("/loop"), replace(SETTINGS, max_redirects=3))
    assert error.reason == "too_many_redirects"
    assert server.count("/loop") == 4


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_without_a_location_is_an_error(server: FixtureServer, status: int) -> None:
    """A redirect status with no Location header is bad_redirect, not a page."""
    server.routes["/nowhere"] = Route(status, b"<p>an article-looking body</p>", HTML)
    error = fetch_error(server.url("/nowhere"))
    assert error.reason == "bad_redirect"
    assert error.record is not None and error.record.status == status
    assert server.count("/nowhere") == 1


def test_redirect_to_another_scheme_is_refused(server: FixtureServer) -> None:
    """Only http and https are followed."""
    server.routes["/ftp"] = Route(302, b"", {"Location": "ftp://127.0.0.1/file"})
    assert fetch_error(server.url("/ftp")).reason == "bad_scheme"


def test_only_http_urls(server: FixtureServer) -> None:
    """file: and other schemes are refused before any request."""
    assert fetch_error("file:///etc/passwd").reason == "bad_url"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/pdf", b"%PDF-1.7\n..."),
        ("text/html", b"%PDF-1.7\n binary"),
        ("image/png", b"\x89PNG\r\n\x1a\n...."),
    ],
)
def test_non_html_is_refused(server: FixtureServer, content_type: str, body: bytes) -> None:
    """A PDF or an image, labelled as such or as HTML, is not_html."""
    server.routes["/doc"] = Route(200, body, {"Content-Type": content_type})
    assert fetch_error(server.url("/doc")).reason == "not_html"


def test_declared_size_over_the_cap(server: FixtureServer) -> None:
    """A Content-Length over the cap stops before the body is read."""
    server.routes["/big"] = Route(200, b"<p>" + b"x" * 200_000 + b"</p>", HTML)
    error = fetch_error(server.url("/big"))
    assert error.reason == "too_large"
    assert error.record is not None and error.record.bytes == 0


def test_undeclared_size_over_the_cap(server: FixtureServer) -> None:
    """Without Content-Length, the streamed download stops at the cap."""
    server.routes["/stream"] = Route(200, b"<p>" + b"x" * 500_000, {**HTML, "Content-Length": ""})
    assert fetch_error(server.url("/stream")).reason == "too_large"


def test_compressed_body_is_capped_on_its_decoded_size(server: FixtureServer) -> None:
    """A small gzip body that inflates past the cap is too_large."""
    bomb = gzip.compress(b"<p>" + b"a" * 5_000_000)
    assert len(bomb) < SETTINGS.max_bytes
    server.routes["/gz"] = Route(200, bomb, {**HTML, "Content-Encoding": "gzip"})
    assert fetch_error(server.url("/gz")).reason == "too_large"


def test_windows_1252_page_is_detected(server: FixtureServer) -> None:
    """A French page in windows-1252 with no declared charset decodes right."""
    text = "<p>Le théâtre « où l’œuvre » coûte… très cher à Noël, déjà été.</p>" * 5
    server.routes["/cp"] = Route(200, text.encode("cp1252"), {"Content-Type": "text/html"})
    page = fetch(server.url("/cp"))
    assert page.html == text
    assert page.encoding == "cp1252"


def test_http_charset_wins_over_meta(server: FixtureServer) -> None:
    """The HTTP charset is used before `<meta charset>`."""
    body = '<meta charset="utf-8"><p>é</p>'.encode("cp1252")
    server.routes["/h"] = Route(200, body, {"Content-Type": "text/html; charset=windows-1252"})
    assert "<p>é</p>" in fetch(server.url("/h")).html


def test_robots_txt_is_honoured(server: FixtureServer) -> None:
    """A disallowed path is not requested; robots.txt is read once per run."""
    server.routes["/robots.txt"] = Route(
        200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}
    )
    server.routes["/private/a"] = Route(200, b"<p>secret</p>", HTML)
    server.routes["/public"] = Route(200, b"<p>ok</p>", HTML)
    settings = replace(SETTINGS, respect_robots=True)

    async def go() -> tuple[FetchError, Page]:
        async with Fetcher(settings) as fetcher:
            with pytest.raises(FetchError) as info:
                await fetcher.fetch_page(server.url("/private/a"))
            return info.value, await fetcher.fetch_page(server.url("/public"))

    error, page = asyncio.run(go())
    assert error.reason == "robots"
    assert page.html == "<p>ok</p>"
    assert server.count("/private/a") == 0
    assert server.count("/robots.txt") == 1


def test_per_host_delay_uses_the_injected_clock(server: FixtureServer) -> None:
    """Requests to one host are spaced by per_host_delay, waited through the given sleep."""
    server.routes["/p"] = Route(200, b"<p>x</p>", HTML)
    waits: list[float] = []
    now = [100.0]

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    async def go() -> None:
        settings = replace(SETTINGS, per_host_delay=5.0, respect_robots=False)
        async with Fetcher(settings, clock=lambda: now[0], sleep=fake_sleep) as fetcher:
            for _ in range(3):
                await fetcher.fetch_page(server.url("/p"))

    asyncio.run(go())
    assert waits == [5.0, 5.0]


def test_a_request_waiting_for_its_host_holds_no_global_slot(server: FixtureServer) -> None:
    """With a single global slot, a request waiting out its host's delay lets a request to
    another host go first (the host's turn is taken before the global slot)."""
    other = FixtureServer("127.0.0.2").start()
    server.routes["/a"] = Route(200, b"<p>a</p>", HTML)
    other.routes["/b"] = Route(200, b"<p>b</p>", HTML)
    order: list[str] = []

    async def go() -> None:
        b_done = asyncio.Event()

        async def sleep(seconds: float) -> None:  # the delay ends once b is through (bounded)
            order.append("a waits")
            await asyncio.wait_for(b_done.wait(), timeout=10)

        async def fetch_b() -> None:
            await fetcher.fetch_page(other.url("/b"))
            order.append("b done")
            b_done.set()

        settings = replace(SETTINGS, per_host_delay=5.0, respect_robots=False, concurrency=1)
        async with Fetcher(settings, sleep=sleep) as fetcher:
            await fetcher.fetch_page(server.url("/a"))
            second_a = asyncio.ensure_future(fetcher.fetch_page(server.url("/a")))
            await asyncio.sleep(0)  # the second request to a starts waiting first
            await asyncio.gather(second_a, fetch_b())
        order.append("a done")

    try:
        asyncio.run(go())
    finally:
        other.stop()
    assert order == ["a waits", "b done", "a done"]
    assert server.count("/a") == 2


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (403, True), (503, False)])
def test_robots_txt_status(server: FixtureServer, status: int, allowed: bool) -> None:
    """RFC 9309: a 4xx robots.txt allows all; a 5xx one allows nothing this run."""
    server.routes["/robots.txt"] = Route(status, b"", {"Content-Type": "text/plain"})
    server.routes["/page"] = Route(200, b"<p>ok</p>", HTML)
    settings = replace(SETTINGS, respect_robots=True)
    if allowed:
        assert fetch(server.url("/page"), settings).html == "<p>ok</p>"
    else:
        assert fetch_error(server.url("/page"), settings).reason == "robots"
        assert server.count("/page") == 0


def test_unreachable_site_says_so() -> None:
    """A refused connection is connect_error (also when robots.txt is asked first)."""
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/page"
    assert fetch_error(url, replace(SETTINGS, respect_robots=False)).reason == "connect_error"
    error = fetch_error(url, replace(SETTINGS, respect_robots=True))
    assert error.reason == "connect_error"
    assert "robots.txt unreachable" in str(error)


def test_robots_txt_is_read_once_for_concurrent_pages(server: FixtureServer) -> None:
    """Many pages of one site fetched together ask for robots.txt once."""
    server.routes["/robots.txt"] = Route(200, b"User-agent: *\nAllow: /\n", {})
    for i in range(5):
        server.routes[f"/p{i}"] = Route(200, b"<p>x</p>", HTML)

    async def go() -> None:
        async with Fetcher(replace(SETTINGS, respect_robots=True, concurrency=5)) as fetcher:
            await asyncio.gather(*(fetcher.fetch_page(server.url(f"/p{i}")) for i in range(5)))

    asyncio.run(go())
    assert server.count("/robots.txt") == 1
    assert len(server.requests) == 6


def test_text_plain_is_not_html(server: FixtureServer) -> None:
    """Only HTML content types are archived."""
    server.routes["/t"] = Route(200, b"plain words", {"Content-Type": "text/plain"})
    assert fetch_error(server.url("/t")).reason == "not_html"


PROXIED = "http://archiver-proxy-test.invalid"  # .invalid never resolves: only a proxy knows it


@pytest.mark.parametrize("how", ["config", "environment"])
def test_pages_go_through_a_proxy(
    server: FixtureServer, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """With a proxy (configured, or HTTP_PROXY as curl reads it) a page the resolver does not
    know is asked of the proxy, address check on; robots.txt goes the same way."""
    server.routes[f"{PROXIED}/story.html"] = Route(200, b"<p>via the proxy</p>", HTML)
    settings = replace(SETTINGS, allow_private_addresses=False)
    if how == "config":
        settings = replace(settings, proxy=server.base)
    else:
        monkeypatch.setenv("HTTP_PROXY", server.base)
    page = fetch(f"{PROXIED}/story.html", settings)
    assert page.html == "<p>via the proxy</p>"
    assert server.requests == [f"{PROXIED}/robots.txt", f"{PROXIED}/story.html"]


def test_a_private_address_is_refused_before_the_proxy(server: FixtureServer) -> None:
    """Through a proxy, a host that resolves to a private address is still blocked_address,
    and the proxy is never asked."""
    settings = replace(SETTINGS, allow_private_addresses=False, proxy=server.base)
    error = fetch_error("http://127.0.0.1:9/admin", settings)
    assert error.reason == "blocked_address"
    assert server.requests == []


def test_no_proxy_hosts_are_reached_directly(
    server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host listed in NO_PROXY is connected to directly."""
    server.routes["/direct"] = Route(200, b"<p>direct</p>", HTML)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert fetch(server.url("/direct")).html == "<p>direct</p>"
