"""Extraction on a Dask cluster (`[extract] scheduler`): the same articles as the local pool,
the same errors, a time limit, a dead worker retried once then reported, nothing lost; and
`import` and `reextract` through it. The cluster is a `LocalCluster` of two processes."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from click.testing import CliRunner  # noqa: E402

from archiver.archive import open_archive  # noqa: E402
from archiver.cli import cli  # noqa: E402
from archiver.cluster import DaskExecutor  # noqa: E402
from archiver.errors import ExtractError, NotAnArticle  # noqa: E402
from archiver.extraction import extract_article  # noqa: E402
from archiver.models import Article  # noqa: E402
from tests.conftest import PAGES, FixtureServer, Route, expected  # noqa: E402
from tests.test_warc import foreign_warc, story  # noqa: E402


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A LocalCluster of 2 worker processes, 1 thread each, set up as the README says: a
    task on a dying worker is given up by the scheduler at once (the executor's own retry
    is what is tested), and no task waits on a worker behind another."""
    import dask

    with (
        dask.config.set(
            {
                "distributed.scheduler.allowed-failures": 0,
                "distributed.scheduler.worker-saturation": 1.0,
            }
        ),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: never the default 8787 another run holds
            host="127.0.0.1",
        ) as cluster,
    ):
        yield cluster.scheduler_address


def once_then_die(html: str, url: str | None, **options: object) -> Article:
    """Kills its worker process the first time it sees a page named `marker:PATH`."""
    if html.startswith("marker:"):
        marker = Path(html.removeprefix("marker:"))
        if not marker.exists():
            marker.write_text("died once")
            os._exit(11)
        return Article(text="survived")
    if html == "always":
        os._exit(11)
    if html == "stuck":
        time.sleep(30)
    return extract_article(html, url, **options)  # type: ignore[arg-type]


def run(executor: DaskExecutor, *htmls: str) -> list[Article | BaseException]:
    async def go() -> list[Article | BaseException]:
        return await asyncio.gather(
            *(executor.extract(h, None) for h in htmls), return_exceptions=True
        )

    return asyncio.run(go())


def test_the_cluster_extracts_like_the_local_pool(scheduler: str) -> None:
    """Pages sent to Dask workers come back as the same articles; a refusal keeps its reason."""
    names = ["seed-blog-fr", "blog-comments-en", "german-news-de", "navigation-only"]
    htmls = [(PAGES / f"{n}.html").read_text("utf-8") for n in names]
    with DaskExecutor(scheduler, timeout=60) as executor:
        assert executor.capacity == 2
        *articles, refused = run(executor, *htmls)
    for name, article in zip(names, articles, strict=False):
        assert isinstance(article, Article) and article.text == expected(name)["text"]
    assert isinstance(refused, NotAnArticle) and refused.reason == "navigation"


def test_a_dead_worker_is_retried_once_then_reported(scheduler: str, tmp_path: Path) -> None:
    """A page whose worker dies once is sent again and comes back; one that kills every
    worker it reaches is `extract_crashed`; the pages beside them are not lost."""
    html = (PAGES / "seed-blog-fr.html").read_text("utf-8")
    with DaskExecutor(scheduler, timeout=60, function=once_then_die) as executor:
        survived, crashed, *others = run(
            executor, f"marker:{tmp_path / 'died'}", "always", html, html
        )
    assert isinstance(survived, Article) and survived.text == "survived"
    assert isinstance(crashed, ExtractError) and crashed.reason == "extract_crashed"
    assert all(
        isinstance(a, Article) and a.text == expected("seed-blog-fr")["text"] for a in others
    )


def test_a_page_past_the_time_limit_is_reported(scheduler: str) -> None:
    """A page stuck longer than the limit is `extract_timeout`; the other worker goes on."""
    html = (PAGES / "blog-comments-en.html").read_text("utf-8")
    with DaskExecutor(scheduler, timeout=60) as warm:  # workers up, the extractor imported
        warm._client.wait_for_workers(2)  # type: ignore[union-attr]
        run(warm, html, html)
    # A limit with room for a real page on a loaded machine; the stuck one sleeps far past it.
    with DaskExecutor(scheduler, timeout=8.0, function=once_then_die) as executor:
        stuck, article = run(executor, "stuck", html)
    assert isinstance(stuck, ExtractError) and stuck.reason == "extract_timeout"
    assert isinstance(article, Article) and article.text == expected("blog-comments-en")["text"]


def test_in_flight_pages_are_bounded(scheduler: str) -> None:
    """Back-pressure: never more than two pages per worker thread sent at once."""
    with DaskExecutor(scheduler, timeout=60) as executor:
        seen: list[int] = []
        original = executor._client.submit  # type: ignore[union-attr]

        def counting(*args: object, **kwargs: object) -> object:
            seen.append(4 - executor._limits()[0]._value)
            return original(*args, **kwargs)

        executor._client.submit = counting  # type: ignore[union-attr,method-assign]
        html = (PAGES / "seed-blog-fr.html").read_text("utf-8")
        results = run(executor, *[html] * 12)
    assert all(isinstance(r, Article) for r in results)
    assert max(seen) == 4 and len(seen) == 12


def test_import_and_reextract_run_on_the_cluster(scheduler: str, tmp_path: Path) -> None:
    """`[extract] scheduler` sends `archiver import` and `archiver reextract` to the cluster;
    the archive is written here, the same as with the local pool."""
    config = tmp_path / "config.toml"
    config.write_text(f'[extract]\nscheduler = "{scheduler}"\n', encoding="utf-8")
    warc = tmp_path / "crawl.warc.gz"
    foreign_warc(
        warc, [(f"https://other.example/{n}", "text/html", story(n), 200) for n in range(6)]
    )
    db = tmp_path / "c.db"
    runner = CliRunner()
    result = runner.invoke(cli, ["import", str(warc), "--config", str(config), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "6 new" in result.stderr
    again = runner.invoke(cli, ["reextract", "--config", str(config), "--db", str(db)])
    assert again.exit_code == 0, again.output
    assert "6 articles re-extracted: 0 changed, 6 unchanged" in again.stderr


@pytest.mark.parametrize("command", ["import", "reextract", "fetch"])
def test_an_unreachable_scheduler_is_one_line(
    tmp_path: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scheduler that does not answer: one error line, exit 2, nothing done, no traceback."""
    monkeypatch.setattr("archiver.cluster.CONNECT_TIMEOUT_S", 1)
    config = tmp_path / "config.toml"
    config.write_text('[extract]\nscheduler = "tcp://127.0.0.1:9"\n', encoding="utf-8")
    warc = tmp_path / "crawl.warc.gz"
    foreign_warc(warc, [("https://other.example/1", "text/html", story(1), 200)])
    args = {"import": [str(warc)], "reextract": [], "fetch": ["http://127.0.0.1:9/a"]}
    if command == "reextract":  # a read command needs an archive to be there
        open_archive(tmp_path / "c.db").close()
    result = CliRunner().invoke(
        cli, [command, *args[command], "--config", str(config), "--db", str(tmp_path / "c.db")]
    )
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and "tcp://127.0.0.1:9" in result.stderr


def test_a_fetch_extracts_on_the_cluster(
    scheduler: str, server: FixtureServer, tmp_path: Path
) -> None:
    """`archiver fetch` (and so a run) downloads here, extracts on the cluster, stores here."""
    server.routes["/story"] = Route(
        200, (PAGES / "seed-blog-fr.html").read_bytes(), {"Content-Type": "text/html"}
    )
    config = tmp_path / "config.toml"
    config.write_text(
        f"[fetch]\nallow_private_addresses = true\nper_host_delay = 0\n"
        f'[extract]\nscheduler = "{scheduler}"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli,
        ["fetch", server.url("/story"), "--config", str(config), "--db", str(tmp_path / "f.db")],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("new")
