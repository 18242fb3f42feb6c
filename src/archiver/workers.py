"""Extraction in worker processes (pebble): the CPU work of a run spread over the cores,
and a per-page time limit that holds even when a parser is stuck in C code (the worker is
killed and replaced).

A worker is handed a page's raw bytes and gives back everything the archive stores of it
(`extract_raw_page`): decoding, extraction, hashing and compression all happen there, so
that the main process only downloads and writes. Workers are forked from a fork server
that has loaded and warmed the extraction libraries once (`archiver.warmup`): they share
those pages (stop lists, parsers' tables) instead of each building its
own, and a worker that dies is replaced by pebble at once, without the imports. Workers live
for the whole run; a worker whose resident size has grown well past what it was after its
first page hands the C heap's free memory back to the system (`release_free_memory`), so
that its size stays bounded (`HeapWatch`).

With `workers = 0`, extraction runs in a thread of the main process: no time limit, but
breakpoints and tracebacks work as usual (for debugging).

The interface a run uses, small enough for another executor to provide:

    with pool:                                        # start and stop the workers
        page = await pool.extract_page(raw_page, **options)   # -> ExtractedPage
        article = await pool.extract(html, url, **options)    # -> Article

Both raise ExtractError: NotAnArticle for a refusal, else `extract_timeout`,
`extract_crashed` or `extract_error` (anything unexpected, in one line).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import hashlib
import multiprocessing
import os
import zlib
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from types import TracebackType
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from archiver import extraction
from archiver.charsets import decode_html
from archiver.errors import ExtractError
from archiver.models import RAW_ZLIB_LEVEL, Article, ExtractedPage, RawPage, content_hash

T = TypeVar("T")
MAX_DETAIL = 200  # characters of an unexpected exception's message kept in its error line


# How far a worker's resident size may grow past its size after its first page before it
# hands its heap's free memory back. Trimming after every page kept workers 30-40 MB smaller
# but cost 20% of the run's throughput (on 600 real pages: 24.7 against 29.8 pages/s), spent
# faulting the released pages back in on the next page; with this margin a worker trims a
# few times a run (2,000 real pages: 31.3 pages/s, workers 213-216 MB at the end, against
# 217-233 MB never trimmed), and the peak is the same either way: the largest page's.
TRIM_GROWTH_MB = 64


class HeapWatch:
    """When a worker should hand its C heap's free memory back: once its resident size is
    `growth_mb` past its floor (its size after its first page, raised when a trim could not
    bring it back under the margin, so that memory the worker truly holds is not trimmed
    for in vain after every page)."""

    def __init__(self, growth_mb: int = TRIM_GROWTH_MB) -> None:
        self.growth_mb = growth_mb
        self.floor_mb: int | None = None

    def should_trim(self, resident: int | None) -> bool:
        """Whether to trim now, given the resident size in MB (None: unknown, then always)."""
        if resident is None:
            return True
        if self.floor_mb is None:
            self.floor_mb = resident
        return resident > self.floor_mb + self.growth_mb

    def trimmed(self, resident: int | None) -> None:
        """Note the resident size after a trim: still past the margin, it is the new floor."""
        floor = self.floor_mb
        if resident is not None and floor is not None and resident > floor + self.growth_mb:
            self.floor_mb = resident


_HEAP = HeapWatch()


def _trimmed(function: Callable[..., T], *args: Any, **options: Any) -> T:
    """`function(*args, **options)` in a worker; then, if the worker has grown past its
    margin (`HeapWatch`), the C heap's free memory handed back to the system."""
    try:
        return function(*args, **options)
    finally:
        if _malloc_trim() is not None and _HEAP.should_trim(resident_mb()):
            release_free_memory()
            _HEAP.trimmed(resident_mb())


def resident_mb() -> int | None:
    """This process's resident size in MB (Linux's /proc; None elsewhere). Read by hand: one
    number from one file, after each page, is not worth psutil as a dependency."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, IndexError, ValueError):  # not Linux
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") >> 20


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    library = ctypes.CDLL(name) if name else None
    return getattr(library, "malloc_trim", None)  # glibc only


def release_free_memory() -> None:
    """glibc's `malloc_trim(0)`, where there is one. Hand-written (a ctypes call) because no
    library offers it: a page's parse trees (libxml2, lexbor) and strings, freed at the end
    of the page, leave holes in glibc's heap that it keeps for reuse, and over a run a
    worker's resident size creeps up by tens of MB (measured on 400 real pages: 245 MB of
    anonymous memory without, 190 MB and flat with). Workers call it only past a margin
    (`HeapWatch`): the pages it releases are faulted back in by the next page."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def extract_article(html: str | bytes, url: str | None, **options: Any) -> Article:
    """`extraction.extract_article`, looked up where it runs: in a worker (whose fork server
    has loaded it already), so that the main process never imports the extraction
    libraries."""
    return extraction.extract_article(html, url, **options)


def extract_raw_page(
    raw: bytes,
    url: str | None,
    charset: str | None,
    function: Callable[..., Article] = extract_article,
    **options: Any,
) -> ExtractedPage:
    """Decode, extract, hash and compress one downloaded page (what a worker does)."""
    html, encoding = decode_html(raw, charset)
    article = function(html, url, **options)
    return ExtractedPage(
        article=article,
        encoding=encoding,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        content_hash=content_hash(article),
        raw_zlib=zlib.compress(raw, RAW_ZLIB_LEVEL),
        raw_size=len(raw),
    )


class ExtractionPool:
    """`with ExtractionPool(2, timeout=30) as pool: page = await pool.extract_page(raw)`."""

    def __init__(
        self,
        workers: int,
        *,
        timeout: float,
        function: Callable[..., Article] = extract_article,
    ) -> None:
        self.workers = workers
        self.timeout = timeout
        self.function = function  # what runs in the workers: extract_article, or a test's
        self._pool: ProcessPool | None = None

    def __enter__(self) -> ExtractionPool:
        if self.workers > 0:
            self._pool = ProcessPool(max_workers=self.workers, context=_worker_context())
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            # pebble leaves these two untyped.
            if et is None:
                self._pool.close()  # type: ignore[no-untyped-call]
            else:  # interrupted: do not wait for pages nobody will store
                self._pool.stop()  # type: ignore[no-untyped-call]
            self._pool.join()
            self._pool = None

    async def extract(self, html: str | bytes, url: str | None, **options: Any) -> Article:
        """`extract_article(html, url, **options)` in a worker, within the time limit."""
        return await self._run(self.function, (html, url), options)

    async def extract_page(self, page: RawPage, **options: Any) -> ExtractedPage:
        """`extract_raw_page` of a downloaded page in a worker, within the time limit."""
        args = (page.raw, page.final_url, page.charset, self.function)
        return await self._run(extract_raw_page, args, options)

    async def _run(
        self, function: Callable[..., T], args: tuple[Any, ...], options: dict[str, Any]
    ) -> T:
        try:
            if self._pool is None:
                return await asyncio.to_thread(function, *args, **options)
            future = self._pool.schedule(
                _trimmed, args=(function, *args), kwargs=options, timeout=self.timeout
            )
            return await asyncio.wrap_future(future)
        except ExtractError:
            raise
        except FutureTimeout as exc:
            raise ExtractError(
                "extract_timeout", f"extraction took more than {self.timeout:g}s"
            ) from exc
        except ProcessExpired as exc:
            raise ExtractError(
                "extract_crashed", f"the extraction worker died (exit code {exc.exitcode})"
            ) from exc
        except Exception as exc:  # a bug or a library's surprise: this page's error only
            raise ExtractError("extract_error", one_line(exc)) from exc


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers forked from a fork server that has imported and warmed the extraction
    libraries (`archiver.warmup`), so that they share those pages and a replaced worker
    starts at once. Not forked from the main process: it runs threads (downloads, SQLite),
    and a forked child would inherit their locks in whatever state they were."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["archiver.warmup"])
    return context


def one_line(exc: BaseException) -> str:
    """`Type: message` on one line, shortened: an error line, not a traceback."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"
