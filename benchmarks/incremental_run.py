"""Benchmark: a first run over N watched pages, then a second run where every page is
unchanged (the server answers 304), in one process against a local server.

    python benchmarks/incremental_run.py [--pages 3000] [--concurrency 4]

Prints the time and request count of each run and their ratio; the second run must cost no
body and no extraction, so its time is bounded by the server's round trips, and it must not
rewrite the full-text index (`fts rows rewritten`: rows of its shadow tables that differ).
The server runs in a process of its own, so that its threads do not compete with the run
for the interpreter lock.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import sqlite3
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from archiver.archive.schema import open_archive
from archiver.config import load_config
from archiver.pipeline import run_sources

FIXTURE = Path(__file__).parent.parent / "tests" / "fixtures" / "pages" / "blog-comments-en.html"


def make_server(pages: int) -> tuple[ThreadingHTTPServer, dict[str, int]]:
    """A local server of `pages` distinct article pages with ETags; it counts answers."""
    template = FIXTURE.read_text("utf-8")
    counts = {"requests": 0, "bodies": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            number = self.path.strip("/").removeprefix("a")
            body = template.replace("</p>", f" (page {number})</p>", 1).encode()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            with lock:
                counts["requests"] += 1
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with lock:
                counts["bodies"] += 1
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, counts


def serve(pages: int, address: Any, requests: Any, bodies: Any) -> None:
    """The server process: serve until killed, publishing its address and counts."""
    server, counts = make_server(pages)
    address.put(server.server_address[:2])
    while True:
        time.sleep(0.05)
        requests.value, bodies.value = counts["requests"], counts["bodies"]


def server_counts(requests: Any, bodies: Any) -> dict[str, int]:
    """The server process's counts (it publishes them every 50 ms)."""
    time.sleep(0.1)
    return {"requests": int(requests.value), "bodies": int(bodies.value)}


def fts_rows(db: Path) -> set[tuple[Any, ...]]:
    """Every row of the full-text index's shadow tables."""
    with sqlite3.connect(db) as conn:
        return {
            (table, *row)
            for table in ("data", "idx", "docsize")
            for row in conn.execute(f"select * from articles_fts_{table}")
        }


def main() -> None:
    """Run the two runs and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    spawn = multiprocessing.get_context("spawn")
    address, requests, bodies = spawn.Queue(), spawn.Value("q", 0), spawn.Value("q", 0)
    server = spawn.Process(target=serve, args=(args.pages, address, requests, bodies), daemon=True)
    server.start()
    host, port = address.get(timeout=60)
    urls = ", ".join(f'"http://{host}:{port}/a{i}"' for i in range(args.pages))
    with tempfile.TemporaryDirectory() as folder:
        config_path = Path(folder) / "config.toml"
        config_path.write_text(
            f"[fetch]\nper_host_delay = 0\nallow_private_addresses = true\nrespect_robots = false\n"
            f"concurrency = {args.concurrency}\nper_host_concurrency = {args.concurrency}\n"
            f'[[sources]]\nname = "watched"\nurls = [{urls}]\n',
            encoding="utf-8",
        )
        config = load_config(config_path, required=True)
        db = open_archive(Path(folder) / "archive.db")
        figures, index = [], set[tuple[Any, ...]]()
        for label in ("first run (all new)", "second run (all 304)"):
            index = fts_rows(Path(folder) / "archive.db")
            before = server_counts(requests, bodies)
            started = time.perf_counter()
            report = run_sources(config, db)
            elapsed = time.perf_counter() - started
            figures.append(elapsed)
            counts = server_counts(requests, bodies)
            print(
                f"{label:<22} {elapsed:7.2f} s  {args.pages / elapsed:8.0f} pages/s  "
                f"requests {counts['requests'] - before['requests']:>6}  "
                f"bodies {counts['bodies'] - before['bodies']:>6}  "
                f"new {report.count('new')} unchanged {report.count('unchanged')} "
                f"failed {len(report.failed)}"
            )
        rewritten = len(index ^ fts_rows(Path(folder) / "archive.db"))
        print(f"second/first time ratio: {figures[1] / figures[0]:.3f}")
        print(f"fts rows rewritten by the second run: {rewritten}")
    server.kill()


if __name__ == "__main__":
    main()
