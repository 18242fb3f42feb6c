"""Extraction in worker processes: same result as in-process, a time limit that holds even
in C code, and a crashed worker that is one failed page, not a failed run."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from archiver.errors import ExtractError, NotAnArticle
from archiver.extraction.extract import extract_article
from archiver.models import Article
from archiver.workers import ExtractionPool
from tests.conftest import PAGES, expected


def stuck(html: str, url: str | None, **options: object) -> Article:
    """Stands for a parser stuck in C code: time.sleep holds the GIL-free C call."""
    if html == "stuck":
        time.sleep(60)
    return extract_article(html, url, **options)  # type: ignore[arg-type]


def crash(html: str, url: str | None, **options: object) -> Article:
    """Stands for a parser that kills its process (a segfault)."""
    os._exit(11)


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
