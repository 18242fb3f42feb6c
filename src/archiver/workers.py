"""Extraction in worker processes (pebble): the CPU work of a run spread over the cores,
and a per-page time limit that holds even when a parser is stuck in C code (the worker is
killed and replaced).

With `workers = 0`, extraction runs in a thread of the main process: no time limit, but
breakpoints and tracebacks work as usual (for debugging).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from types import TracebackType
from typing import Any

from pebble import ProcessExpired, ProcessPool

from archiver.errors import ExtractError
from archiver.extraction import extract_article
from archiver.models import Article

TASKS_PER_WORKER = 200  # a worker is replaced after this many pages: memory stays flat


class ExtractionPool:
    """`with ExtractionPool(2, timeout=30) as pool: article = await pool.extract(html, url)`."""

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
            # spawn, not fork: the main process runs threads (downloads, SQLite), and a
            # forked child would inherit their locks in whatever state they were.
            self._pool = ProcessPool(
                max_workers=self.workers,
                max_tasks=TASKS_PER_WORKER,
                context=multiprocessing.get_context("spawn"),
            )
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

    async def extract(self, html: str, url: str | None, **options: Any) -> Article:
        """`extract_article(html, url, **options)` in a worker, within the time limit."""
        if self._pool is None:
            return await asyncio.to_thread(self.function, html, url, **options)
        future = self._pool.schedule(
            self.function, args=(html, url), kwargs=options, timeout=self.timeout
        )
        try:
            return await asyncio.wrap_future(future)
        except FutureTimeout as exc:
            raise ExtractError(
                "extract_timeout", f"extraction took more than {self.timeout:g}s"
            ) from exc
        except ProcessExpired as exc:
            raise ExtractError(
                "extract_crashed", f"the extraction worker died (exit code {exc.exitcode})"
            ) from exc
