"""One `archiver run` per archive at a time: an advisory lock on `<archive>.lock`.

The kernel drops the lock when the process ends, however it ends (kill -9 included), so a
crashed run never leaves a stale lock behind. POSIX only (fcntl), like cron.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archiver.errors import ArchiveLocked, StoreError


def lock_path(archive: Path) -> Path:
    """The lock file beside an archive."""
    return archive.with_name(archive.name + ".lock")


@contextmanager
def run_lock(archive: Path) -> Iterator[None]:
    """Hold the archive's run lock, or raise ArchiveLocked at once if another run holds it
    (StoreError when the lock file cannot be created: the archive's folder is not writable)."""
    path = lock_path(archive)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot create the run lock {path}: {exc.strerror or exc}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise ArchiveLocked(
                f"another archiver run (pid {holder}) is using {archive}; try again later"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
