"""Extraction on a Dask cluster (`dask.distributed`, the optional extra `[cluster]`): the same
interface as the local pool (`workers.ExtractionPool`), for `[extract] scheduler`.

Pages go to the cluster's workers and articles come back; fetching and the archive's one
writer stay in this process. At most two pages per worker thread are in flight (memory on
both sides stays bounded); a page over the time limit is reported as `extract_timeout`
and its task cancelled; a page whose worker died is sent once more (one such page at a
time), then reported as `extract_crashed`. The README's scheduler settings make this exact
(`allowed-failures` 0: no retries of Dask's own first; `worker-saturation` 1.0: no page
waits on a worker behind a stuck one, where its time limit would run out). Dask cannot
interrupt a running task: a page stuck in C code keeps its worker thread busy until it
returns (restart such workers with `dask worker --lifetime`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from distributed import Client, Future
from distributed.scheduler import KilledWorker

from archiver.errors import ClusterUnreachable, ExtractError
from archiver.extraction import extract_article
from archiver.models import Article, ExtractedPage, RawPage
from archiver.workers import extract_raw_page, one_line

T = TypeVar("T")

CONNECT_TIMEOUT_S = 10


class DaskExecutor:
    """`with DaskExecutor("tcp://host:8786", timeout=30) as ex: await ex.extract(html, url)`."""

    def __init__(
        self,
        address: str,
        *,
        timeout: float,
        retries: int = 1,
        function: Callable[..., Article] = extract_article,
    ) -> None:
        self.address, self.timeout, self.retries, self.function = (
            address,
            timeout,
            retries,
            function,
        )
        self.capacity = 1
        self._client: Client | None = None
        self._slots: dict[int, tuple[asyncio.Semaphore, asyncio.Lock]] = {}  # per event loop

    def __enter__(self) -> DaskExecutor:
        try:
            self._client = Client(self.address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterUnreachable(
                f"no Dask scheduler answers at {self.address} ([extract] scheduler): {exc}"
            ) from exc
        self.capacity = max(sum(self._client.nthreads().values()), 1)
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def extract(self, html: str | bytes, url: str | None, **options: Any) -> Article:
        """`extract_article(html, url, **options)` on a Dask worker, within the time limit."""
        return await self._run(self.function, (html, url), options)

    async def extract_page(self, page: RawPage, **options: Any) -> ExtractedPage:
        """`workers.extract_raw_page` of a downloaded page on a Dask worker (decoded, hashed
        and compressed there, as in the local pool), within the time limit."""
        args = (page.raw, page.final_url, page.charset, self.function)
        return await self._run(extract_raw_page, args, options)

    async def _run(
        self, function: Callable[..., T], args: tuple[Any, ...], options: dict[str, Any]
    ) -> T:
        async with self._limits()[0]:
            for attempt in range(self.retries + 1):
                try:
                    if attempt == 0:
                        return await self._once(function, args, options)
                    # One page sent again at a time: a page that kills every worker it
                    # reaches never takes another page's last chance with it.
                    async with self._limits()[1]:
                        return await self._once(function, args, options)
                except KilledWorker as exc:
                    if attempt == self.retries:
                        raise ExtractError(
                            "extract_crashed",
                            f"the extraction worker died, {attempt + 1} times (on the cluster)",
                        ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(
        self, function: Callable[..., T], args: tuple[Any, ...], options: dict[str, Any]
    ) -> T:
        if self._client is None:
            raise RuntimeError("DaskExecutor used outside its `with` block")
        future = self._client.submit(function, *args, pure=False, **options)
        try:
            return await asyncio.wait_for(_settled(future), self.timeout)
        except TimeoutError as exc:
            future.cancel()
            raise ExtractError(
                "extract_timeout", f"extraction took more than {self.timeout:g}s"
            ) from exc
        except (ExtractError, KilledWorker):
            raise
        except Exception as exc:  # a bug or a library's surprise: this page's error only
            raise ExtractError("extract_error", one_line(exc)) from exc

    def _limits(self) -> tuple[asyncio.Semaphore, asyncio.Lock]:
        """Back-pressure (two pages per worker thread in flight) and the retry lock, made
        for the running event loop."""
        key = id(asyncio.get_running_loop())
        if key not in self._slots:
            self._slots = {key: (asyncio.Semaphore(2 * self.capacity), asyncio.Lock())}
        return self._slots[key]


def _settled(future: Future[Any]) -> asyncio.Future[Any]:
    """A Dask future as an asyncio one: its result is fetched in Dask's callback thread, so
    this event loop never waits on the network."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[Any] = loop.create_future()

    def fetch(finished: Future[Any]) -> None:
        value: Any = None
        error: BaseException | None = None
        try:
            value = finished.result()
        except BaseException as exc:  # the task's own error, to be raised by the awaiter
            error = exc
        if not loop.is_closed():  # an abandoned page (timeout, interrupt): nobody waits
            loop.call_soon_threadsafe(_settle, done, value, error)

    future.add_done_callback(fetch)
    return done


def _settle(done: asyncio.Future[Any], value: Any, exc: BaseException | None) -> None:
    if done.cancelled():
        return
    if exc is not None:
        done.set_exception(exc)
    elif value is not None:
        done.set_result(value)
