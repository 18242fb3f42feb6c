"""`archiver run` over a local site: feeds, sitemaps, a listing page, robots.txt, 304s,
revisions, the re-check schedule, politeness, the run lock and a run killed mid-way."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archiver import pipeline
from archiver.archive import schema
from archiver.cli import cli
from archiver.config import load_config
from archiver.host_queue import HostQueues
from archiver.models import Candidate
from archiver.pipeline import run_sources
from archiver.runlock import run_lock
from archiver.urls import host_of
from archiver.web.fetch import Fetcher
from archiver.workers import ExtractionPool
from tests import test_workers
from tests.conftest import PAGES, FixtureServer, Route, expected, local_config

HTML = {"Content-Type": "text/html"}
ARTICLES = {
    "/articles/seed.html": "seed-blog-fr",
    "/articles/blog.html": "blog-comments-en",
    "/articles/news.html": "news-cookie-en",
    "/articles/de.html": "german-news-de",
    "/articles/cp.html": "windows-1252-fr",
    "/watched/story": "changed-v1",
}


def rss(server: FixtureServer, paths: list[str]) -> bytes:
    items = "".join(
        f"<item><title>T{i}</title><link>{server.url(p)}</link>"
        f"<dc:creator>Feed Author</dc:creator></item>"
        for i, p in enumerate(paths)
    )
    return (
        f'<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>x</title>{items}</channel></rss>"
    ).encode()


def build_site(server: FixtureServer) -> None:
    """A small news site: robots.txt, an RSS feed, a sitemap index (listing itself) with a
    gzipped child, a listing page and the article pages."""
    today = datetime.now(UTC).date().isoformat()
    server.routes["/robots.txt"] = Route(200, b"User-agent: *\nDisallow: /private/\n", {})
    server.routes["/feed.rss"] = Route(
        200,
        rss(server, ["/articles/seed.html", "/articles/blog.html", "/private/secret.html"]),
        {"Content-Type": "application/rss+xml"},
    )
    index = (
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{server.url('/sitemap_index.xml')}</loc></sitemap>"
        f"<sitemap><loc>{server.url('/sitemap-news.xml.gz')}</loc></sitemap>"
        f"</sitemapindex>"
    ).encode()
    server.routes["/sitemap_index.xml"] = Route(200, index, {"Content-Type": "application/xml"})
    child = "".join(
        f"<url><loc>{server.url(p)}</loc><lastmod>{today}</lastmod></url>"
        for p in ("/articles/news.html", "/articles/de.html")
    )
    server.routes["/sitemap-news.xml.gz"] = Route(
        200,
        gzip.compress(
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{child}</urlset>'.encode()
        ),
        {"Content-Type": "application/gzip"},
    )
    listing = (
        '<html><body><nav><a href="/about">About</a></nav><main>'
        '<article><h2><a href="/articles/cp.html">Le moulin</a></h2></article>'
        '<article><h2><a href="/articles/seed.html?utm_source=home">Symbiose</a></h2>'
        "</article></main></body></html>"
    )
    server.routes["/opinions/"] = Route(200, listing.encode(), HTML)
    for path, name in ARTICLES.items():
        server.routes[path] = Route(200, (PAGES / f"{name}.html").read_bytes(), HTML)
    server.routes["/private/secret.html"] = Route(200, b"<p>secret</p>", HTML)


def write_config(tmp_path: Path, server: FixtureServer, extra: str = "", workers: int = 0) -> Path:
    """The site's config; `workers = 0` extracts in-process (no worker start-up cost)."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[archive]\npath = "archive.db"\n[fetch]\nper_host_delay = 0\n'
        f"allow_private_addresses = true\ntimeout = 10\n"
        f'contact = "https://archive.test/contact"\n{extra}'
        f"[extract]\nworkers = {workers}\n"
        f'[[sources]]\nname = "feed"\nfeed = "{server.url("/feed.rss")}"\n'
        f'[[sources]]\nname = "sitemap"\nsitemap = "{server.url("/sitemap_index.xml")}"\n'
        f'[[sources]]\nname = "listing"\npage = "{server.url("/opinions/")}"\n'
        f'links = "article h2 a"\n'
        f'[[sources]]\nname = "watched"\nurls = ["{server.url("/watched/story")}"]\n',
        encoding="utf-8",
    )
    return config


def run(config: Path) -> tuple[Result, dict[str, dict[str, int]]]:
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--json"])
    report = json.loads(result.stdout)
    for source in report["sources"]:  # the skips by reason and notes: see their own tests
        source.pop("skipped_by_reason")
        source.pop("note")
    return result, {s.pop("source"): s for s in report["sources"]}


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_first_second_and_third_run(server: FixtureServer, tmp_path: Path) -> None:
    """Run 1 stores what it should; run 2 downloads no unchanged body and stores nothing;
    run 3, after the watched page changed, stores one revision."""
    build_site(server)
    config = write_config(tmp_path, server, workers=2)  # extraction in worker processes
    db = tmp_path / "archive.db"

    first, counts = run(config)
    assert first.exit_code == 0, first.stderr
    assert counts["feed"] == {
        "discovered": 3,
        "new": 2,
        "changed": 0,
        "unchanged": 0,
        "skipped": 1,
        "failed": 0,
    }
    assert counts["sitemap"]["new"] == 2 and counts["listing"]["new"] == 1
    assert counts["watched"]["new"] == 1
    assert len(rows(db, "select url from articles")) == 6
    assert server.count("/private/secret.html") == 0
    assert rows(db, "select outcome, reason from fetches where url like '%/private/%'") == [
        ("skipped", "robots")
    ]
    assert server.count("/sitemap_index.xml") == 1 and server.count("/robots.txt") == 1
    assert server.log[0].headers["User-Agent"].endswith("(+https://archive.test/contact)")
    requests_first = len(server.log)

    second, counts = run(config)
    assert second.exit_code == 0, second.stderr
    assert sum(c["new"] + c["changed"] for c in counts.values()) == 0
    second_log = server.log[requests_first:]
    assert [r.status for r in second_log if r.path.startswith(("/articles", "/watched"))] == [
        304
    ]  # only the watched page is asked again, conditionally
    assert all(
        r.status == 304 for r in second_log if r.path not in ("/robots.txt", "/sitemap_index.xml")
    )
    assert [r.status for r in second_log if r.path.startswith("/sitemap")] == [200, 304]
    assert rows(db, "select count(*) from revisions") == [(0,)]

    server.routes["/watched/story"] = Route(200, (PAGES / "changed-v2.html").read_bytes(), HTML)
    third, counts = run(config)
    assert third.exit_code == 0
    assert counts["watched"]["changed"] == 1
    assert rows(db, "select text from revisions") == [(expected("changed-v1")["text"],)]
    assert len(rows(db, "select url from articles")) == 6
    runs = json.loads(CliRunner().invoke(cli, ["runs", "--config", str(config), "--json"]).stdout)
    assert [r["status"] for r in runs] == ["completed"] * 3
    assert runs[0]["changed"] == 1 and runs[2]["new"] == 6


def test_feed_metadata_fills_gaps(server: FixtureServer, tmp_path: Path) -> None:
    """A page without an author takes the one its feed entry names."""
    build_site(server)
    page = (PAGES / "blog-comments-en.html").read_text("utf-8")
    server.routes["/articles/blog.html"] = Route(
        200, page.replace('<meta name="author"', '<meta name="x-author"').encode(), HTML
    )
    run(write_config(tmp_path, server))
    assert rows(
        tmp_path / "archive.db", "select author from articles where url like '%/articles/blog.html'"
    ) == [("Feed Author",)]


def test_max_new_caps_a_run_and_the_rest_comes_next(server: FixtureServer, tmp_path: Path) -> None:
    """Past `max_new`, new URLs wait for the next run (the feed is then read in full)."""
    build_site(server)
    config = tmp_path / "c.toml"
    config.write_text(
        f"[fetch]\nper_host_delay = 0\nallow_private_addresses = true\n[extract]\nworkers = 0\n"
        f'[[sources]]\nname = "feed"\n'
        f'feed = "{server.url("/feed.rss")}"\nmax_new = 1\n'
        f'exclude = ["/private/"]\n',
        encoding="utf-8",
    )
    _, counts = run(config)
    assert (counts["feed"]["new"], counts["feed"]["skipped"]) == (1, 1)
    _, counts = run(config)
    assert (counts["feed"]["new"], counts["feed"]["skipped"]) == (1, 1)  # 1 new, 1 not due
    assert server.log[-1].status == 200  # the feed was not answered 304 after a capped run


def test_recheck_schedule_with_an_injected_clock(server: FixtureServer, tmp_path: Path) -> None:
    """A known article is not fetched before its interval, and is (conditionally) after."""
    build_site(server)
    start = datetime.now(UTC)
    fresh = (
        (PAGES / "seed-blog-fr.html")
        .read_text("utf-8")
        .replace("2024-03-28", start.date().isoformat())
    )  # published today: re-checked often
    server.routes["/articles/seed.html"] = Route(200, fresh.encode(), HTML)
    config = load_config(write_config(tmp_path, server), required=True)
    db = schema.open_archive(tmp_path / "archive.db")
    run_sources(config, db, now=lambda: start)
    assert server.count("/articles/seed.html") == 1
    run_sources(config, db, now=lambda: start + timedelta(hours=1))
    assert server.count("/articles/seed.html") == 1
    report = run_sources(config, db, now=lambda: start + timedelta(hours=4))
    assert [r.status for r in server.log if r.path == "/articles/seed.html"] == [200, 304]
    assert report.count("unchanged") == 2  # the fresh article and the watched page
    run_sources(config, db, now=lambda: start + timedelta(days=60))
    assert server.count("/articles/seed.html") == 2  # too old to be checked again


def test_429_with_retry_after_is_retried(server: FixtureServer, tmp_path: Path) -> None:
    """A 429 with Retry-After is retried (the wait itself is skipped in tests)."""
    build_site(server)
    page = server.routes["/watched/story"]
    server.routes["/watched/story"] = Route(429, b"", {"Retry-After": "2"})

    def recover() -> None:
        if server.count("/watched/story") == 1:
            server.routes["/watched/story"] = page

    server.hooks["/watched/story"] = recover
    _, counts = run(write_config(tmp_path, server))
    assert counts["watched"]["new"] == 1
    assert [r.status for r in server.log if r.path == "/watched/story"] == [429, 200]


def test_one_request_at_a_time_per_host_and_hosts_in_parallel(tmp_path: Path) -> None:
    """Two hosts are fetched concurrently, each host one request at a time."""
    servers = [FixtureServer("127.0.0.1").start(), FixtureServer("127.0.0.2").start()]
    both_busy = threading.Event()

    def rendezvous() -> None:  # wait (bounded) until the other host is busy too
        if all(s.in_flight for s in servers):
            both_busy.set()
        both_busy.wait(timeout=5)

    try:
        for srv in servers:
            for i in range(3):
                srv.routes[f"/p{i}"] = Route(
                    200, (PAGES / "blog-comments-en.html").read_bytes(), HTML
                )
                srv.hooks[f"/p{i}"] = rendezvous
        urls = [s.url(f"/p{i}") for s in servers for i in range(3)]
        config = load_config(write_config(tmp_path, servers[0]), required=True)

        async def go() -> None:
            settings = replace(config.fetch, respect_robots=False, concurrency=4)
            async with Fetcher(settings) as fetcher:
                await asyncio.gather(*(fetcher.fetch_page(u) for u in urls))

        asyncio.run(go())
        assert both_busy.is_set()
        assert [s.max_in_flight for s in servers] == [1, 1]
    finally:
        for srv in servers:
            srv.stop()


def test_a_second_run_exits_at_once_while_one_holds_the_lock(
    server: FixtureServer, tmp_path: Path
) -> None:
    """While a run holds the archive's lock, another exits with code 4 and a clear line."""
    build_site(server)
    config = write_config(tmp_path, server)
    with run_lock(tmp_path / "archive.db"):
        result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 4
    assert result.stderr.startswith("error: another archiver run (pid ")
    assert server.log == []


def archiver(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "archiver", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    """Wait for a process; its exit code and stderr."""
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def test_two_runs_started_together(server: FixtureServer, tmp_path: Path) -> None:
    """Two runs at once: one archives, the other exits 4 (or runs after it); no duplicates."""
    build_site(server)
    config = write_config(tmp_path, server)
    procs = [archiver("run", "--config", str(config)) for _ in range(2)]
    outcomes = [finish(p) for p in procs]
    assert sorted(code for code, _ in outcomes) in ([0, 0], [0, 4]), outcomes
    db = tmp_path / "archive.db"
    assert rows(db, "select count(*), count(distinct url) from articles") == [(6, 6)]
    assert rows(db, "pragma integrity_check") == [("ok",)]


def test_a_run_killed_mid_way_loses_nothing(server: FixtureServer, tmp_path: Path) -> None:
    """kill -9 during a run: the archive stays sound, and the next run completes the work."""
    build_site(server)
    config = write_config(tmp_path, server, extra="concurrency = 1\n", workers=2)
    db = tmp_path / "archive.db"
    victim: list[subprocess.Popen[str]] = []

    def kill_after_two_stored() -> None:  # bounded wait for the run to have stored two
        for _ in range(3000):
            if db.exists() and rows(db, "select count(*) from articles")[0][0] >= 2:
                break
            threading.Event().wait(0.01)
        os.kill(victim[0].pid, signal.SIGKILL)

    server.hooks["/articles/cp.html"] = kill_after_two_stored
    victim.append(archiver("run", "--config", str(config)))
    assert finish(victim[0])[0] == -signal.SIGKILL
    stored = rows(db, "select url from articles")
    assert 2 <= len(stored) < 6
    assert rows(db, "pragma integrity_check") == [("ok",)]
    del server.hooks["/articles/cp.html"]
    code, err = finish(archiver("run", "--config", str(config)))
    assert code == 0, err
    assert rows(db, "select count(*), count(distinct url) from articles") == [(6, 6)]
    assert rows(db, "select status from runs order by id") == [("interrupted",), ("completed",)]
    for path, name in ARTICLES.items():
        (text,) = rows(db, f"select text from articles where url like '%{path}'")[0]
        assert text == expected(name)["text"], path


def test_sigterm_marks_the_run_interrupted(server: FixtureServer, tmp_path: Path) -> None:
    """SIGTERM stops a run cleanly: exit 130, the run recorded as interrupted."""
    build_site(server)
    config = write_config(tmp_path, server, extra="concurrency = 1\n")
    victim: list[subprocess.Popen[str]] = []
    server.hooks["/articles/news.html"] = lambda: os.kill(victim[0].pid, signal.SIGTERM)
    victim.append(archiver("run", "--config", str(config)))
    code, err = finish(victim[0])
    assert code == 130, err
    assert "interrupted" in err
    assert rows(tmp_path / "archive.db", "select status from runs") == [("interrupted",)]


def test_a_changed_child_sitemap_is_read_under_an_unchanged_index(
    server: FixtureServer, tmp_path: Path
) -> None:
    """The index is the same, one of its child sitemaps lists a new article: found."""
    build_site(server)
    config = write_config(tmp_path, server)
    run(config)
    today = datetime.now(UTC).date().isoformat()
    child = "".join(
        f"<url><loc>{server.url(p)}</loc><lastmod>{today}</lastmod></url>"
        for p in ("/articles/news.html", "/articles/de.html", "/articles/extra.html")
    )
    server.routes["/sitemap-news.xml.gz"] = Route(
        200,
        gzip.compress(
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{child}</urlset>'.encode()
        ),
        {"Content-Type": "application/gzip"},
    )
    server.routes["/articles/extra.html"] = Route(
        200, (PAGES / "blog-comments-en.html").read_bytes(), HTML
    )
    _, counts = run(config)
    assert counts["sitemap"]["new"] == 1


def test_a_broken_child_sitemap_does_not_hide_the_others(
    server: FixtureServer, tmp_path: Path
) -> None:
    """One child sitemap is a 404 and another is garbage: both are reported, the pages of
    the good one are archived."""
    build_site(server)
    index = (
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{server.url('/gone.xml')}</loc></sitemap>"
        f"<sitemap><loc>{server.url('/garbage.xml.gz')}</loc></sitemap>"
        f"<sitemap><loc>{server.url('/sitemap-news.xml.gz')}</loc></sitemap>"
        f"</sitemapindex>"
    ).encode()
    server.routes["/sitemap_index.xml"] = Route(200, index, {"Content-Type": "application/xml"})
    server.routes["/garbage.xml.gz"] = Route(200, b"\x1f\x8b not gzip", {})
    result, counts = run(write_config(tmp_path, server))
    assert result.exit_code == 1
    assert counts["sitemap"]["new"] == 2 and counts["sitemap"]["failed"] == 2
    assert rows(
        tmp_path / "archive.db",
        "select reason from fetches where source = 'sitemap' "
        "and outcome = 'failed' order by reason",
    ) == [("bad_document",), ("http_404",)]


def test_a_refused_page_is_rechecked_when_due_and_kept_once_it_grows(
    server: FixtureServer, tmp_path: Path
) -> None:
    """A stub refused as too short is reported once, re-checked (conditionally) on the
    article schedule without a new error line, and archived when it becomes an article."""
    stub = (PAGES / "too-short.html").read_bytes()
    server.routes["/robots.txt"] = Route(404, b"", {})
    server.routes["/feed.rss"] = Route(
        200, rss(server, ["/live/story.html"]), {"Content-Type": "application/rss+xml"}
    )
    server.routes["/live/story.html"] = Route(200, stub, HTML)
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        '[archive]\npath = "archive.db"\n[fetch]\nper_host_delay = 0\n'
        "allow_private_addresses = true\n[extract]\nworkers = 0\n"
        f'[[sources]]\nname = "live"\nfeed = "{server.url("/feed.rss")}"\n',
        encoding="utf-8",
    )
    config = load_config(config_path, required=True)
    db = schema.open_archive(tmp_path / "archive.db")
    start = datetime.now(UTC)

    def check(hours: float) -> list[tuple[str, str | None, str | None]]:
        report = run_sources(config, db, now=lambda: start + timedelta(hours=hours))
        return [(r.outcome, r.reason, r.message and "message") for r in report.results]

    assert check(0) == [("failed", "too_short", "message")]
    assert check(1) == []  # the feed is unchanged and the page not due: no request
    assert server.count("/live/story.html") == 1
    assert check(4) == [("skipped", "not_article", None)]  # due: asked, answered 304
    assert [r.status for r in server.log if r.path == "/live/story.html"] == [200, 304]
    server.routes["/live/story.html"] = Route(200, stub.replace(b"</p>", b" Encore.</p>"), HTML)
    assert check(8) == [("skipped", "not_article", None)]  # changed, still a stub: no error
    server.routes["/live/story.html"] = Route(200, (PAGES / "seed-blog-fr.html").read_bytes(), HTML)
    assert check(12) == [("new", None, None)]
    assert rows(
        tmp_path / "archive.db",
        "SELECT outcome, reason FROM fetches WHERE url LIKE '%/live/story.html' ORDER BY id",
    ) == [
        ("failed", "too_short"),
        ("unchanged", None),
        ("skipped", "too_short"),
        ("new", None),
    ]


def test_a_feed_over_10_mb_is_refused_and_a_sitemap_is_not(
    server: FixtureServer, tmp_path: Path
) -> None:
    """feedparser needs about 20x a feed's size in memory: a feed over 10 MB is too_large,
    while a sitemap of the same size is read (the protocol allows 50 MB)."""
    padding = "<!-- " + "x" * (11 * 1024 * 1024) + " -->"
    server.routes["/robots.txt"] = Route(404, b"", {})
    server.routes["/big.rss"] = Route(
        200,
        rss(server, ["/articles/seed.html"]).replace(b"<channel>", f"<channel>{padding}".encode()),
        {"Content-Type": "application/rss+xml"},
    )
    server.routes["/big.xml"] = Route(
        200,
        (
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{padding}'
            f"<url><loc>{server.url('/articles/seed.html')}</loc></url></urlset>"
        ).encode(),
        {"Content-Type": "application/xml"},
    )
    server.routes["/articles/seed.html"] = Route(
        200, (PAGES / "seed-blog-fr.html").read_bytes(), HTML
    )
    config = tmp_path / "config.toml"
    config.write_text(
        '[archive]\npath = "archive.db"\n[fetch]\nper_host_delay = 0\n'
        "allow_private_addresses = true\n[extract]\nworkers = 0\n"
        f'[[sources]]\nname = "feed"\nfeed = "{server.url("/big.rss")}"\n'
        f'[[sources]]\nname = "sitemap"\nsitemap = "{server.url("/big.xml")}"\n',
        encoding="utf-8",
    )
    result, counts = run(config)
    assert "too_large" in result.stderr and "big.rss" in result.stderr
    assert counts["feed"]["failed"] == 1
    assert counts["sitemap"]["new"] == 1


def test_run_one_source_by_name(server: FixtureServer, tmp_path: Path) -> None:
    """`run --source NAME` reads only that source; an unknown name is a usage error."""
    build_site(server)
    config = write_config(tmp_path, server)
    result = CliRunner().invoke(
        cli, ["run", "--config", str(config), "--json", "--source", "listing"]
    )
    assert result.exit_code == 0, result.stderr
    assert [s["source"] for s in json.loads(result.stdout)["sources"]] == ["listing"]
    assert "/feed.rss" not in server.requests and "/opinions/" in server.requests
    wrong = CliRunner().invoke(cli, ["run", "--config", str(config), "--source", "nope"])
    assert wrong.exit_code == 2
    assert "no source named nope (feed, listing, sitemap, watched)" in wrong.stderr


def test_an_extraction_failure_is_that_pages_error_and_is_tried_again(
    server: FixtureServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A time-out, an unexpected exception and a crash in the workers are each one error
    line for their page, never `not_article`; the other page is stored, the run completes,
    and the next run reads the feed in full and extracts the three pages."""
    article = (PAGES / "blog-comments-en.html").read_bytes()
    marked = {
        "/ok": b"",
        "/stuck": b"<!-- STUCK -->",
        "/boom": b"<!-- BOOM -->",
        "/die": b"<!-- DIE -->",
    }
    server.routes["/robots.txt"] = Route(404, b"", {})
    server.routes["/feed.rss"] = Route(
        200, rss(server, list(marked)), {"Content-Type": "application/rss+xml"}
    )
    for path, mark in marked.items():
        server.routes[path] = Route(200, article.replace(b"</head>", mark + b"</head>", 1), HTML)
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        '[archive]\npath = "archive.db"\n[fetch]\nper_host_delay = 0\n'
        "allow_private_addresses = true\n[extract]\nworkers = 1\ntimeout = 3\n"
        f'[[sources]]\nname = "feed"\nfeed = "{server.url("/feed.rss")}"\n',
        encoding="utf-8",
    )
    config = load_config(config_path, required=True)
    db = schema.open_archive(tmp_path / "archive.db")
    monkeypatch.setattr(
        pipeline, "_pool", lambda c: ExtractionPool(1, timeout=3, function=test_workers.flaky)
    )
    first = {r.url.rsplit("/", 1)[1]: r for r in run_sources(config, db).results}
    assert {name: (r.outcome, r.reason) for name, r in first.items()} == {
        "ok": ("new", None),
        "stuck": ("failed", "extract_timeout"),
        "boom": ("failed", "extract_error"),
        "die": ("failed", "extract_crashed"),
    }
    assert (
        first["boom"].message == f"{server.url('/boom')}: extract_error (KeyError: 'no such\\nkey')"
    )
    assert rows(tmp_path / "archive.db", "select status from runs") == [("completed",)]
    assert rows(
        tmp_path / "archive.db", "select count(*) from url_state where kind = 'not_article'"
    ) == [(0,)]
    monkeypatch.undo()
    second = {r.url.rsplit("/", 1)[1]: r.outcome for r in run_sources(config, db).results}
    assert second == {"ok": "skipped", "stuck": "new", "boom": "new", "die": "new"}
    assert [r.status for r in server.log if r.path == "/feed.rss"] == [200, 200]
    assert [server.count(p) for p in marked] == [1, 2, 2, 2]


@pytest.mark.parametrize(
    ("turns", "order"),
    [
        ({}, ["a0", "b0", "c0", "a1", "b1", "a2"]),  # no delay anywhere: round robin
        ({"a.test": (9.0, 1)}, ["b0", "c0", "b1", "a0", "a1", "a2"]),  # a paced: later
        ({"c.test": (0.0, 3)}, ["a0", "b0", "a1", "b1", "a2", "c0"]),  # c busy: others first
    ],
)
def test_the_queue_hands_out_the_host_whose_turn_comes_first(
    turns: dict[str, tuple[float, int]], order: list[str]
) -> None:
    """Pages queued host after host come out by turn: earliest start, fewer requests
    under way, least recently served."""
    queue = HostQueues(lambda url: turns.get(host_of(url), (0.0, 0)))
    queue.put(
        Candidate(f"https://{h}.test/{h}{i}", "s")
        for h, n in (("a", 3), ("b", 2), ("c", 1))
        for i in range(n)
    )
    queue.put([Candidate("https://a.test/a0", "again")])  # each URL once
    queue.close()

    async def drain() -> list[str]:
        taken = []
        while (candidate := await queue.get()) is not None:
            taken.append(candidate.url.rsplit("/", 1)[1])
        return taken

    assert asyncio.run(drain()) == order
    assert queue.total == 6


def test_hosts_take_turns_and_none_waits_for_another(tmp_path: Path) -> None:
    """4 hosts × 5 pages with a per-host delay, one source per host in config order: the
    server logs show the requests in rounds, each host once per round (host-parallel),
    not one source after the other."""
    servers = [FixtureServer(f"127.0.0.{h + 1}").start() for h in range(4)]
    order: list[int] = []
    lock = threading.Lock()

    def logger(host: int) -> Callable[[], None]:
        def log() -> None:
            with lock:
                order.append(host)

        return log

    try:
        body = (PAGES / "blog-comments-en.html").read_bytes()
        sources = ""
        for h, srv in enumerate(servers):
            for i in range(5):
                srv.routes[f"/p{i}"] = Route(
                    200, body.replace(b"</h1>", f" {i}</h1>".encode()), HTML
                )
                srv.hooks[f"/p{i}"] = logger(h)
            urls = ", ".join(f'"{srv.url(f"/p{i}")}"' for i in range(5))
            sources += f'[[sources]]\nname = "host{h}"\nurls = [{urls}]\n'
        config_path = tmp_path / "config.toml"
        config_path.write_text(
            "[fetch]\nper_host_delay = 0.25\nallow_private_addresses = true\n"
            "respect_robots = false\nconcurrency = 8\n[extract]\nworkers = 0\n" + sources,
            encoding="utf-8",
        )
        config = load_config(config_path, required=True)
        report = run_sources(config, schema.open_archive(tmp_path / "archive.db"))
        assert report.count("new") == 20
        rounds = [set(order[i : i + 4]) for i in range(0, 20, 4)]
        assert rounds == [{0, 1, 2, 3}] * 5, order
    finally:
        for srv in servers:
            srv.stop()


def test_a_304_recheck_leaves_the_full_text_index_alone(
    server: FixtureServer, tmp_path: Path
) -> None:
    """The second run's 304 for the watched page changes no row of the index; the third
    run's changed page does."""
    build_site(server)
    config = write_config(tmp_path, server)
    db = tmp_path / "archive.db"

    def index() -> set[tuple[object, ...]]:
        return {
            (t, *r)
            for t in ("data", "idx", "docsize")
            for r in rows(db, f"select * from articles_fts_{t}")
        }

    run(config)
    indexed = index()
    run(config)
    assert rows(db, "select outcome from fetches where url like '%/watched/story' order by id") == [
        ("new",),
        ("unchanged",),
    ]
    assert index() == indexed
    server.routes["/watched/story"] = Route(200, (PAGES / "changed-v2.html").read_bytes(), HTML)
    run(config)
    assert index() != indexed


def honest_site(server: FixtureServer, tmp_path: Path) -> Path:
    """A feed with a dead link, a sitemap whose entries are all old, a source that fails."""
    server.routes["/robots.txt"] = Route(200, b"User-agent: *\n", {})
    server.routes["/feed.rss"] = Route(
        200, rss(server, ["/articles/seed.html", "/gone.html"]), {"Content-Type": "text/xml"}
    )
    server.routes["/gone.html"] = Route(404, b"<p>gone</p>", HTML)
    server.routes["/articles/seed.html"] = Route(
        200, (PAGES / "seed-blog-fr.html").read_bytes(), HTML
    )
    old = "".join(
        f"<url><loc>{server.url(f'/old/{i}.html')}</loc><lastmod>2019-01-0{i + 1}</lastmod></url>"
        for i in range(3)
    )
    server.routes["/sitemap.xml"] = Route(
        200,
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{old}</urlset>'.encode(),
        {"Content-Type": "application/xml"},
    )
    config = tmp_path / "config.toml"
    config.write_text(
        '[archive]\npath = "archive.db"\n[fetch]\nper_host_delay = 0\n'
        "allow_private_addresses = true\ntimeout = 10\n[extract]\nworkers = 0\n"
        f'[[sources]]\nname = "feed"\nfeed = "{server.url("/feed.rss")}"\n'
        f'[[sources]]\nname = "old-sitemap"\nsitemap = "{server.url("/sitemap.xml")}"\n'
        f'[[sources]]\nname = "broken"\nfeed = "{server.url("/no-such-feed.xml")}"\n',
        encoding="utf-8",
    )
    return config


def full_report(config: Path) -> tuple[Result, dict[str, dict[str, object]]]:
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--json"])
    return result, {s["source"]: s for s in json.loads(result.stdout)["sources"]}


def test_skips_are_counted_by_reason_and_an_empty_source_says_why(
    server: FixtureServer, tmp_path: Path
) -> None:
    """The run's summary, `--json` and `runs` count skips by reason; a sitemap whose entries
    are all too old says so; a source with entries it wants has no note."""
    config = honest_site(server, tmp_path)
    result, sources = full_report(config)
    assert sources["old-sitemap"]["skipped_by_reason"] == {"too_old": 3}
    assert sources["old-sitemap"]["note"] == "sitemap: 3 entries, all older than max_age_days = 30"
    assert sources["feed"]["note"] is None
    assert sources["feed"]["skipped_by_reason"] == {}
    assert (
        "archiver: source old-sitemap: sitemap: 3 entries, all older than max_age_days = 30"
        in result.stderr
    )
    assert "; 3 entries not wanted (3 too_old); 1 source failed" in result.stderr
    assert not any("/old/" in path for path in server.requests)
    runs = json.loads(CliRunner().invoke(cli, ["runs", "--config", str(config), "--json"]).stdout)
    assert runs[0]["skipped_by_reason"] == {"too_old": 3}
    table = CliRunner().invoke(cli, ["runs", "--config", str(config)]).stdout
    assert "too_old=3" in table.splitlines()[1]


def test_a_dead_link_is_reported_once_then_waits(server: FixtureServer, tmp_path: Path) -> None:
    """A 404 in a feed fails the first run; next runs skip it as `gone` (no error line), and
    it is asked for again only on the slow schedule. A 500 is not `gone`."""
    config = honest_site(server, tmp_path)
    config.write_text(config.read_text("utf-8").split('[[sources]]\nname = "old')[0], "utf-8")
    first, sources = full_report(config)
    assert first.exit_code == 1 and "gone.html: http_404" in first.stderr
    server.routes["/feed.rss"] = Route(  # the feed changed: it is read again in full
        200,
        rss(server, ["/articles/seed.html", "/gone.html", "/broken.html"]),
        {"Content-Type": "text/xml"},
    )
    server.routes["/broken.html"] = Route(500, b"", HTML)
    second, sources = full_report(config)
    assert "gone.html" not in second.stderr
    assert "broken.html: http_500" in second.stderr  # a passing error is no `gone`
    assert server.count("/gone.html") == 1
    assert sources["feed"]["skipped_by_reason"] == {"gone": 1, "not_due": 1}
    db = tmp_path / "archive.db"
    assert rows(db, "select kind from url_state where url like '%gone.html'") == [("gone",)]
    third, _ = full_report(config)
    assert "broken.html: http_500" in third.stderr and "gone.html" not in third.stderr
    server.routes["/feed.rss"] = Route(  # the dead link stays, the passing error is gone
        200, rss(server, ["/gone.html", "/articles/seed.html"]), {"Content-Type": "text/xml"}
    )
    fourth, _ = full_report(config)
    assert fourth.exit_code == 0, fourth.stderr
    assert server.count("/gone.html") == 1


def test_a_run_where_every_source_failed_is_failed(server: FixtureServer, tmp_path: Path) -> None:
    """Every source failing makes the run `failed` (exit 1); one source working keeps it
    `completed` even when another failed."""
    config = honest_site(server, tmp_path)
    text = config.read_text("utf-8")
    config.write_text(text.split("[[sources]]")[0] + "[[sources]]" + text.split("[[sources]]")[3])
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 1
    config.write_text(text, "utf-8")
    CliRunner().invoke(cli, ["run", "--config", str(config)])
    db = tmp_path / "archive.db"
    assert rows(db, "select status from runs order by id") == [("failed",), ("completed",)]


def test_every_document_with_a_body_is_in_the_fetch_log(
    server: FixtureServer, tmp_path: Path
) -> None:
    """Feeds and sitemaps read are rows of `fetches` (outcome `read`), their 304s too."""
    config = honest_site(server, tmp_path)
    full_report(config)
    full_report(config)
    db = tmp_path / "archive.db"
    logged = rows(
        db,
        "select run_id, outcome, status from fetches where url like '%feed.rss' "
        "or url like '%sitemap.xml' order by id",
    )
    assert logged == [(1, "read", 200), (1, "read", 200), (2, "unchanged", 304), (2, "read", 200)]


STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "


def test_a_refused_run_is_recorded(server: FixtureServer, tmp_path: Path) -> None:
    """A run refused by the lock (exit 4) is a `refused` row of `runs`, with its line."""
    build_site(server)
    config = write_config(tmp_path, server)
    CliRunner().invoke(cli, ["run", "--config", str(config)])
    with run_lock(tmp_path / "archive.db"):
        result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 4
    refused = rows(tmp_path / "archive.db", "select status, errors from runs order by id")
    assert [status for status, _ in refused] == ["completed", "refused"]
    assert "another archiver run" in str(refused[1][1])


def test_log_lines_are_stamped_in_a_log_file_and_a_pipe(
    server: FixtureServer, tmp_path: Path
) -> None:
    """--log-file appends the lines there, each with its UTC time; on a pipe, stderr lines
    are stamped; captured in memory (or on a terminal), they are not."""
    config = honest_site(server, tmp_path)
    log = tmp_path / "logs" / "archiver.log"
    log.parent.mkdir()
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--log-file", str(log)])
    assert result.exit_code == 1 and result.stderr == ""
    lines = log.read_text("utf-8").splitlines()
    assert len(lines) >= 3 and all(re.match(STAMP, line) for line in lines)
    assert re.match(STAMP + "error: ", lines[0]) and "archiver: run 1: " in lines[-1]
    plain = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert plain.stderr.splitlines()[-1].startswith("archiver: run 2: ")
    code, err = finish(archiver("run", "--config", str(config)))
    assert code == 1 and err.splitlines() and all(re.match(STAMP, x) for x in err.splitlines())


def test_a_listed_url_that_is_gone_keeps_failing(server: FixtureServer, tmp_path: Path) -> None:
    """A 404 on a URL the user listed (`urls`) is reported on every run: it is not `gone`."""
    server.routes["/robots.txt"] = Route(200, b"User-agent: *\n", {})
    server.routes["/gone.html"] = Route(404, b"", HTML)
    config = local_config(
        tmp_path, f'[[sources]]\nname = "watched"\nurls = ["{server.url("/gone.html")}"]\n'
    )
    for _ in range(2):
        result = CliRunner().invoke(cli, ["run", "--config", str(config)])
        assert result.exit_code == 1 and "gone.html: http_404" in result.stderr
    assert rows(tmp_path / "archive.db", "select kind from url_state where url like '%gone%'") == []


def test_the_main_process_of_a_run_never_loads_the_extraction_libraries(
    server: FixtureServer, tmp_path: Path
) -> None:
    """A run with a worker process stores its article while its own process has loaded
    neither trafilatura nor the language model: those live in the workers."""
    server.routes["/robots.txt"] = Route(404, b"", {})
    server.routes["/story"] = Route(200, (PAGES / "blog-comments-en.html").read_bytes(), HTML)
    config = local_config(tmp_path, f'[[sources]]\nname = "s"\nurls = ["{server.url("/story")}"]\n')
    config.write_text(config.read_text("utf-8").replace("workers = 0", "workers = 1"), "utf-8")
    heavy = ("trafilatura", "pycld2", "justext", "htmldate")
    code = (
        "import sys\nfrom archiver.cli import cli\n"
        "try:\n    cli(['run', '--config', sys.argv[1]])\n"
        f"finally:\n    print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(config)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    assert rows(tmp_path / "archive.db", "select count(*) from articles") == [(1,)]
