"""Where extraction runs: the local worker pool, or a Dask cluster when `[extract] scheduler`
names one. Runs, `reextract` and `import` all extract through `open_executor`, so each of
them can use the cluster; fetching and the archive's one writer stay in this process."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Protocol, Self

from archiver.errors import ClusterUnreachable
from archiver.models import Article, ExtractedPage, RawPage
from archiver.settings import Config
from archiver.workers import ExtractionPool


class Executor(Protocol):
    """`with executor: page = await executor.extract_page(raw_page, **options)` (a run: the
    worker decodes, extracts, hashes and compresses) or `article = await
    executor.extract(html, url, **options)`: an `ExtractError` (with a reason) when the page
    is refused, too slow, its worker died or the extractor failed (`extract_error`)."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def extract(self, html: str | bytes, url: str | None, **options: Any) -> Article: ...

    async def extract_page(self, page: RawPage, **options: Any) -> ExtractedPage: ...


def open_executor(config: Config) -> Executor:
    """The Dask cluster of `[extract] scheduler` if set, else the local pool of
    `[extract] workers`; both with the `[extract] timeout` per page."""
    if config.extract.scheduler:
        try:
            from archiver.cluster import DaskExecutor  # an optional extra: imported when used
        except ImportError as exc:
            raise ClusterUnreachable(
                "[extract] scheduler needs Dask: pip install 'archiver[cluster]'"
            ) from exc

        return DaskExecutor(config.extract.scheduler, timeout=config.extract.timeout)
    return ExtractionPool(config.extract.workers, timeout=config.extract.timeout)


def capacity(executor: Executor, config: Config) -> int:
    """How many pages `executor` extracts at once (a caller keeps about twice that in
    flight): the cluster's threads, or the local pool's workers."""
    if isinstance(executor, ExtractionPool):
        return max(config.extract.workers, 1)
    return int(getattr(executor, "capacity", 1))
