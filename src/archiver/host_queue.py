"""Work shared fairly between hosts: one queue per host, and the next page taken from the
host whose turn comes first, so that a slow or paced host never holds up the others.

`HostQueues` is filled while sources are still being discovered (each source's pages as
soon as its own discovery ends) and emptied by a fixed number of lanes:

    queue = HostQueues(fetcher.next_start)
    queue.put(candidates)            # any time; each URL once
    queue.close()                    # no more to come
    while (candidate := await queue.get()) is not None: ...
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable

from archiver.models import Candidate
from archiver.urls import host_of

Turn = Callable[[str], tuple[float, int]]  # a URL's host: (next start time, requests there)


class HostQueues:
    """Candidates queued per host; `get` hands out the one whose host's turn comes first:
    the earliest possible start (the host's pacing), then the host with fewer requests
    waiting or under way, then the host served least recently (round robin)."""

    def __init__(self, turn: Turn) -> None:
        self._turn = turn
        self._queues: dict[str, deque[Candidate]] = {}
        self._served: dict[str, int] = {}
        self._seen: set[str] = set()
        self._waiters: list[asyncio.Future[None]] = []
        self._closed = False
        self._taken = 0
        self.total = 0  # candidates ever queued

    def put(self, candidates: Iterable[Candidate]) -> None:
        """Queue candidates, each URL once per run (the first source to offer it keeps it)."""
        for candidate in candidates:
            if candidate.url in self._seen:
                continue
            self._seen.add(candidate.url)
            self._queues.setdefault(host_of(candidate.url), deque()).append(candidate)
            self.total += 1
        self._wake()

    def close(self) -> None:
        """No more candidates will come: `get` returns None once the queues are empty."""
        self._closed = True
        self._wake()

    async def get(self) -> Candidate | None:
        """The next candidate, fairly across hosts; None when closed and empty. Returns
        without yielding when work is queued, so that the caller can claim its host's turn
        (`Fetcher` counts the request) before another lane chooses."""
        while not self._queues:
            if self._closed:
                return None
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter
        host = min(self._queues, key=self._priority)
        queue = self._queues[host]
        candidate = queue.popleft()
        if not queue:
            del self._queues[host]
        self._taken += 1
        self._served[host] = self._taken
        return candidate

    def _priority(self, host: str) -> tuple[float, int, int]:
        start, busy = self._turn(self._queues[host][0].url)
        return start, busy, self._served.get(host, 0)

    def _wake(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()
