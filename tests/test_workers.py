"""Extraction in worker processes: same result as in-process, a time limit that holds even
in C code, and a crashed worker that is one failed page, not a failed run."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
import zlib
from datetime import UTC, datetime

import pytest

from archiver.errors import ExtractError, NotAnArticle
from archiver.extraction.extract import extract_article
from archiver.models import Article, ExtractedPage, FetchRecord, RawPage, content_hash
from archiver.workers import ExtractionPool, HeapWatch, release_free_memory, resident_mb
from tests.conftest import PAGES, expected


def stuck(html: str, url: str | None, **options: object) -> Article:
    """Stands for a parser stuck in C code: time.sleep holds the GIL-free C call."""
    if html == "stuck":
        time.sleep(60)
    return extract_article(html, url, **options)  # type: ignore[arg-type]


def crash(html: str, url: str | None, **options: object) -> Article:
    """Stands for a parser that kills its process (a segfault)."""
    os._exit(11)


def flaky(html: str, url: str | None, **options: object) -> Article:
    """A page marked STUCK hangs, one marked BOOM raises a bug's exception, one marked DIE
    kills its worker; the others are extracted as usual."""
    if "<!-- STUCK -->" in html:
        time.sleep(60)
    if "<!-- BOOM -->" in html:
        raise KeyError("no such\nkey")
    if "<!-- DIE -->" in html:
        os._exit(11)
    return extract_article(html, url, **options)  # type: ignore[arg-type]


def bug(html: str, url: str | None, **options: object) -> Article:
    """Stands for a bug in the extractor or a library: an exception nobody expected."""
    raise ZeroDivisionError("division by zero\n  in some library")


def run(pool: ExtractionPool, *htmls: str) -> list[Article | BaseException]:
    async def go() -> list[Article | BaseException]:
        return await asyncio.gather(*(pool.extract(h, None) for h in htmls), return_exceptions=True)

    return asyncio.run(go())


def test_workers_extract_like_the_main_process() -> None:
    """The seed page gives the same article in a worker as in-process."""
    html = (PAGES / "seed-blog-fr.html").read_text("utf-8")
    with ExtractionPool(2, timeout=60) as pool:
        (article,) = run(pool, html)
    assert isinstance(article, Article)
    assert article.text == expected("seed-blog-fr")["text"]
    assert article == extract_article(html)


def test_not_an_article_keeps_its_reason_across_processes() -> None:
    """NotAnArticle raised in a worker arrives with its reason."""
    with ExtractionPool(1, timeout=60) as pool:
        (error,) = run(pool, (PAGES / "navigation-only.html").read_text("utf-8"))
    assert isinstance(error, NotAnArticle) and error.reason == "navigation"


def test_a_stuck_extraction_is_stopped_and_the_pool_goes_on() -> None:
    """Past the time limit the worker is killed: one extract_timeout, the next page works."""
    html = (PAGES / "blog-comments-en.html").read_text("utf-8")
    with ExtractionPool(1, timeout=1.0, function=stuck) as pool:
        error, article = run(pool, "stuck", html)
    assert isinstance(error, ExtractError) and error.reason == "extract_timeout"
    assert isinstance(article, Article) and article.text == expected("blog-comments-en")["text"]


def test_a_crashed_worker_is_one_failed_page() -> None:
    """A worker that dies is reported as extract_crashed."""
    with ExtractionPool(1, timeout=30, function=crash) as pool:
        (error,) = run(pool, "<p>x</p>")
    assert isinstance(error, ExtractError) and error.reason == "extract_crashed"


@pytest.mark.parametrize("workers", [0, 1])
def test_zero_workers_extracts_in_process(workers: int) -> None:
    """workers = 0 runs in a thread of the main process (for debugging), same result."""
    html = (PAGES / "german-news-de.html").read_text("utf-8")
    with ExtractionPool(workers, timeout=60) as pool:
        (article,) = run(pool, html)
    assert isinstance(article, Article) and article.text == expected("german-news-de")["text"]


@pytest.mark.parametrize("workers", [0, 1])
def test_an_unexpected_exception_is_one_extract_error_line(workers: int) -> None:
    """Any exception from the extractor, in a worker or in-process, comes back as an
    ExtractError `extract_error` with a one-line message, and the next page still works."""
    with ExtractionPool(workers, timeout=60, function=bug) as pool:
        (error,) = run(pool, "<p>x</p>")
    assert isinstance(error, ExtractError) and not isinstance(error, NotAnArticle)
    assert error.reason == "extract_error"
    assert str(error) == "extract_error (ZeroDivisionError: division by zero in some library)"


def test_a_worker_gets_raw_bytes_and_returns_what_the_archive_stores() -> None:
    """A worker decodes the raw page (windows-1252, undeclared), extracts it, and returns
    the codec, the page's and the article's hashes and the body compressed."""
    raw = (PAGES / "windows-1252-fr.html").read_bytes()
    record = FetchRecord(url="http://x.test/p", fetched_at=datetime.now(UTC))
    page = RawPage("http://x.test/p", "http://x.test/p", raw, None, record)

    async def go() -> ExtractedPage:
        with ExtractionPool(1, timeout=60) as pool:
            return await pool.extract_page(page)

    done = asyncio.run(go())
    assert done.encoding == "cp1252"
    assert done.article.text == expected("windows-1252-fr")["text"]
    assert done.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert done.content_hash == content_hash(done.article)
    assert zlib.decompress(done.raw_zlib) == raw and done.raw_size == len(raw)


def warmed(html: str, url: str | None, **options: object) -> object:
    """What a worker was started with: the warm-up module loaded, its objects frozen."""
    import gc
    import sys

    return "archiver.warmup" in sys.modules, gc.get_freeze_count() > 0, os.getppid()


def test_workers_come_warm_from_the_fork_server_and_free_memory_after_a_page() -> None:
    """Workers are forked from a server that loaded and warmed the extraction libraries (not
    from this process, which runs threads), so a replaced worker starts warm too."""
    with ExtractionPool(1, timeout=30, function=warmed) as pool:  # type: ignore[arg-type]
        [(loaded, frozen, parent)] = run(pool, "<p>x</p>")  # type: ignore[misc]
    assert loaded and frozen
    assert parent != os.getpid()
    release_free_memory()  # where glibc is, a no-op for the caller's data


@pytest.mark.parametrize(
    ("sizes", "trims"),
    [
        ([180, 200, 240, 244], [False, False, False, False]),  # within 64 MB of its first page
        ([180, 245, 200], [False, True, False]),  # past the margin once: trimmed then
        ([180, None], [False, True]),  # size unknown: trim, as before there was a margin
        ([None], [True]),
    ],
)
def test_a_worker_trims_its_heap_only_once_it_has_grown_past_its_margin(
    sizes: list[int | None], trims: list[bool]
) -> None:
    watch = HeapWatch(64)
    assert [watch.should_trim(size) for size in sizes] == trims


def test_memory_a_trim_cannot_give_back_raises_the_floor_instead_of_trimming_each_page() -> None:
    watch = HeapWatch(64)
    assert not watch.should_trim(180)
    assert watch.should_trim(260)
    watch.trimmed(200)  # back under 180 + 64: the floor stays
    assert watch.floor_mb == 180
    assert watch.should_trim(250)
    watch.trimmed(250)  # the worker holds this: trimming again would free nothing
    assert watch.floor_mb == 250
    assert not watch.should_trim(255)
    assert watch.should_trim(320)


def test_the_resident_size_is_read_where_linux_tells_it() -> None:
    size = resident_mb()
    if os.path.exists("/proc/self/statm"):
        assert size is not None and 5 < size < 10_000
    else:
        assert size is None
