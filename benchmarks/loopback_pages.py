"""Saved web pages, unpacked into a temporary folder and served from several loopback hosts.

Helper of `pipeline_throughput.py`. The pages come from the development sets
(`wcxb-dev/html/*.html.gz`, UTF-8, and `trafilatura-eval/html/*.gz`, raw bytes as saved with
whatever charset they declare); they are written outside the repository and served as the web
would serve them: `text/html; charset=utf-8` when the charset is known, plain `text/html`
otherwise. Each host also serves `/robots.txt` (everything allowed) and `/sitemap.xml` (its
pages, `<lastmod>` today). Servers listen on loopback addresses only (127.0.0.1, .2, ...: all
of 127/8 is loopback on Linux) and shut down by themselves after `lifetime` seconds.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

ROBOTS = b"User-agent: *\nAllow: /\n"
STOPPING = threading.Lock()


@dataclass(frozen=True)
class Page:
    """One saved page: its file in the served folder and the charset to announce."""

    name: str
    charset: str | None


@dataclass
class Host:
    """One loopback host: its server and the URLs of the pages it serves."""

    address: str
    server: ThreadingHTTPServer
    urls: list[str]

    @property
    def base(self) -> str:
        return f"http://{self.address}:{self.server.server_address[1]}"

    @property
    def sitemap(self) -> str:
        return self.base + "/sitemap.xml"


def devset_files(devset: Path) -> list[tuple[Path, Page]]:
    """Every compressed page of the two sets, in a fixed shuffled order (so that a subset
    holds both sets), with the name and charset it is served under."""
    found = [
        (path, Page("w" + path.name.removesuffix(".html.gz") + ".html", "utf-8"))
        for path in (devset / "wcxb-dev" / "html").glob("*.html.gz")
    ]
    found += [
        (path, Page("t" + path.name.removesuffix(".gz") + ".html", None))
        for path in (devset / "trafilatura-eval" / "html").glob("*.gz")
    ]
    return sorted(found, key=lambda item: hashlib.sha1(item[1].name.encode()).hexdigest())


def unpack(devset: Path, folder: Path, limit: int | None = None) -> list[Page]:
    """Decompress `limit` pages (all by default) into `folder`, bytes unchanged."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = []
    for path, page in devset_files(devset)[:limit]:
        (folder / page.name).write_bytes(gzip.decompress(path.read_bytes()))
        pages.append(page)
    if not pages:
        raise SystemExit(f"no pages found under {devset}")
    return pages


def sitemap_xml(urls: list[str]) -> bytes:
    """A sitemap of `urls`, all modified today."""
    today = datetime.date.today().isoformat()
    entries = "".join(
        f"<url><loc>{escape(url)}</loc><lastmod>{today}</lastmod></url>\n" for url in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</urlset>\n"
    ).encode()


def handler_for(folder: Path, pages: dict[str, Page], files: dict[str, bytes]) -> type:
    """A request handler serving `pages` from `folder`, and the in-memory `files`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            page = pages.get(unquote(self.path))
            if page is not None:
                charset = f"; charset={page.charset}" if page.charset else ""
                self.answer(200, "text/html" + charset, (folder / page.name).read_bytes())
            elif self.path in files:
                kind = "text/plain" if self.path.endswith(".txt") else "application/xml"
                self.answer(200, kind, files[self.path])
            else:
                self.answer(404, "text/plain", b"not found")

        def answer(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", '"' + hashlib.sha256(body).hexdigest()[:16] + '"')
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class QuietServer(ThreadingHTTPServer):
    """A threading server that does not print a client hanging up (clients do, at exit)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def bind_same_port(addresses: list[str], tries: int = 10) -> list[ThreadingHTTPServer]:
    """One server per address, all on one free port (handlers are set later)."""
    for _ in range(tries):
        servers: list[ThreadingHTTPServer] = []
        try:
            for address in addresses:
                port = servers[0].server_address[1] if servers else 0
                servers.append(QuietServer((address, port), BaseHTTPRequestHandler))
            return servers
        except OSError:
            for server in servers:
                server.server_close()
    raise SystemExit(f"could not bind one port on all of {addresses}")


def serve(folder: Path, pages: list[Page], hosts: int, lifetime: float) -> list[Host]:
    """Serve `pages` round-robin from `hosts` loopback addresses; every server stops after
    `lifetime` seconds at the latest (or at `stop`)."""
    addresses = [f"127.0.0.{h + 1}" for h in range(hosts)]
    servers = bind_same_port(addresses)
    port = servers[0].server_address[1]
    result = []
    for h, (address, server) in enumerate(zip(addresses, servers, strict=True)):
        mine = {f"/p/{page.name}": page for page in pages[h::hosts]}
        urls = [f"http://{address}:{port}{quote(path)}" for path in mine]
        files = {"/robots.txt": ROBOTS, "/sitemap.xml": sitemap_xml(urls)}
        server.RequestHandlerClass = handler_for(folder, mine, files)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        result.append(Host(address, server, urls))
    timer = threading.Timer(lifetime, stop, args=(result,))
    timer.daemon = True
    timer.start()
    return result


def stop(hosts: list[Host]) -> None:
    """Shut the servers down (idempotent)."""
    with STOPPING:
        for host in hosts:
            if getattr(host.server, "_stopped", False):
                continue
            host.server._stopped = True  # type: ignore[attr-defined]
            host.server.shutdown()
            host.server.server_close()


def round_robin_urls(hosts: list[Host]) -> list[str]:
    """Every URL, page i on host i modulo the number of hosts (the order pages were dealt)."""
    longest = max(len(host.urls) for host in hosts)
    return [host.urls[i] for i in range(longest) for host in hosts if i < len(host.urls)]
