"""Shared fixtures: a real HTTP server on 127.0.0.1 serving tests/fixtures/, a tmp archive."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
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
    """A canned answer: status, headers and body."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class FixtureServer:
    """A threaded HTTP server on 127.0.0.1: files from tests/fixtures/pages, plus routes a
    test sets; it records every request path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                route = server.routes.get(self.path) or server.file_route(self.path)
                self.send_response(route.status)
                headers = {"Content-Length": str(len(route.body)), **route.headers}
                for key, value in headers.items():
                    if value:  # an empty value leaves the header out
                        self.send_header(key, value)
                self.end_headers()
                # The client may stop reading (size cap): that is expected.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(route.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

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


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    """A running fixture server, stopped after the test."""
    srv = FixtureServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


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
        '[archive]\npath = "archive.db"\n\n[fetch]\nper_host_delay = 0\ntimeout = 10\n'
        "max_bytes = 2000000\nretries = 1\n",
        encoding="utf-8",
    )
    return path


def expected(name: str) -> dict[str, Any]:
    """The expected extraction of fixture page `name`."""
    data: dict[str, Any] = json.loads((PAGES / f"{name}.expected.json").read_text("utf-8"))
    return data
