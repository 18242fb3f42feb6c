"""The record of runs (tables `runs` and `run_sources`): one row per `archiver run`, its
status, counts in all and per source, and its first error lines."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import asdict
from datetime import UTC, datetime

from sqlite_utils import Database

from archiver.errors import StoreError
from archiver.models import OUTCOMES, RunReport, iso_utc

MAX_RUN_ERRORS = 50  # error lines kept in `runs.errors`; the fetch log has all of them


def start_run(db: Database, started_at: datetime, pid: int) -> int:
    """A new `runs` row; runs left `running` by a crash are marked `interrupted`."""
    try:
        with db.atomic():
            db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
            runs = db.table("runs").insert(
                {"started_at": iso_utc(started_at), "status": "running", "pid": pid}
            )
            return int(str(runs.last_pk))
    except sqlite3.Error as exc:
        raise StoreError(f"cannot start a run: {exc}") from exc


def record_refused_run(db: Database, message: str, *, pid: int | None = None) -> int:
    """A `runs` row for a run refused by the run lock (status `refused`, its line in
    `errors`)."""
    now = iso_utc(datetime.now(UTC))
    try:
        with db.atomic():
            runs = db.table("runs").insert(
                {
                    "started_at": now,
                    "ended_at": now,
                    "status": "refused",
                    "pid": pid if pid is not None else os.getpid(),
                    "errors": json.dumps([message], ensure_ascii=False),
                }
            )
            return int(str(runs.last_pk))
    except sqlite3.Error as exc:
        raise StoreError(f"cannot record a refused run: {exc}") from exc


def finish_run(
    db: Database, run_id: int, report: RunReport, *, status: str, ended_at: datetime
) -> None:
    """Close a run with its counts, per source and in all, and its first errors."""
    sources = report.by_source()
    totals = {o: sum(getattr(r, o) for r in sources) for o in ("discovered", *OUTCOMES)}
    errors = [r.message for r in report.failed if r.message][:MAX_RUN_ERRORS]
    skips: dict[str, int] = {}
    for r in sources:
        for reason, n in r.skipped_by_reason.items():
            skips[reason] = skips.get(reason, 0) + n
    try:
        with db.atomic():
            db.table("runs").update(
                run_id,
                {
                    "ended_at": iso_utc(ended_at),
                    "status": status,
                    **totals,
                    "errors": json.dumps(errors, ensure_ascii=False),
                    "skipped_by_reason": json.dumps(dict(sorted(skips.items()))),
                },
            )
            db.table("run_sources").insert_all(
                (
                    {
                        "run_id": run_id,
                        **asdict(r),
                        "skipped_by_reason": json.dumps(r.skipped_by_reason),
                    }
                    for r in sources
                ),
                replace=True,
            )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot finish run {run_id}: {exc}") from exc
