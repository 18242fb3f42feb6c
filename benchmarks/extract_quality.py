"""Benchmark article extraction quality: trafilatura vs. archiver on a dataset folder.

Usage::

    python benchmarks/extract_quality.py /work/shared/devset/readability [--only NAME]
        [--worst N] [--json]

The dataset folder holds one sub-folder per page with ``source.html``, ``expected.html``
(the truth: its visible text) and ``expected-metadata.json``. Both extractors run in this
process on the same decoded HTML, interleaved page by page (alternating which goes first) so
that they share machine noise. The metric lives in ``metric.py`` next to this file.

If ``archiver`` cannot be imported (from ``src/`` of this repository or from the environment),
a note is printed and only the trafilatura column is reported.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from metric import (
    METADATA_CHECKS,
    BodySummary,
    FieldSummary,
    Metadata,
    PageScore,
    aggregate,
    aggregate_field,
    metadata_matches,
    page_scores,
    visible_text,
)
from selectolax.lexbor import LexborHTMLParser

TRAFILATURA = "trafilatura"
ARCHIVER = "archiver"
_REPO_SRC = Path(__file__).resolve().parent.parent / "src"
_METADATA_HEADERS = {
    "title_exact": "title exact",
    "title_loose": "title loose",
    "author": "author",
    "date": "date",
    "language": "language",
    "sitename": "site name",
}


@dataclass(frozen=True)
class Page:
    """One dataset page: its decoded source, its truth text and expected metadata."""

    name: str
    html: str
    truth: str
    expected: dict[str, object]


@dataclass(frozen=True)
class Output:
    """What an extractor returned for one page (empty text when it declined or failed)."""

    text: str
    metadata: Metadata
    declined: bool = False
    error: str | None = None


@dataclass(frozen=True)
class Extractor:
    """A named extraction function from decoded HTML to an Output."""

    name: str
    run: Callable[[str], Output]


@dataclass
class Result:
    """One page's output, scores and wall time for one extractor."""

    page: str
    output: Output
    score: PageScore
    matches: dict[str, bool | None]
    seconds: float


@dataclass
class Column:
    """All results of one extractor, in page order."""

    name: str
    results: list[Result] = field(default_factory=list)


# --------------------------------------------------------------------------- dataset


CAPTIONS = "figcaption, [class*=caption], [class*=Caption]"


def without_captions(html: str) -> str:
    """The truth as the project defines body text: photo captions are not part of it."""
    tree = LexborHTMLParser(html)
    for node in tree.css(CAPTIONS):
        node.decompose()
    return tree.html or ""


def load_page(folder: Path, *, captions: bool = True) -> Page:
    """Read one page folder (bytes from disk, decoded as UTF-8 with replacement)."""
    html = (folder / "source.html").read_bytes().decode("utf-8", errors="replace")
    truth_html = (folder / "expected.html").read_bytes().decode("utf-8", errors="replace")
    if not captions:
        truth_html = without_captions(truth_html)
    expected = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
    return Page(name=folder.name, html=html, truth=visible_text(truth_html), expected=expected)


def load_pages(dataset: Path, only: Sequence[str] | None, *, captions: bool = True) -> list[Page]:
    """Load every page folder of the dataset (or just those named in ``only``), sorted."""
    folders = sorted(p for p in dataset.iterdir() if (p / "source.html").is_file())
    if only:
        names = set(only)
        missing = names - {f.name for f in folders}
        if missing:
            message = f"no such page in {dataset}: {', '.join(sorted(missing))}"
            raise SystemExit(message)
        folders = [f for f in folders if f.name in names]
    return [load_page(folder, captions=captions) for folder in folders]


# --------------------------------------------------------------------------- extractors


def _opt_str(value: object) -> str | None:
    """Return ``value`` when it is a non-blank string, else None."""
    return value if isinstance(value, str) and value.strip() else None


def run_trafilatura(html: str) -> Output:
    """Extract text with ``trafilatura.extract`` defaults and metadata separately."""
    import trafilatura

    text = trafilatura.extract(html, url=None) or ""
    meta = trafilatura.extract_metadata(html)
    return Output(
        text=text,
        metadata=Metadata(
            title=_opt_str(meta.title),
            author=_opt_str(meta.author),
            date=_opt_str(meta.date),
            language=_opt_str(meta.language),
            sitename=_opt_str(meta.sitename),
        ),
    )


def _prefer_repo_src() -> None:
    """Put this repository's ``src/`` first on ``sys.path`` so the working tree is measured."""
    if (_REPO_SRC / "archiver").is_dir() and str(_REPO_SRC) not in sys.path:
        sys.path.insert(0, str(_REPO_SRC))


def _error_base() -> type[BaseException] | None:
    """``archiver.errors.ArchiverError`` if that module exists, else None."""
    try:
        errors = importlib.import_module("archiver.errors")
    except ImportError:
        return None
    base = getattr(errors, "ArchiverError", None)
    return base if isinstance(base, type) and issubclass(base, BaseException) else None


def _is_refusal(exc: BaseException, base: type[BaseException] | None) -> bool:
    """Whether ``exc`` is archiver declining a page (NotAnArticle or an ArchiverError)."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return "NotAnArticle" in names or (base is not None and isinstance(exc, base))


def load_archiver(min_words: int | None = None) -> Extractor | None:
    """Build the archiver extractor, or print a note and return None if it is unavailable.
    `min_words` overrides the archive's default article gate (None keeps it)."""
    _prefer_repo_src()
    try:
        module = importlib.import_module("archiver.extract")
        extract_article = module.extract_article
    except (ImportError, AttributeError) as exc:
        print(f"note: archiver unavailable ({exc!r}); trafilatura only", file=sys.stderr)
        return None
    base = _error_base()

    def run(html: str) -> Output:
        """Run ``extract_article`` and map its Article onto an Output."""
        try:
            options = {} if min_words is None else {"min_words": min_words}
            article = extract_article(html, url=None, **options)
        except Exception as exc:  # a benchmark records any failure and goes on
            if _is_refusal(exc, base):
                return Output(text="", metadata=Metadata(), declined=True)
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            return Output(text="", metadata=Metadata(), error=detail)
        return Output(
            text=getattr(article, "text", None) or "",
            metadata=Metadata(
                title=_opt_str(getattr(article, "title", None)),
                author=_opt_str(getattr(article, "author", None)),
                date=_opt_str(getattr(article, "published", None)),
                language=_opt_str(getattr(article, "language", None)),
                sitename=_opt_str(getattr(article, "sitename", None)),
            ),
        )

    return Extractor(ARCHIVER, run)


def timed(extractor: Extractor, page: Page) -> Result:
    """Run one extractor on one page, timing the call, and score its output."""
    start = time.perf_counter()
    output = extractor.run(page.html)
    seconds = time.perf_counter() - start
    if output.error is not None:
        print(f"warning: {extractor.name} failed on {page.name}: {output.error}", file=sys.stderr)
    return Result(
        page=page.name,
        output=output,
        score=page_scores(output.text, page.truth),
        matches=metadata_matches(output.metadata, page.expected),
        seconds=seconds,
    )


def run_all(pages: Sequence[Page], extractors: Sequence[Extractor]) -> list[Column]:
    """Run every extractor on every page, interleaved, after one untimed warm-up call each.

    The order of the extractors alternates from page to page so that neither always runs on
    a cold or warm cache.
    """
    if pages:
        for extractor in extractors:
            extractor.run(pages[0].html)
    columns = [Column(e.name) for e in extractors]
    for index, page in enumerate(pages):
        order = list(range(len(extractors)))
        if index % 2:
            order.reverse()
        for i in order:
            columns[i].results.append(timed(extractors[i], page))
    return columns


# --------------------------------------------------------------------------- figures


def median_ms(column: Column) -> float:
    """Median wall time per page in milliseconds."""
    return statistics.median(r.seconds for r in column.results) * 1000 if column.results else 0.0


def body_summary(column: Column) -> BodySummary:
    """Aggregate body-text scores of one column."""
    return aggregate([r.score for r in column.results])


def field_summaries(column: Column) -> dict[str, FieldSummary]:
    """Aggregate each metadata check of one column."""
    return {
        name: aggregate_field(r.matches[name] for r in column.results) for name in METADATA_CHECKS
    }


def time_ratio(columns: Sequence[Column]) -> float | None:
    """Median time of archiver divided by median time of trafilatura, if both ran."""
    by_name = {c.name: c for c in columns}
    if ARCHIVER not in by_name or TRAFILATURA not in by_name:
        return None
    base = median_ms(by_name[TRAFILATURA])
    return median_ms(by_name[ARCHIVER]) / base if base else None


def subject(columns: Sequence[Column]) -> Column:
    """Return the column whose worst pages are listed: archiver, else the first one."""
    return next((c for c in columns if c.name == ARCHIVER), columns[0])


def worst_pages(column: Column, count: int) -> list[Result]:
    """Return the ``count`` results of ``column`` with the lowest page F1."""
    return sorted(column.results, key=lambda r: (r.score.f1, r.page))[:count]


def regressions(columns: Sequence[Column]) -> list[tuple[Result, Result]]:
    """Pages where archiver's page F1 is below trafilatura's, largest gap first."""
    by_name = {c.name: c for c in columns}
    if ARCHIVER not in by_name or TRAFILATURA not in by_name:
        return []
    pairs = zip(by_name[ARCHIVER].results, by_name[TRAFILATURA].results, strict=True)
    worse = [(a, t) for a, t in pairs if a.score.f1 < t.score.f1 - 1e-9]
    return sorted(worse, key=lambda pair: pair[0].score.f1 - pair[1].score.f1)


def snippet(text: str, width: int = 80) -> str:
    """First ``width`` characters of ``text`` on one line, safe inside a Markdown table."""
    return " ".join(text.split())[:width].replace("|", "\\|")


# --------------------------------------------------------------------------- Markdown


def _rate(summary: FieldSummary) -> str:
    """Format a metadata rate with two decimals, or a dash when nothing was scored."""
    return "-" if summary.rate is None else f"{summary.rate:.2f}"


def table_row(column: Column) -> str:
    """One Markdown table row of figures for one extractor."""
    body = body_summary(column)
    fields = field_summaries(column)
    cells = [
        column.name,
        f"{body.f1:.3f}",
        f"{body.precision:.3f}",
        f"{body.recall:.3f}",
        f"{body.empty}/{body.pages}",
        f"{body.mean_page_f1:.3f}",
        *(_rate(fields[name]) for name in METADATA_CHECKS),
        f"{median_ms(column):.1f}",
    ]
    return "| " + " | ".join(cells) + " |"


def render_table(columns: Sequence[Column]) -> list[str]:
    """Render the main Markdown table and the lines that qualify it."""
    headers = ["extractor", "body F1", "P", "R", "empty", "mean page F1"]
    headers += [_METADATA_HEADERS[name] for name in METADATA_CHECKS] + ["median ms/page"]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += [table_row(column) for column in columns]
    ratio = time_ratio(columns)
    if ratio is not None:
        lines += ["", f"time ratio archiver/trafilatura (median): {ratio:.2f}x"]
    fields = field_summaries(columns[0])
    counts = ", ".join(f"{_METADATA_HEADERS[n]} {s.scored}" for n, s in fields.items())
    lines += ["", f"metadata scored over pages with an expected value: {counts}"]
    for column in columns:
        declined = sum(r.output.declined for r in column.results)
        failed = sum(r.output.error is not None for r in column.results)
        if declined or failed:
            lines.append(f"{column.name}: {declined} page(s) declined, {failed} raised an error")
    return lines


def render_worst(columns: Sequence[Column], count: int) -> list[str]:
    """Markdown lists of the lowest-F1 pages and of the pages where archiver loses."""
    column = subject(columns)
    lines = ["", f"### {count} lowest page F1 ({column.name})", ""]
    lines += ["| page | F1 | P | R | output (first 80 chars) |", "|---|---|---|---|---|"]
    for r in worst_pages(column, count):
        precision = "-" if r.score.precision is None else f"{r.score.precision:.3f}"
        lines.append(
            f"| {r.page} | {r.score.f1:.3f} | {precision} | {r.score.recall:.3f} "
            f"| {snippet(r.output.text)} |"
        )
    if column.name != ARCHIVER:
        return lines
    worse = regressions(columns)
    lines += ["", f"### pages where archiver is worse than trafilatura ({len(worse)})", ""]
    lines += ["| page | archiver F1 | trafilatura F1 | difference |", "|---|---|---|---|"]
    for a, t in worse:
        gap = a.score.f1 - t.score.f1
        lines.append(f"| {a.page} | {a.score.f1:.3f} | {t.score.f1:.3f} | {gap:+.3f} |")
    return lines


# --------------------------------------------------------------------------- JSON


def result_json(result: Result) -> dict[str, Any]:
    """Per-page figures of one extractor as plain JSON data."""
    return {
        "page": result.page,
        "f1": result.score.f1,
        "precision": result.score.precision,
        "recall": result.score.recall,
        "shingles": asdict(result.score),
        "ms": result.seconds * 1000,
        "declined": result.output.declined,
        "error": result.output.error,
        "metadata": asdict(result.output.metadata),
        "matches": result.matches,
    }


def column_json(column: Column) -> dict[str, Any]:
    """All figures of one extractor as plain JSON data."""
    fields = field_summaries(column)
    return {
        "body": asdict(body_summary(column)),
        "metadata": {n: {**asdict(s), "rate": s.rate} for n, s in fields.items()},
        "median_ms": median_ms(column),
        "pages": [result_json(r) for r in column.results],
    }


def render_json(columns: Sequence[Column], worst: int | None) -> str:
    """Render the whole report as a JSON document."""
    report: dict[str, Any] = {
        "extractors": {c.name: column_json(c) for c in columns},
        "time_ratio_archiver_trafilatura": time_ratio(columns),
    }
    if worst:
        report["worst"] = [r.page for r in worst_pages(subject(columns), worst)]
        report["archiver_worse"] = [a.page for a, _ in regressions(columns)]
    return json.dumps(report, indent=2, ensure_ascii=False)


# --------------------------------------------------------------------------- CLI


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("dataset", type=Path, help="folder with one sub-folder per page")
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="run only this page (repeatable)"
    )
    parser.add_argument("--worst", type=int, metavar="N", help="list the N lowest-F1 pages")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--min-words",
        type=int,
        metavar="N",
        help="archiver's article gate (default: the archive's, 30); 0 scores what the "
        "extractor finds on pages the archive refuses as too short",
    )
    parser.add_argument(
        "--captions-out-of-truth",
        action="store_true",
        help="score against the truth without its photo captions (figcaption and *caption* "
        "classes), the project's definition of body text",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the report; return the process exit status."""
    args = parse_args(argv)
    if not args.dataset.is_dir():
        print(f"error: {args.dataset} is not a directory", file=sys.stderr)
        return 2
    pages = load_pages(args.dataset, args.only, captions=not args.captions_out_of_truth)
    if not pages:
        print(f"error: no page folder in {args.dataset}", file=sys.stderr)
        return 2
    extractors = [Extractor(TRAFILATURA, run_trafilatura)]
    archiver = load_archiver(args.min_words)
    if archiver is not None:
        extractors.append(archiver)
    columns = run_all(pages, extractors)
    if args.json:
        print(render_json(columns, args.worst))
        return 0
    lines = render_table(columns)
    if args.captions_out_of_truth:
        lines.append("truth: photo captions removed (--captions-out-of-truth)")
    if args.min_words is not None:
        lines.append(f"archiver: article gate min_words={args.min_words} (the archive's: 30)")
    if args.worst:
        lines += render_worst(columns, args.worst)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
