"""Shared fixtures: real HTTP servers on loopback serving tests/fixtures/, a tmp archive."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import stamina

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = FIXTURES / "pages"


@dataclass
class Route:
    """A canned answer: status, headers and body. An empty header value leaves it out."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    status: int


class FixtureServer:
    """A threaded HTTP server on a loopback address: files from tests/fixtures/pages, plus
    routes a test sets. It answers conditional requests (an ETag on every 200, 304 on a
    match), records every request, and can run a hook when a path is asked for."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[Request] = []
        self.hooks: dict[str, Callable[[], None]] = {}
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server.lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    server.answer(self)
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        """Send the route's answer, or 304 when the client's ETag matches."""
        hook = self.hooks.get(handler.path)
        if hook is not None:
            hook()
        route = self.routes.get(handler.path) or self.file_route(handler.path)
        headers = {"Content-Length": str(len(route.body)), **route.headers}
        if route.status == 200 and "ETag" not in route.headers:
            headers["ETag"] = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
        status, body = route.status, route.body
        if status == 200 and handler.headers.get("If-None-Match") == headers.get("ETag"):
            status, body, headers = 304, b"", {"ETag": headers["ETag"]}
        self.log.append(Request(handler.path, dict(handler.headers), status))
        handler.send_response(status)
        for key, value in headers.items():
            if value:
                handler.send_header(key, value)
        handler.end_headers()
        # The client may stop reading (size cap): that is expected.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(body)

    @property
    def requests(self) -> list[str]:
        """The paths asked for, in order."""
        return [r.path for r in self.log]

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        """Absolute URL of `path` on this server."""
        return self.base + path

    def file_route(self, path: str) -> Route:
        """Serve tests/fixtures/pages/<name> as text/html (no charset), else 404."""
        name = path.split("?")[0].lstrip("/")
        target = PAGES / name
        if name and target.is_file() and target.resolve().parent == PAGES.resolve():
            return Route(200, target.read_bytes(), {"Content-Type": "text/html"})
        return Route(404, b"<html><body>Not found</body></html>", {"Content-Type": "text/html"})

    def count(self, path: str) -> int:
        """How many requests asked for `path`."""
        return sum(1 for p in self.requests if p == path)

    def bodies_sent(self, prefix: str = "/") -> int:
        """How many answers under `prefix` carried a body (status 200)."""
        return sum(1 for r in self.log if r.path.startswith(prefix) and r.status == 200)

    def start(self) -> FixtureServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    """A running fixture server on 127.0.0.1, stopped after the test."""
    srv = FixtureServer().start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _no_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to 127.0.0.1 directly, whatever proxy the machine running them uses."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    """Retries keep their count but never wait on the wall clock."""
    with stamina.set_testing(True, attempts=3, cap=True):
        yield


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """A config for tests: no pacing delay, robots honoured, archive in tmp_path."""
    path = tmp_path / "config.toml"
    path.write_text(
        '[archive]\npath = "archive.db"\n\n[fetch]\nper_host_delay = 0\n'
        "allow_private_addresses = true\ntimeout = 10\n"
        "max_bytes = 2000000\nretries = 1\n[extract]\nworkers = 0\n",
        encoding="utf-8",
    )
    return path


def local_config(folder: Path, sources: str, *, archive: str = 'path = "archive.db"') -> Path:
    """`folder/config.toml` for a run against the loopback server: no pacing, private
    addresses allowed, extraction in-process; `archive` is the [archive] table's body and
    `sources` the `[[sources]]` tables."""
    path = folder / "config.toml"
    path.write_text(
        f"[archive]\n{archive}\n[fetch]\nper_host_delay = 0\n"
        f"allow_private_addresses = true\n[extract]\nworkers = 0\n{sources}",
        encoding="utf-8",
    )
    return path


def expected(name: str) -> dict[str, Any]:
    """The expected extraction of fixture page `name`."""
    data: dict[str, Any] = json.loads((PAGES / f"{name}.expected.json").read_text("utf-8"))
    return data
