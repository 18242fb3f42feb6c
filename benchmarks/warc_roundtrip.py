"""Benchmark and check: WARC export, then import into a fresh archive, of an archive of N
articles (each downloaded, re-checked unchanged, and one in five changed), compared table by
table; `warcio check` and `warcio index` on the file; and the export's peak memory at N and
at 10 N articles (each export in a child process, its peak RSS from wait4).

    python benchmarks/warc_roundtrip.py [--articles 1000] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archiver import archive
from archiver.config import load_config
from archiver.extraction import extract_article
from archiver.ingest import import_warcs
from archiver.models import Article, FetchRecord, Page

T0 = datetime(2024, 3, 1, tzinfo=UTC)
ARTICLES = (
    "SELECT url, title, text, content_hash, first_seen, last_changed, last_checked, raw_sha256 "
    "FROM articles ORDER BY url"
)
REVISIONS = "SELECT article_url, text, valid_from, valid_to, raw_sha256 FROM revisions ORDER BY id"


def letters(n: int) -> str:
    """A number spelled in letters: site templates are found blind to digits, so pages
    that differ only by numbers would all be one template."""
    return "".join("abcdefghij"[int(d)] for d in str(n))


def story(n: int, version: int) -> bytes:
    words = " ".join(f"mot{letters(n)}x{letters(i)}" for i in range(80 + n % 50))
    more = f"<p>Mise à jour {version} de l'histoire {n}, avec des détails.</p>" * (version - 1)
    return (
        f"<html><head><title>Histoire {n}</title><meta charset='utf-8'></head><body>"
        f"<nav><a href='/'>Accueil</a> <a href='/monde'>Monde</a></nav><article>"
        f"<h1>Histoire {n}</h1><p>Premier paragraphe de l'histoire {letters(n)} : {words}.</p>"
        f"<p>Un second paragraphe, assez long pour être gardé, sur l'histoire {letters(n)}.</p>"
        f"{more}"
        f"</article><footer>Tous droits réservés</footer></body></html>"
    ).encode()


def store(db: archive.Database, n: int, version: int, when: datetime, extract: bool) -> None:
    url = f"https://site{n % 5}.example/{n}"
    raw = story(n, version)
    record = FetchRecord(
        url=url,
        fetched_at=when,
        final_url=url,
        status=200,
        content_type="text/html; charset=utf-8",
        http_version="HTTP/1.1",
        reason_phrase="OK",
        headers=(("Content-Type", "text/html; charset=utf-8"), ("ETag", f'"{n}-{version}"')),
    )
    html = raw.decode()
    article = extract_article(html, url) if extract else Article(text=f"Histoire {n}. " * 40)
    archive.save_article(db, article, Page(url, url, html, raw, "utf-8", record), source="bench")


def build(path: Path, n: int, *, extract: bool) -> None:
    """n articles: downloaded, re-checked unchanged (304) an hour later, one in five changed."""
    db = archive.open_archive(path)
    with archive.WriteBatch(db) as batch:
        for i in range(n):
            store(db, i, 1, T0 + timedelta(seconds=i), extract)
            batch.tick()
        for i in range(n):
            url = f"https://site{i % 5}.example/{i}"
            when = T0 + timedelta(hours=1, seconds=i)
            archive.mark_not_modified(db, url, FetchRecord(url=url, fetched_at=when, status=304))
            if i % 5 == 0:
                store(db, i, 2, T0 + timedelta(hours=2, seconds=i), extract)
            batch.tick()
    db.close()


def export_peak_rss(db: Path, out: Path) -> tuple[float, int]:
    """Seconds and peak RSS (KB) of `archiver export --format warc` in a child process."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archiver",
            "export",
            "--format",
            "warc",
            "-o",
            str(out),
            "--db",
            str(db),
        ],
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    assert status == 0, status
    return time.perf_counter() - started, usage.ru_maxrss


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    db = archive.open_archive(path)
    try:
        return [tuple(r) for r in db.execute(sql)]
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    n = args.articles
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = folder / "config.toml"
        config.write_text(f"[extract]\nworkers = {args.workers}\n", encoding="utf-8")
        build(folder / "a.db", n, extract=True)
        seconds, rss = export_peak_rss(folder / "a.db", folder / "a.warc.gz")
        warc_size = (folder / "a.warc.gz").stat().st_size
        for tool in ("check", "index"):
            done = subprocess.run(
                [sys.executable, "-m", "warcio.cli", tool, str(folder / "a.warc.gz")],
                capture_output=True,
                text=True,
            )
            lines = len(done.stdout.splitlines())
            print(f"warcio {tool}: exit {done.returncode}, {lines} lines, stderr {done.stderr!r}")
        fresh = folder / "fresh.db"
        db = archive.open_archive(fresh)
        started = time.perf_counter()
        report = import_warcs(
            load_config(config, required=True), db, [folder / "a.warc.gz"], on_problem=print
        )
        imported = time.perf_counter() - started
        db.close()
        same_articles = rows(fresh, ARTICLES) == rows(folder / "a.db", ARTICLES)
        same_revisions = rows(fresh, REVISIONS) == rows(folder / "a.db", REVISIONS)
        print(f"{n} articles, {n // 5} changed once, {n} re-checks: import {report.counts}")
        print(
            f"articles equal: {same_articles}; revisions equal: {same_revisions} "
            f"({len(rows(fresh, REVISIONS))} revisions)"
        )
        print("| step | articles | seconds | articles/s | file | peak RSS |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        print(
            f"| export | {n} | {seconds:.2f} | {n / seconds:.0f} | {warc_size / 1e6:.1f} MB "
            f"| {rss / 1024:.0f} MB |"
        )
        print(
            f"| import ({args.workers} workers) | {n} | {imported:.2f} | {n / imported:.0f} | | |"
        )
        # Memory: the same synthetic archive (stored without extraction) at n and 10 n.
        peaks = {}
        for count in (n, 10 * n):
            build(folder / f"s{count}.db", count, extract=False)
            spent, peaks[count] = export_peak_rss(folder / f"s{count}.db", folder / "s.warc.gz")
            print(
                f"| export, synthetic | {count} | {spent:.2f} | {count / spent:.0f} | "
                f"{(folder / 's.warc.gz').stat().st_size / 1e6:.1f} MB "
                f"| {peaks[count] / 1024:.0f} MB |"
            )
        print(f"peak RSS, export of {10 * n} vs {n} articles: {peaks[10 * n] / peaks[n]:.2f}x")


if __name__ == "__main__":
    main()
