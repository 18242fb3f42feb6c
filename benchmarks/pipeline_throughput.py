"""Benchmark: `archiver run` over N article pages of about 100 KB served from several local
hosts, beside (a) bare `trafilatura.extract` over the same HTML in this process (the CPU floor
of extraction on one core) and (b) trafilatura's own command line fetching and extracting the
same URL list.

    python benchmarks/pipeline_throughput.py [--pages 600] [--hosts 3] [--no-cli]

Prints pages per second and peak memory of each, and the ratios. Peak memory is the largest
sum of the resident sizes of the process and its children (the extraction workers), sampled
every 20 ms from /proc.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PAGES = Path(__file__).parent.parent / "tests" / "fixtures" / "pages"
ARTICLES = [
    "seed-blog-fr",
    "news-cookie-en",
    "blog-comments-en",
    "german-news-de",
    "windows-1252-fr-meta",
    "changed-v2",
]
TARGET_BYTES = 100_000


def page_html(i: int) -> bytes:
    """A ~100 KB page: a fixture article with one unique paragraph, padded like real pages
    (navigation, inline scripts and styles, footer links)."""
    name = ARTICLES[i % len(ARTICLES)]
    raw = (PAGES / f"{name}.html").read_bytes().decode("utf-8", "replace")
    unique = (
        f"<p>Paragraphe {i} : une phrase propre à cette page, pour que chaque texte "
        f"soit différent des autres et que le stockage ne voie aucun doublon.</p>"
    )
    raw = raw.replace("</p>", "</p>" + unique, 1)
    filler = (
        "<script>window.dataLayer=window.dataLayer||[];dataLayer.push({'event':'view',"
        f"'page':{i},'section':'opinion','tags':['a','b','c']}});</script>"
        "<nav class='mega-menu'><ul>"
        + "".join(f"<li><a href='/rubrique/{k}'>Rubrique numéro {k}</a></li>" for k in range(40))
        + "</ul></nav>"
    )
    while len(raw.encode()) < TARGET_BYTES:
        raw = raw.replace("</body>", filler + "</body>")
    return raw.encode()


def serve(host: str, pages: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = pages.get(self.path)
            status = 200 if body is not None else 404
            body = body if body is not None else b"not found"
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", '"' + hashlib.sha256(body).hexdigest()[:16] + '"')
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KB."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(
                    (int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0
                )
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack += [int(c) for c in children.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def timed_command(command: list[str], cwd: Path) -> tuple[float, int, int]:
    """Wall time, peak tree RSS (KB) and exit code of a command."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kb(process.pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    if process.returncode not in (0, 1):
        print(process.stderr.read() if process.stderr else "", file=sys.stderr)
    if process.stderr:
        process.stderr.close()
    return elapsed, peak, process.returncode


def main() -> None:
    """Run the three contenders and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--hosts", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-cli", action="store_true", help="Skip trafilatura's CLI.")
    parser.add_argument(
        "--only-archiver",
        action="store_true",
        help="Skip both baselines (for memory runs over many pages).",
    )
    args = parser.parse_args()
    html = {i: page_html(i) for i in range(args.pages)}
    servers = []
    for h in range(args.hosts):
        mine = {f"/p{i}": body for i, body in html.items() if i % args.hosts == h}
        servers.append(serve(f"127.0.0.{h + 1}", mine))
    urls = [
        f"http://127.0.0.{i % args.hosts + 1}:{servers[i % args.hosts].server_address[1]}/p{i}"
        for i in range(args.pages)
    ]
    mean_kb = sum(len(b) for b in html.values()) / len(html) / 1000
    print(
        f"{args.pages} pages of {mean_kb:.0f} KB on {args.hosts} hosts, "
        f"{os.cpu_count()} cores, {args.workers} extraction workers"
    )

    import trafilatura

    texts = [body.decode("utf-8") for body in html.values()]
    sample = texts if not args.only_archiver else texts[:50]
    trafilatura.extract(texts[0])
    started = time.perf_counter()
    for text in sample:
        trafilatura.extract(text)
    bare = (time.perf_counter() - started) / len(sample) * args.pages
    label = "trafilatura.extract, 1 process (no network)" + (
        f" ({len(sample)}-page sample)" if args.only_archiver else ""
    )
    rows = [(label, args.pages / bare, None)]

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        quoted = ", ".join(f'"{u}"' for u in urls)
        (work / "config.toml").write_text(
            "[fetch]\nper_host_delay = 0\nallow_private_addresses = true\nconcurrency = 8\n"
            f"per_host_concurrency = 3\n[extract]\nworkers = {args.workers}\n"
            f'[[sources]]\nname = "bench"\nurls = [{quoted}]\n',
            encoding="utf-8",
        )
        elapsed, peak, code = timed_command(
            [sys.executable, "-m", "archiver", "run", "--config", "config.toml"], work
        )
        rows.append((f"archiver run (exit {code})", args.pages / elapsed, peak))
        ours = args.pages / elapsed
        if not (args.no_cli or args.only_archiver):
            (work / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
            (work / "traf.cfg").write_text(
                (Path(trafilatura.__file__).parent / "settings.cfg")
                .read_text()
                .replace("SLEEP_TIME = 5.0", "SLEEP_TIME = 0")
                .replace("SSRF_PROTECTION = on", "SSRF_PROTECTION = off"),
                encoding="utf-8",
            )
            cli = Path(sys.executable).with_name("trafilatura")
            elapsed, peak, code = timed_command(
                [
                    str(cli),
                    "-i",
                    "urls.txt",
                    "-o",
                    "out",
                    "--parallel",
                    str(os.cpu_count()),
                    "--config-file",
                    "traf.cfg",
                ],
                work,
            )
            written = len(list((work / "out").glob("*"))) if (work / "out").exists() else 0
            rows.append(
                (
                    f"trafilatura CLI --parallel {os.cpu_count()} ({written} files)",
                    args.pages / elapsed,
                    peak,
                )
            )
    print(f"{'':<48} {'pages/s':>8} {'peak RSS':>10} {'vs bare':>8}")
    for label, rate, peak in rows:
        memory = f"{peak / 1024:.0f} MB" if peak else "-"
        print(f"{label:<48} {rate:8.1f} {memory:>10} {rate / rows[0][1]:7.2f}x")
    if len(rows) == 3:
        print(f"archiver / trafilatura CLI: {ours / rows[2][1]:.2f}x")
    for server in servers:
        server.shutdown()


if __name__ == "__main__":
    main()
