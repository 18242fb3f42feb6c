"""Crashes and limits: kill -9 at random points of many runs, a full disk, and pages built
to make the extractor crash or hang. The archive stays sound and nothing stored is lost."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from archiver import pipeline
from archiver.archive import schema, store
from archiver.config import load_config
from archiver.errors import ExtractError, StoreError
from archiver.models import Article
from archiver.workers import ExtractionPool
from tests.conftest import PAGES, FixtureServer, Route, expected

HTML = {"Content-Type": "text/html"}
SITE = {
    f"/a{i}": name
    for i, name in enumerate(
        [
            "seed-blog-fr",
            "news-cookie-en",
            "blog-comments-en",
            "german-news-de",
            "windows-1252-fr",
            "windows-1252-fr-meta",
            "changed-v1",
            "modal-story-fr",
            "dateline-hidden-de",
        ]
    )
}
TRIALS = 12


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def archiver_run(config: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "archiver", "run", "--config", str(config)],
        env=env,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )


def assert_sound(db: Path, server: FixtureServer) -> None:
    """integrity_check is ok and every stored article is whole (its exact expected text)."""
    assert rows(db, "pragma integrity_check") == [("ok",)]
    for url, text in rows(db, "select url, text from articles"):
        path = "/" + str(url).rsplit("/", 1)[1]
        assert text == expected(SITE[path])["text"], url
    assert rows(db, "select count(*) from articles_fts") == rows(
        db, "select count(*) from articles"
    )


def test_kill_9_at_random_points(server: FixtureServer, tmp_path: Path) -> None:
    """Many runs killed at random requests; each leaves a sound archive; a last run
    completes the work with every article once."""
    for path, name in SITE.items():
        server.routes[path] = Route(200, (PAGES / f"{name}.html").read_bytes(), HTML)
    urls = ", ".join(f'"{server.url(p)}"' for p in SITE)
    config = tmp_path / "config.toml"
    config.write_text(
        "[fetch]\nper_host_delay = 0\nallow_private_addresses = true\n"
        "respect_robots = false\nconcurrency = 2\n[extract]\nworkers = 0\n"
        f'[[sources]]\nname = "site"\nurls = [{urls}]\n',
        encoding="utf-8",
    )
    db = tmp_path / "archive.db"
    rng = random.Random(20261126)
    killed = 0
    for _ in range(TRIALS):
        victim = archiver_run(config)
        target = rng.choice(list(SITE))
        fired = threading.Event()

        def kill(pid: int = victim.pid, event: threading.Event = fired) -> None:
            if not event.is_set():
                event.set()
                os.kill(pid, signal.SIGKILL)

        server.hooks = {target: kill}
        victim.communicate(timeout=120)
        killed += victim.returncode == -signal.SIGKILL
        if db.exists():
            assert_sound(db, server)
    server.hooks = {}
    final = archiver_run(config)
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    assert_sound(db, server)
    assert rows(db, "select count(*), count(distinct url) from articles") == [(9, 9)]
    print(f"{killed} of {TRIALS} runs killed mid-way")
    assert killed >= TRIALS // 2  # most trials really were killed mid-run


def test_a_full_disk_is_a_clear_error(server: FixtureServer, tmp_path: Path) -> None:
    """When SQLite reports a full disk, the run stops with a StoreError; earlier articles
    are intact and the archive is sound."""
    server.routes["/a0"] = Route(200, (PAGES / "seed-blog-fr.html").read_bytes(), HTML)
    server.routes["/a1"] = Route(200, (PAGES / "news-cookie-en.html").read_bytes(), HTML)
    config = tmp_path / "config.toml"
    config.write_text(
        "[fetch]\nper_host_delay = 0\nallow_private_addresses = true\n[extract]\nworkers = 0\n",
        encoding="utf-8",
    )
    settings = load_config(config, required=True)
    db = schema.open_archive(tmp_path / "archive.db")
    pipeline.fetch_urls([server.url("/a0")], settings, db)
    (pages,) = db.execute("pragma page_count").fetchone()
    db.execute(f"pragma max_page_count = {pages}")  # the disk is now full
    with pytest.raises(StoreError, match="full"):
        pipeline.fetch_urls([server.url("/a1")], settings, db)
    db.close()
    assert rows(tmp_path / "archive.db", "pragma integrity_check") == [("ok",)]
    assert rows(tmp_path / "archive.db", "select text from articles") == [
        (expected("seed-blog-fr")["text"],)
    ]


PATHOLOGICAL = {
    "100,000 nested elements": "<div>" * 100_000 + "<p>deep</p>" + "</div>" * 100_000,
    "100,000 tiny elements": "<span>a</span>" * 100_000,
    "a 20 MB single line": "<p>" + "mot " * 5_000_000 + "</p>",
    "huge scripts": "<script>" + "var a=1;" * 2_000_000 + "</script><p>text</p>",
    "garbage": "\x00\x01\ufffd<<<>>>" * 10_000,
    "unclosed everything": "<p><b><i><table><tr><td>" * 5_000,
}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_pages_end_within_the_time_limit(name: str) -> None:
    """The extractor gives an article or a documented refusal, never a crash, and a worker
    past its time limit is stopped."""
    html = f"<html><body>{PATHOLOGICAL[name]}</body></html>"

    async def go() -> Article | BaseException:
        with ExtractionPool(1, timeout=20) as pool:
            (result,) = await asyncio.gather(pool.extract(html, None), return_exceptions=True)
        return result

    result = asyncio.run(go())
    assert isinstance(result, Article | ExtractError), repr(result)


def test_store_error_keeps_earlier_run_rows(tmp_path: Path) -> None:
    """A failed write never damages what was stored before (one transaction per article)."""
    db = schema.open_archive(tmp_path / "a.db")
    from tests.test_store import ARTICLE, page

    store.save_article(db, ARTICLE, page())
    broken = replace(ARTICLE, text=ARTICLE.text + " changed")
    db.execute(
        "create trigger fail before insert on revisions begin "
        "select raise(abort, 'disk I/O error'); end"
    )
    with pytest.raises(StoreError):
        store.save_article(db, broken, page(when=3))
    assert rows(tmp_path / "a.db", "select text from articles") == [(ARTICLE.text,)]


def test_a_read_only_archive_is_a_clear_error(
    server: FixtureServer, tmp_path: Path, config_file: Path
) -> None:
    """An archive file that cannot be written (immutable, so that even root cannot): reads
    work, a write is one `error:` line with exit 3, and the file is left as it was."""
    from click.testing import CliRunner

    from archiver.cli import cli

    db = tmp_path / "archive.db"
    server.routes["/a0"] = Route(200, (PAGES / "seed-blog-fr.html").read_bytes(), HTML)
    server.routes["/a1"] = Route(200, (PAGES / "news-cookie-en.html").read_bytes(), HTML)
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["fetch", server.url("/a0"), "--config", str(config_file)]).exit_code
        == 0
    )
    before = db.read_bytes()
    if subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available on this file system")
    try:
        assert runner.invoke(cli, ["search", "symbiose", "--db", str(db)]).exit_code == 0
        result = runner.invoke(cli, ["fetch", server.url("/a1"), "--config", str(config_file)])
        assert result.exit_code == 3, result.stderr
        assert result.stderr.startswith("error: ") and "readonly" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=True)
    assert db.read_bytes() == before
