"""Benchmark: the archive's one writer alone, in articles per second: `save_article` in write
batches (as a run stores), with articles already extracted (from wcxb-dev pages, so texts and
raw pages have real sizes), each under its own URL with its own raw page. Then the same
articles changed (each a revision). Also the archive's bytes per article.

    python benchmarks/sqlite_writer.py [--articles 3000]
"""

from __future__ import annotations

import argparse
import gzip
import tempfile
import time
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archiver import archive
from archiver.extraction import extract_article
from archiver.models import Article, FetchRecord, Page

DEVSET = Path("/work/shared/devset/wcxb-dev/html")


def samples(count: int) -> list[tuple[bytes, Article]]:
    """(raw page, article) of wcxb-dev pages the extractor keeps."""
    out = []
    for path in sorted(DEVSET.glob("*.html.gz")):
        raw = gzip.decompress(path.read_bytes())
        try:
            out.append((raw, extract_article(raw, f"https://devset.example/{path.stem}")))
        except Exception:  # refused, or an extractor bug (wcxb-dev 0076: SelectolaxError)
            continue
        if len(out) >= count:
            break
    return out


def write(
    db: archive.Database, items: list[tuple[bytes, Article]], n: int, t0: datetime, tag: str
) -> tuple[float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    with archive.WriteBatch(db) as batch:
        for i in range(n):
            raw, article = items[i % len(items)]
            url = f"https://site{i % 7}.example/{i}"
            body = raw + f"<!-- {i} {tag} -->".encode()
            when = t0 + timedelta(seconds=i)
            record = FetchRecord(
                url=url, fetched_at=when, final_url=url, status=200, bytes=len(body)
            )
            text = article.text + (f"\n\nMise à jour {tag}." if tag != "v1" else "")
            mine = replace(article, text=f"{text}\n\nArticle {i}.", canonical_url=None)
            archive.save_article(
                db, mine, Page(url, url, "", body, "utf-8", record), source="bench"
            )
            batch.tick()
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    args = parser.parse_args()
    items = samples(200)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.db"
        db = archive.open_archive(path)
        t0 = datetime(2024, 1, 1, tzinfo=UTC)
        new = write(db, items, args.articles, t0, "v1")
        changed = write(db, items, args.articles, t0 + timedelta(days=1), "v2")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = path.stat().st_size
        db.close()
    n = args.articles
    text = sum(len(a.text.encode()) for _, a in items) / len(items)
    raw = sum(len(r) for r, _ in items) / len(items)
    print(f"{n} articles (mean text {text / 1000:.1f} KB, raw page {raw / 1000:.0f} KB)")
    print("| write | seconds | articles/s | CPU seconds | articles per CPU second |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, (wall, cpu) in (("new articles", new), ("changed (a revision each)", changed)):
        print(f"| {label} | {wall:.2f} | {n / wall:.0f} | {cpu:.2f} | {n / cpu:.0f} |")
    started = time.process_time()
    for page, _ in items:
        zlib.compress(page, 6)
    squeeze = (time.process_time() - started) / len(items)
    print(f"of which zlib of the raw page (level 6, as stored): {squeeze * 1000:.1f} ms CPU each")
    print(
        f"archive: {size / 1e6:.1f} MB for {n} articles with 2 versions each: "
        f"{size / n / 1000:.1f} KB per article"
    )


if __name__ == "__main__":
    main()
