"""Surviving the hostile web: misbehaving servers on loopback, compression bombs, redirect
tricks, internal addresses, and hostile feeds and sitemaps. Each case ends quickly with the
right `reason`; every hostile server stops by itself within `LIFETIME` seconds."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import sqlite3
import struct
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import brotli  # type: ignore[import-untyped]
import pytest
from click.testing import CliRunner

from archiver.cli import cli
from archiver.config import FetchSettings
from archiver.discover import parse_feed, parse_sitemap
from archiver.errors import DiscoveryError, FetchError
from archiver.models import NotModified, Page
from archiver.web import transport as transport_module
from archiver.web.addresses import is_public_address
from archiver.web.fetch import DOCUMENT_MAX_BYTES, Fetcher
from tests.conftest import FixtureServer, Route

LIFETIME = 8.0  # no hostile server lives longer than this
SETTINGS = FetchSettings(
    per_host_delay=0,
    timeout=1.5,
    max_bytes=100_000,
    retries=0,
    respect_robots=False,
    allow_private_addresses=True,
)
HTML = {"Content-Type": "text/html"}
MB = 1024 * 1024


class HostileServer:
    """A raw TCP server on 127.0.0.1 for what http.server cannot do wrong enough: each
    connection reads the request head, then `behave(server, conn)` runs in its own thread.
    It stops accepting, and every behaviour stops waiting, at `stop` or after LIFETIME."""

    def __init__(self, behave: Callable[[HostileServer, socket.socket], None]) -> None:
        self.behave = behave
        self.stop = threading.Event()
        self.deadline = time.monotonic() + LIFETIME
        self.requests: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}{path}"

    def running(self) -> bool:
        return not self.stop.is_set() and time.monotonic() < self.deadline

    def wait(self, seconds: float) -> bool:
        """Wait `seconds` (bounded by the server's stop); True while still running."""
        self.stop.wait(min(seconds, max(0.0, self.deadline - time.monotonic())))
        return self.running()

    def _serve(self) -> None:
        with self.sock:
            while self.running():
                try:
                    conn, _ = self.sock.accept()
                except TimeoutError:
                    continue
                threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(LIFETIME)
            head = b""
            try:
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    data = conn.recv(4096)
                    if not data:
                        return
                    head += data
                self.requests.append(head)
                self.behave(self, conn)
            except OSError:  # the client hung up: expected when it gives up
                pass


@pytest.fixture
def hostile() -> Iterator[Callable[[Callable[[HostileServer, socket.socket], None]], str]]:
    """Start a hostile server with a behaviour; returns its URL. Stopped after the test."""
    started: list[HostileServer] = []

    def start(behave: Callable[[HostileServer, socket.socket], None]) -> str:
        server = HostileServer(behave)
        server.thread.start()
        started.append(server)
        return server.url("/page")

    yield start
    for server in started:
        server.stop.set()
        server.thread.join(LIFETIME)


def fetch_error(
    url: str, settings: FetchSettings = SETTINGS, *, document: bool = False
) -> FetchError:
    """The FetchError a fetch ends with."""

    async def go() -> Page | NotModified:
        async with Fetcher(settings) as fetcher:
            if document:
                return await fetcher.fetch_document(url)
            return await fetcher.fetch_page(url)

    with pytest.raises(FetchError) as info:
        asyncio.run(go())
    return info.value


def fetch_page(url: str, settings: FetchSettings = SETTINGS) -> Page:
    async def go() -> Page | NotModified:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch_page(url)

    page = asyncio.run(go())
    assert isinstance(page, Page)
    return page


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"


# Size and time ---------------------------------------------------------------------------


def endless_fast(server: HostileServer, conn: socket.socket) -> None:
    conn.sendall(HEAD + b"Connection: close\r\n\r\n<html><body>")
    while server.running():
        conn.sendall(b"<p>more</p>" * 1000)


def endless_slow(server: HostileServer, conn: socket.socket) -> None:
    conn.sendall(HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
    while server.wait(0.01):
        conn.sendall(b"b\r\n<p>more</p>\r\n")


def drip(server: HostileServer, conn: socket.socket) -> None:
    conn.sendall(HEAD + b"Content-Length: 1000\r\n\r\n")
    while server.wait(1.0):
        conn.sendall(b"x")


def silent(server: HostileServer, conn: socket.socket) -> None:
    server.wait(LIFETIME)


def big_declared(server: HostileServer, conn: socket.socket) -> None:
    conn.sendall(HEAD + b"Content-Length: 500000\r\n\r\n" + b"x" * 500_000)


def big_undeclared(server: HostileServer, conn: socket.socket) -> None:
    conn.sendall(HEAD + b"Connection: close\r\n\r\n" + b"x" * 500_000)


def short_body_then_close(server: HostileServer, conn: socket.socket) -> None:
    conn.sendall(HEAD + b"Content-Length: 5000\r\n\r\n<p>only this</p>")


def short_body_then_silence(server: HostileServer, conn: socket.socket) -> None:
    conn.sendall(HEAD + b"Content-Length: 5000\r\n\r\n<p>only this</p>")
    server.wait(LIFETIME)


def reset_mid_body(server: HostileServer, conn: socket.socket) -> None:
    conn.sendall(HEAD + b"Content-Length: 100000\r\n\r\n" + b"<p>" * 1000)
    # SO_LINGER with a zero timeout: close() sends a TCP RST instead of a FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.parametrize(
    ("behave", "reason"),
    [
        (endless_fast, "too_large"),
        (endless_slow, "timeout"),
        (drip, "timeout"),
        (silent, "timeout"),
        (big_declared, "too_large"),
        (big_undeclared, "too_large"),
        (short_body_then_close, "network_error"),
        (short_body_then_silence, "timeout"),
        (reset_mid_body, "network_error"),
    ],
)
def test_misbehaving_server_ends_quickly_with_its_reason(
    hostile: Callable[[Callable[[HostileServer, socket.socket], None]], str],
    behave: Callable[[HostileServer, socket.socket], None],
    reason: str,
) -> None:
    """Endless, dripping, silent, oversized, lying and reset answers end with the right
    reason: a dripping server meets the 1.5 s page deadline long before it would stop."""
    error = fetch_error(hostile(behave))
    assert error.reason == reason, error  # "timeout" only from the page deadline (see LIFETIME)
    assert error.record is not None and error.record.reason == reason


def test_a_body_longer_than_its_content_length_is_cut_there(
    hostile: Callable[[Callable[[HostileServer, socket.socket], None]], str],
) -> None:
    """A Content-Length smaller than what is sent: the page is what was declared."""

    def long_body(server: HostileServer, conn: socket.socket) -> None:
        conn.sendall(HEAD + b"Content-Length: 9\r\n\r\n<p>ok</p><script>evil()</script>")

    assert fetch_page(hostile(long_body)).html == "<p>ok</p>"


# Compression bombs ------------------------------------------------------------------------


def _endless_zlib(wbits: int, gib: int) -> bytes:
    """A zlib, raw deflate or gzip stream (by `wbits`) of `gib` GiB of zeros, about 1 KB per
    MiB: after a full flush, each further MiB of zeros compresses to the same bytes."""
    zeros = bytes(MB)
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    first = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    assert packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH) == again
    return first + again * (gib * 1024 - 1)  # no end: nobody should get that far


def _brotli_bomb(gib: int) -> bytes:
    packer = brotli.Compressor(quality=5)
    zeros = bytes(MB)
    return b"".join(packer.process(zeros) for _ in range(gib * 1024)) + bytes(packer.finish())


BOMBS: dict[str, Callable[[], bytes]] = {
    "gzip": lambda: _endless_zlib(31, 4),
    "deflate": lambda: _endless_zlib(zlib.MAX_WBITS, 4),
    "deflate-raw": lambda: _endless_zlib(-zlib.MAX_WBITS, 4),
    "br": lambda: _brotli_bomb(1),
}


@pytest.mark.parametrize("kind", list(BOMBS))
def test_compression_bomb_stops_at_the_cap_with_bounded_memory(
    server: FixtureServer, kind: str
) -> None:
    """A gzip, deflate or brotli body inflating to gigabytes is too_large at the decoded cap
    (50 MB for a document), holding little more than the cap in memory at any time."""
    bomb = BOMBS[kind]()
    server.routes["/bomb"] = Route(
        200, bomb, {"Content-Type": "application/xml", "Content-Encoding": kind.split("-")[0]}
    )
    tracemalloc.start()
    try:
        error = fetch_error(server.url("/bomb"), replace(SETTINGS, timeout=30), document=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.reason == "too_large"
    assert "decoded" in error.detail
    assert peak < DOCUMENT_MAX_BYTES + 50 * MB, f"peak {peak / MB:.0f} MB"


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send
        ("br", brotli.compress),
        ("gzip, br", lambda b: brotli.compress(gzip.compress(b))),
        ("identity", lambda b: b),
    ],
)
def test_compressed_pages_are_decoded(
    server: FixtureServer, encoding: str, pack: Callable[[bytes], bytes]
) -> None:
    """Every Content-Encoding we advertise decodes to the page, whatever the chunking."""
    html = b"<html><body>" + b"".join(b"<p>paragraph %d</p>" % i for i in range(5000))
    server.routes["/z"] = Route(200, pack(html), {**HTML, "Content-Encoding": encoding})
    page = fetch_page(server.url("/z"), replace(SETTINGS, max_bytes=1_000_000))
    assert page.raw == html


def test_accept_encoding_names_what_we_decode(server: FixtureServer) -> None:
    """Accept-Encoding is set explicitly, to the codings decoded with bounded output."""
    server.routes["/a"] = Route(200, b"<p>x</p>", HTML)
    fetch_page(server.url("/a"))
    assert server.log[-1].headers["Accept-Encoding"] == "gzip, deflate, br"


@pytest.mark.parametrize(
    ("encoding", "body"), [("zstd", b"(\xb5/\xfd..."), ("gzip", b"not gzip at all")]
)
def test_unknown_or_broken_encoding_is_a_network_error(
    server: FixtureServer, encoding: str, body: bytes
) -> None:
    """A coding we did not ask for, or a corrupt body, fails cleanly."""
    server.routes["/x"] = Route(200, body, {**HTML, "Content-Encoding": encoding})
    error = fetch_error(server.url("/x"))
    assert error.reason == "network_error"


# Redirects --------------------------------------------------------------------------------


def test_long_redirect_chain_stops(server: FixtureServer) -> None:
    """A chain longer than max_redirects ends as too_many_redirects after max + 1 requests."""
    for i in range(50):
        server.routes[f"/r/{i}"] = Route(302, b"", {"Location": f"/r/{i + 1}"})
    error = fetch_error(server.url("/r/0"), replace(SETTINGS, max_redirects=5))
    assert error.reason == "too_many_redirects"
    assert len(server.requests) == 6


def test_redirect_loop_between_two_urls_stops(server: FixtureServer) -> None:
    """A ping-pong loop is too_many_redirects too."""
    server.routes["/ping"] = Route(302, b"", {"Location": "/pong"})
    server.routes["/pong"] = Route(302, b"", {"Location": "/ping"})
    error = fetch_error(server.url("/ping"))
    assert error.reason == "too_many_redirects"


@pytest.mark.parametrize(
    "location",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/file",
        "data:text/html,<p>hi</p>",
        "gopher://127.0.0.1:70/",
        "javascript:alert(1)",
        "mailto:editor@news.test",
    ],
)
def test_redirect_to_another_scheme_is_bad_scheme(server: FixtureServer, location: str) -> None:
    """Only http(s) redirects are followed."""
    server.routes["/go"] = Route(302, b"", {"Location": location})
    error = fetch_error(server.url("/go"))
    assert error.reason == "bad_scheme"


# Unsafe addresses -------------------------------------------------------------------------

DEFAULTS = FetchSettings(per_host_delay=0, timeout=5, retries=0)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::6810:85e5", True),
        ("127.0.0.1", False),
        ("127.255.0.9", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("172.31.255.255", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("0.0.0.0", False),
        ("0.1.2.3", False),
        ("100.64.0.1", False),
        ("224.0.0.251", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fc00::1", False),
        ("fd12:3456::1", False),
        ("fe80::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.215.14", True),
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("2002:c0a8:101::1", False),  # 6to4 of 192.168.1.1
        ("::127.0.0.1", False),  # IPv4-compatible (deprecated)
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    """Private, loopback, link-local, shared, multicast and reserved ranges are not public,
    also inside IPv6 (IPv4-mapped, NAT64, 6to4)."""
    assert is_public_address(address) is public


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_local_addresses_are_refused_by_default(server: FixtureServer, host: str) -> None:
    """With the default settings, a loopback site is blocked_address, with a message that
    says how to allow it, and no request (not even robots.txt) reaches it."""
    server.routes["/p"] = Route(200, b"<p>internal</p>", HTML)
    port = server.httpd.server_address[1]
    error = fetch_error(f"http://{host}:{port}/p", DEFAULTS)
    assert error.reason == "blocked_address"
    assert "not a public address" in str(error)
    assert "allow_private_addresses = true" in str(error)
    assert server.requests == []


def test_allow_private_addresses_lets_them_through(server: FixtureServer) -> None:
    """`allow_private_addresses = true` is what lets the tests reach loopback."""
    server.routes["/p"] = Route(200, b"<p>internal</p>", HTML)
    page = fetch_page(server.url("/p"), replace(DEFAULTS, allow_private_addresses=True))
    assert page.html == "<p>internal</p>"


@pytest.fixture
def public_127_0_0_2(monkeypatch: pytest.MonkeyPatch) -> Iterator[FixtureServer]:
    """A server on 127.0.0.2, which the address check treats as public for this test, and
    fake DNS names for it: `news.test` (127.0.0.2) and `rebound.test` (127.0.0.1)."""
    real_check = transport_module.is_public_address
    monkeypatch.setattr(
        transport_module, "is_public_address", lambda a: a == "127.0.0.2" or real_check(a)
    )
    names = {"news.test": ["127.0.0.2"], "rebound.test": ["127.0.0.1"]}
    real_resolve = transport_module.resolve

    async def fake_resolve(host: str, port: int) -> list[str]:
        return names[host] if host in names else await real_resolve(host, port)

    monkeypatch.setattr(transport_module, "resolve", fake_resolve)
    srv = FixtureServer(host="127.0.0.2").start()
    yield srv
    srv.stop()


def test_redirect_to_a_local_address_is_refused(
    public_127_0_0_2: FixtureServer, server: FixtureServer
) -> None:
    """A (public) site redirecting to 127.0.0.1 is blocked_address at that hop."""
    public = public_127_0_0_2
    server.routes["/admin"] = Route(200, b"<p>internal</p>", HTML)
    public.routes["/story"] = Route(302, b"", {"Location": server.url("/admin")})
    public.routes["/robots.txt"] = Route(200, b"User-agent: *\nAllow: /\n", {})
    port = public.httpd.server_address[1]
    error = fetch_error(f"http://news.test:{port}/story", DEFAULTS)
    assert error.reason == "blocked_address"
    assert "127.0.0.1 is not a public address" in str(error)
    assert public.requests == ["/robots.txt", "/story"]
    assert server.requests == []


def test_the_checked_address_is_the_one_connected_to(
    public_127_0_0_2: FixtureServer, server: FixtureServer
) -> None:
    """The host is resolved once, by the check: a name that resolves to a local address is
    refused (DNS rebinding), and an allowed name is reached at the address checked."""
    public_127_0_0_2.routes["/p"] = Route(200, b"<p>public</p>", HTML)
    settings = replace(DEFAULTS, respect_robots=False)
    port = public_127_0_0_2.httpd.server_address[1]
    assert fetch_page(f"http://news.test:{port}/p", settings).html == "<p>public</p>"
    error = fetch_error(f"http://rebound.test:{server.httpd.server_address[1]}/p", settings)
    assert error.reason == "blocked_address"
    assert "rebound.test (127.0.0.1) is not a public address" in str(error)
    assert server.requests == []


def test_an_injected_transport_is_used_as_given() -> None:
    """Fetcher(transport=...) still works (narrow unit tests with httpx.MockTransport)."""
    import httpx

    transport = httpx.MockTransport(lambda request: httpx.Response(200, html="<p>mock</p>"))

    async def go() -> Page | NotModified:
        async with Fetcher(replace(DEFAULTS, respect_robots=False), transport=transport) as f:
            return await f.fetch_page("http://127.0.0.1/x")

    page = asyncio.run(go())
    assert isinstance(page, Page) and page.html == "<p>mock</p>"


# Feeds and sitemaps -----------------------------------------------------------------------


def billion_laughs(root: str, inner: str) -> bytes:
    refs = ["&lol;" * 10, *(f"&lol{i};" * 10 for i in range(1, 9))]
    entities = '<!ENTITY lol "lol">\n' + "".join(
        f'<!ENTITY lol{i} "{ref}">\n' for i, ref in enumerate(refs, 1)
    )
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n{entities}]>\n{inner.replace("X", "&lol9;")}'
    ).encode()


LAUGHING_RSS = billion_laughs(
    "rss",
    '<rss version="2.0"><channel><title>X</title>'
    "<item><title>X</title><link>https://news.test/a</link></item></channel></rss>",
)


def rss_items(n: int) -> bytes:
    items = "".join(
        f"<item><title>T{i}</title><link>https://news.test/{i}</link></item>" for i in range(n)
    )
    return f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


@pytest.mark.parametrize(
    "raw",
    [
        LAUGHING_RSS,
        LAUGHING_RSS.decode().replace('"?>', '" encoding="utf-16"?>').encode("utf-16"),
        # quadratic blow-up: one big entity used many times
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"A" * 50_000 + b'">]>'
        b'<rss version="2.0"><channel><item><title>' + b"&a;" * 100_000 + b"</title>"
        b"<link>https://news.test/a</link></item></channel></rss>",
        # external entity (XXE)
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><item><title>&x;</title>'
        b"<link>https://news.test/a</link></item></channel></rss>",
    ],
    ids=["billion-laughs", "billion-laughs-utf16", "quadratic", "xxe"],
)
def test_feed_declaring_entities_is_refused(raw: bytes) -> None:
    """Entity bombs and external entities never reach feedparser: a DiscoveryError."""
    with pytest.raises(DiscoveryError, match="declares XML entities"):
        parse_feed(raw, "https://news.test/feed", "s")


def test_feed_with_one_character_entities_is_read() -> None:
    """`<!ENTITY nbsp "&#160;">` (a character, not a bomb) is still allowed."""
    raw = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "&#160;">]><rss version="2.0">'
        b"<channel><item><title>a&nbsp;b</title><link>https://news.test/a</link></item>"
        b"</channel></rss>"
    )
    [entry] = parse_feed(raw, "https://news.test/feed", "s")
    assert entry.hints is not None and entry.hints.title == "a b"  # as plain text, spaces


def test_feed_with_50000_entries() -> None:
    """A feed of 50,000 entries is read whole."""
    found = parse_feed(rss_items(50_000), "https://news.test/feed", "s")
    assert len(found) == 50_000


@pytest.mark.parametrize(
    "raw",
    [b"\x00\xff\xfe garbage", b"<html><body><p>not a feed</p></body></html>", b"<rss><chan"],
)
def test_unreadable_feed_is_a_discovery_error(raw: bytes) -> None:
    """Garbage, an HTML page or a feed cut before any entry is a DiscoveryError."""
    with pytest.raises(DiscoveryError):
        parse_feed(raw, "https://news.test/feed", "s")


def test_truncated_feed_keeps_the_entries_before_the_cut() -> None:
    """A feed cut mid-way (bozo) still yields the entries it holds."""
    raw = rss_items(3)[:-40]
    assert [c.url for c in parse_feed(raw, "https://news.test/feed", "s")][:2] == [
        "https://news.test/0",
        "https://news.test/1",
    ]


URLSET = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</urlset>'


def test_sitemap_entities_are_never_expanded(tmp_path: Path) -> None:
    """A billion-laughs or XXE sitemap yields its URLs with the entities left out."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    laughs = billion_laughs("urlset", URLSET.format("<url><loc>https://news.test/X</loc></url>"))
    assert [c.url for c in parse_sitemap(laughs, "https://news.test/s", "s").pages] == [
        "https://news.test/"
    ]
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file://{secret}">]>'
        + URLSET.format("<url><loc>https://news.test/&x;</loc></url>")
    ).encode()
    pages = parse_sitemap(xxe, "https://news.test/s", "s").pages
    assert "SECRET" not in repr(pages)


def test_sitemap_gzip_bomb_is_refused() -> None:
    """A gzipped sitemap inflating past 50 MB is a DiscoveryError, not 4 GB in memory."""
    with pytest.raises(DiscoveryError, match="larger than"):
        parse_sitemap(_endless_zlib(31, 4), "https://news.test/s.xml.gz", "s")


def test_sitemap_with_50000_urls_and_an_index_listing_itself() -> None:
    """50,000 URLs are read; an index lists itself as any other child (the pipeline reads
    each sitemap once)."""
    urls = "".join(f"<url><loc>https://news.test/{i}</loc></url>" for i in range(50_000))
    assert len(parse_sitemap(URLSET.format(urls).encode(), "https://news.test/s", "s").pages) == (
        50_000
    )
    index = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://news.test/index.xml</loc></sitemap></sitemapindex>"
    )
    listed = parse_sitemap(index, "https://news.test/index.xml", "s")
    assert listed.sitemaps == (("https://news.test/index.xml", None),)


def test_run_survives_hostile_feed_and_sitemaps(server: FixtureServer, tmp_path: Path) -> None:
    """`archiver run`: a billion-laughs feed fails as bad_document; a sitemap index that
    lists itself is read once; an endless chain of indexes stops at the file limit; the
    good article is still archived."""
    article = (Path(__file__).parent / "fixtures/pages/seed-blog-fr.html").read_bytes()
    server.routes["/article"] = Route(200, article, HTML)
    server.routes["/feed.rss"] = Route(200, LAUGHING_RSS, {"Content-Type": "application/rss+xml"})

    def index(*paths: str) -> Route:
        listed = "".join(f"<sitemap><loc>{server.url(p)}</loc></sitemap>" for p in paths)
        xmlns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        return Route(200, f"<sitemapindex {xmlns}>{listed}</sitemapindex>".encode(), {})

    server.routes["/index.xml"] = index("/index.xml", "/chain/0.xml", "/pages.xml")
    for i in range(600):  # each lists the next: endless, as far as the run can tell
        server.routes[f"/chain/{i}.xml"] = index(f"/chain/{i + 1}.xml")
    server.routes["/pages.xml"] = Route(
        200, URLSET.format(f"<url><loc>{server.url('/article')}</loc></url>").encode(), {}
    )
    config = tmp_path / "config.toml"
    config.write_text(
        "[fetch]\nper_host_delay = 0\nallow_private_addresses = true\nrespect_robots = false\n"
        f'[[sources]]\nname = "feed"\nfeed = "{server.url("/feed.rss")}"\n'
        f'[[sources]]\nname = "sitemap"\nsitemap = "{server.url("/index.xml")}"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 1  # the feed failed
    assert any("declares XML entities" in e for e in report["errors"])
    assert server.count("/index.xml") == 1
    assert 0 < sum(1 for p in server.requests if p.startswith("/chain/")) <= 500
    assert server.count("/article") == 1
    with sqlite3.connect(tmp_path / "archive.db") as conn:
        assert conn.execute(
            "select source, reason from fetches where outcome = 'failed'"
        ).fetchall() == [("feed", "bad_document")]
