"""Benchmark: an archive of N generated articles; size, insert rate, search and export.

    python benchmarks/archive_scale.py [--articles 3000] [--keep PATH]

Articles are made from the test fixtures (paragraphs shuffled, a unique word each, raw HTML
of realistic size) and stored through `store.save_article`, the code path of a real run.
Each timing is printed beside a baseline measured in the same process: plain SQL on the
same file (an `INSERT` of the same rows without the archive's bookkeeping, a `LIKE` scan,
a bare `SELECT`), so the ratios hold on a busy machine.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archiver.archive import export, queries, schema, store
from archiver.models import Article, FetchRecord, Page

PAGES = Path(__file__).parent.parent / "tests" / "fixtures" / "pages"
COMMON, RARE_EVERY = "the", 500


def corpus() -> tuple[list[str], list[str]]:
    """Paragraphs and raw pages of the fixture articles."""
    paragraphs, pages = [], []
    for truth in sorted(PAGES.glob("*.expected.json")):
        data = json.loads(truth.read_text("utf-8"))
        if "text" in data:
            paragraphs += data["text"].split("\n\n")
            pages.append(
                truth.with_name(truth.name.replace(".expected.json", ".html")).read_text(
                    "utf-8", errors="replace"
                )
            )
    return paragraphs, pages


def make(
    i: int, rng: random.Random, paragraphs: list[str], pages: list[str]
) -> tuple[Page, Article]:
    """The i-th generated page and its article."""
    chosen = rng.sample(paragraphs, k=min(8, len(paragraphs)))
    marker = f"zq{i // RARE_EVERY}x"  # a rare word: on RARE_EVERY articles
    text = "\n\n".join([f"Article {i} {marker}.", *chosen])
    html = rng.choice(pages).replace("</body>", f"<p>{text}</p></body>") * 3
    when = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
    record = FetchRecord(
        url=f"https://site{i % 20}.example/a/{i}",
        fetched_at=when,
        final_url=f"https://site{i % 20}.example/a/{i}",
        status=200,
    )
    page = Page(record.url, record.url, html, html.encode(), "utf-8", record)
    article = Article(
        text=text,
        title=f"Article {i}",
        author=f"Author {i % 97}",
        published=(when - timedelta(days=i % 30)).date().isoformat(),
        sitename=f"Site {i % 20}",
        language=rng.choice(["fr", "en", "de"]),
    )
    return page, article


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    """Build the archive and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--keep", type=Path, help="Build the archive here and keep it.")
    args = parser.parse_args()
    rng = random.Random(7)
    paragraphs, pages = corpus()
    folder = Path(tempfile.mkdtemp())
    path = args.keep or folder / "archive.db"
    db = schema.open_archive(path)
    raw = text = 0
    insert = 0.0
    for i in range(args.articles):  # generated one at a time: memory stays flat
        page, article = make(i, rng, paragraphs, pages)
        raw, text = raw + len(page.raw), text + len(article.text.encode())
        started = time.perf_counter()
        store.save_article(db, article, page, source="bench")
        insert += time.perf_counter() - started
    sample = [make(i, random.Random(i), paragraphs, pages) for i in range(min(2000, args.articles))]
    baseline = sqlite3.connect(folder / "baseline.db")
    baseline.execute("create table t (url text primary key, text text, html blob)")
    started = time.perf_counter()
    for page, article in sample:  # the same kind of rows, a sample, extrapolated
        with baseline:
            baseline.execute("insert into t values (?, ?, ?)", [page.url, article.text, page.raw])
    plain_insert = (time.perf_counter() - started) / len(sample) * args.articles
    print(f"articles: {args.articles}")
    print(
        f"insert (save_article, one transaction each): {args.articles / insert:8.0f} /s  "
        f"plain INSERT of such rows (a 2,000-row sample): {args.articles / plain_insert:8.0f} /s  "
        f"ratio {insert / plain_insert:.2f}x"
    )

    (stored_html,) = db.execute("select sum(length(html_zlib)) from raw_pages").fetchone()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size
    print(
        f"size on disk {size / 1e6:.1f} MB for {text / 1e6:.1f} MB of text and "
        f"{raw / 1e6:.1f} MB of raw HTML (stored compressed: {stored_html / 1e6:.1f} MB, "
        f"{raw / stored_html:.1f}x smaller)"
    )

    for label, word in (("common word", COMMON), ("rare word", "zq3x")):
        fts, like = [], []
        for _ in range(50):
            started = time.perf_counter()
            queries.search_articles(db, word, 20)
            fts.append((time.perf_counter() - started) * 1000)
        for _ in range(5):
            started = time.perf_counter()
            db.execute(
                "select url from articles where text like ? limit 20", [f"% {word} %"]
            ).fetchall()
            like.append((time.perf_counter() - started) * 1000)
        print(
            f"search {label:<11} p50 {percentile(fts, 50):6.2f} ms  p95 "
            f"{percentile(fts, 95):6.2f} ms  (LIKE scan p50 {statistics.median(like):7.2f} ms)"
        )

    started = time.perf_counter()
    count = export.write_jsonl(queries.export_rows(db), io.StringIO())
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    for _ in db.execute("select * from articles"):
        pass
    bare = time.perf_counter() - started
    print(
        f"export jsonl: {count / elapsed:8.0f} articles/s  (bare SELECT: "
        f"{count / bare:8.0f} rows/s, ratio {elapsed / bare:.1f}x)"
    )


if __name__ == "__main__":
    main()
