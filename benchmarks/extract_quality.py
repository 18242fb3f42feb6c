"""Extraction quality and speed on the development set: archiver beside trafilatura, one run.

Usage::

    python benchmarks/extract_quality.py [DEVSET] [--sets wcxb-dev,trafilatura-eval,readability]
        [--limit N] [--worst N] [--json /tmp/extract_quality.json] [--min-words N]

DEVSET (default ``/work/shared/devset``) holds the three sets of its README; it may also be one
set's own folder. Every figure is the README's (see ``metric.py``), printed as Markdown tables:
word F1 (wcxb-dev, per page type), shingle F1 (wcxb-dev articles, readability), snippets
(trafilatura-eval, wcxb-dev), the article gate, metadata, and time per page.

The extractors, all run in this process on every page, interleaved page by page (the order
rotates from page to page so that they share machine noise and none always runs first):

* ``archiver``: ``extract_article(source, url)``; NotAnArticle / ExtractError are refusals
  (counted with their ``reason``); its time covers clean-up, body, metadata and language;
* ``trafilatura``: ``trafilatura.extract(source, url=url, include_comments=False)``, timed
  alone; ``None`` or blank text counts as a refusal;
* ``trafilatura fast`` (``fast=True``), ``trafilatura precision`` (``favor_precision=True``);
* ``trafilatura metadata``: ``trafilatura.extract_metadata(source, default_url=url)``, timed on
  its own; its fields are trafilatura's metadata figures, and ``trafilatura + metadata`` in the
  time table is the sum of the two calls per page (archiver's time includes its metadata).

Sources: wcxb-dev pages are gunzipped and decoded as UTF-8 (the set's encoding), readability
pages decoded as UTF-8; trafilatura-eval pages are passed as raw BYTES to every extractor
(charsets vary; archiver and trafilatura each decode them their own way). Pages are read one
at a time, in memory; ``--json`` writes per-page scores (no page text) outside the repository.

Judgment calls: wcxb-dev pages without ``main_content`` are left out of word and shingle F1;
a readability page is "synthetic" (Readability.js's tiny unit-test pages) when its
``source.html`` is under 8,000 bytes (the real ones are over 12 KB); a refused or empty output
scores 0 and finds no snippet; metadata is scored on every page whose truth has the field, a
refusal counting as a miss.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import trafilatura
from metric import (
    Rate,
    ShingleScore,
    SnippetCounts,
    WordScore,
    aggregate_shingles,
    aggregate_words,
    field_rate,
    metadata_matches,
    shingle_score,
    snippet_counts,
    total_snippets,
    visible_text,
    word_score,
)

from archiver.errors import ExtractError
from archiver.extraction import extract_article

DEFAULT_DEVSET = Path("/work/shared/devset")
WCXB, TRAF_EVAL, READABILITY = "wcxb-dev", "trafilatura-eval", "readability"
SETS = (WCXB, TRAF_EVAL, READABILITY)
SYNTHETIC_BYTES = 8_000
RIGHT_REFUSALS = ("collection", "listing", "product")
WCXB_TYPES = ("article", "service", "product", "collection", "forum", "listing", "documentation")
REPO = Path(__file__).resolve().parent.parent

ARCHIVER = "archiver"
TRAFILATURA = "trafilatura"
TRAF_FAST = "trafilatura fast"
TRAF_PRECISION = "trafilatura precision"
TRAF_METADATA = "trafilatura metadata"
TRAF_PLUS_METADATA = "trafilatura + metadata"
TEXT_EXTRACTORS = (ARCHIVER, TRAFILATURA, TRAF_FAST, TRAF_PRECISION)
METADATA_EXTRACTORS = {ARCHIVER: ARCHIVER, TRAF_METADATA: TRAFILATURA}  # column -> row label

Source = str | bytes


# --------------------------------------------------------------------------- dataset


@dataclass(frozen=True)
class Truth:
    """What a page should give: body text, snippets, metadata (any may be missing)."""

    text: str | None = None
    with_: tuple[str, ...] = ()
    without: tuple[str, ...] = ()
    metadata: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    """One dev-set page; its source is read from disk only when it is run."""

    set: str
    name: str
    path: Path
    url: str | None
    kind: str  # WCXB page type; "article" in the other sets
    truth: Truth
    synthetic: bool = False

    def source(self) -> Source:
        """The page as handed to the extractors: text for UTF-8 sets, bytes otherwise."""
        data = self.path.read_bytes()
        if self.path.suffix == ".gz":
            data = gzip.decompress(data)
        return data if self.set == TRAF_EVAL else data.decode("utf-8", errors="replace")


def _strings(values: object) -> tuple[str, ...]:
    """The non-blank strings of a JSON list (or nothing)."""
    if not isinstance(values, list):
        return ()
    return tuple(v for v in values if isinstance(v, str) and v.strip())


def wcxb_pages(folder: Path) -> Iterator[Page]:
    """wcxb-dev: ``html/NNNN.html.gz`` with ``ground-truth/NNNN.json``."""
    for truth_file in sorted((folder / "ground-truth").glob("*.json")):
        data = json.loads(truth_file.read_text(encoding="utf-8"))
        gt = data["ground_truth"]
        metadata = {"title": gt.get("title"), "author": gt.get("author")}
        metadata["date"] = gt.get("publish_date")
        yield Page(
            set=WCXB,
            name=truth_file.stem,
            path=folder / "html" / f"{truth_file.stem}.html.gz",
            url=data.get("url"),
            kind=data["_internal"]["page_type"]["primary"],
            truth=Truth(
                text=gt.get("main_content") or None,
                with_=_strings(gt.get("with")),
                without=_strings(gt.get("without")),
                metadata=metadata,
            ),
        )


def trafilatura_eval_pages(folder: Path) -> Iterator[Page]:
    """trafilatura-eval: ``evaldata.json`` (url -> file, with, without) and ``html/NAME.gz``."""
    evaldata = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    for url, entry in sorted(evaldata.items(), key=lambda item: item[1]["file"]):
        yield Page(
            set=TRAF_EVAL,
            name=entry["file"],
            path=folder / "html" / f"{entry['file']}.gz",
            url=url,
            kind="article",
            truth=Truth(with_=_strings(entry.get("with")), without=_strings(entry.get("without"))),
        )


def readability_pages(folder: Path) -> Iterator[Page]:
    """readability: ``<name>/{source.html, expected.html, expected-metadata.json}``."""
    for page_dir in sorted(p for p in folder.iterdir() if (p / "source.html").is_file()):
        expected = json.loads((page_dir / "expected-metadata.json").read_text(encoding="utf-8"))
        truth_html = (page_dir / "expected.html").read_bytes().decode("utf-8", errors="replace")
        source = page_dir / "source.html"
        yield Page(
            set=READABILITY,
            name=page_dir.name,
            path=source,
            url=None,
            kind="article",
            synthetic=source.stat().st_size < SYNTHETIC_BYTES,
            truth=Truth(
                text=visible_text(truth_html),
                metadata={
                    "title": expected.get("title"),
                    "author": expected.get("byline"),
                    "date": expected.get("publishedTime"),
                    "language": expected.get("lang"),
                    "sitename": expected.get("siteName"),
                },
            ),
        )


LOADERS: dict[str, Callable[[Path], Iterator[Page]]] = {
    WCXB: wcxb_pages,
    TRAF_EVAL: trafilatura_eval_pages,
    READABILITY: readability_pages,
}


def load_pages(devset: Path, sets: Sequence[str], limit: int | None) -> list[Page]:
    """The pages of the chosen sets (the first ``limit`` of each, in name order)."""
    if devset.name in SETS:  # one set's own folder
        sets, devset = [devset.name], devset.parent
    pages: list[Page] = []
    for name in sets:
        loaded = list(LOADERS[name](devset / name))
        pages += loaded[:limit] if limit else loaded
    return pages


# --------------------------------------------------------------------------- extractors


@dataclass(frozen=True)
class Output:
    """What one extractor gave for one page."""

    text: str = ""
    refusal: str | None = None  # the reason, when the extractor declined the page
    error: str | None = None  # an unexpected exception (a bug), as "Type: message"
    metadata: dict[str, str | None] = field(default_factory=dict)


Run = Callable[[Source, str | None], Output]


def archiver_run(min_words: int | None) -> Run:
    """The project's extractor; ``min_words`` overrides its article gate (None keeps it)."""
    options = {} if min_words is None else {"min_words": min_words}

    def run(source: Source, url: str | None) -> Output:
        try:
            article = extract_article(source, url, **options)
        except ExtractError as exc:
            return Output(refusal=exc.reason)
        except Exception as exc:  # a benchmark records a crash and goes on
            return Output(refusal="error", error=f"{type(exc).__name__}: {exc}")
        metadata = {
            "title": article.title,
            "author": article.author,
            "date": article.published,
            "language": article.language,
            "sitename": article.sitename,
        }
        return Output(text=article.text, metadata=metadata)

    return run


def trafilatura_run(**options: bool) -> Run:
    """``trafilatura.extract`` without comments, with the given options."""

    def run(source: Source, url: str | None) -> Output:
        text = trafilatura.extract(source, url=url, include_comments=False, **options)
        return Output(text=text) if text and text.strip() else Output(refusal="none")

    return run


def trafilatura_metadata(source: Source, url: str | None) -> Output:
    """``trafilatura.extract_metadata``, timed apart from the text extraction."""
    meta = trafilatura.extract_metadata(source, default_url=url)
    fields = ("title", "author", "date", "language", "sitename")
    return Output(metadata={name: getattr(meta, name, None) for name in fields})


def extractors(min_words: int | None) -> dict[str, Run]:
    """Every timed call, by column name."""
    return {
        ARCHIVER: archiver_run(min_words),
        TRAFILATURA: trafilatura_run(),
        TRAF_FAST: trafilatura_run(fast=True),
        TRAF_PRECISION: trafilatura_run(favor_precision=True),
        TRAF_METADATA: trafilatura_metadata,
    }


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Score:
    """One extractor on one page: its time, refusal and scores (None where not measured)."""

    ms: float
    output: Output
    words: WordScore | None
    shingles: ShingleScore | None
    snippets: SnippetCounts | None
    matches: dict[str, bool]


@dataclass(frozen=True)
class Result:
    """All extractors on one page."""

    page: Page
    scores: dict[str, Score]


def score(page: Page, output: Output, ms: float) -> Score:
    """Score one output against the page's truth."""
    truth = page.truth
    has_text = truth.text is not None
    has_snippets = bool(truth.with_ or truth.without)
    return Score(
        ms=ms,
        output=output,
        words=word_score(output.text, truth.text or "") if has_text else None,
        shingles=shingle_score(output.text, truth.text or "") if has_text else None,
        snippets=snippet_counts(output.text, truth.with_, truth.without) if has_snippets else None,
        matches=metadata_matches(output.metadata, truth.metadata),
    )


def run_page(page: Page, runs: dict[str, Run], index: int) -> Result:
    """Run every extractor on one page, in an order rotated by the page's index."""
    source = page.source()
    names = list(runs)
    shift = index % len(names)
    scores: dict[str, Score] = {}
    for name in names[shift:] + names[:shift]:
        start = time.perf_counter()
        output = runs[name](source, page.url)
        ms = (time.perf_counter() - start) * 1000
        if output.error:
            print(
                f"warning: {name} crashed on {page.set}/{page.name}: {output.error}",
                file=sys.stderr,
            )
        scores[name] = score(page, output, ms)
    return Result(page, {name: scores[name] for name in names})


def run_all(pages: Sequence[Page], runs: dict[str, Run]) -> list[Result]:
    """Run all pages after one untimed warm-up call of each extractor; progress on stderr."""
    if pages:
        source = pages[0].source()
        for run in runs.values():
            run(source, pages[0].url)
    results = []
    for index, page in enumerate(pages):
        results.append(run_page(page, runs, index))
        if (index + 1) % 100 == 0:
            print(f"{index + 1}/{len(pages)} pages", file=sys.stderr)
    return results


# --------------------------------------------------------------------------- Markdown


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def select(results: Sequence[Result], set_: str, **where: object) -> list[Result]:
    """The results of one set whose page attributes equal ``where``."""
    return [
        r
        for r in results
        if r.page.set == set_ and all(getattr(r.page, k) == v for k, v in where.items())
    ]


def words_of(group: Sequence[Result], name: str) -> list[WordScore]:
    """The word scores of one extractor over a group of pages."""
    return [w for r in group if (w := r.scores[name].words) is not None]


def shingles_of(group: Sequence[Result], name: str) -> list[ShingleScore]:
    """The shingle scores of one extractor over a group of pages."""
    return [s for r in group if (s := r.scores[name].shingles) is not None]


def word_table(results: Sequence[Result]) -> list[str]:
    """Word F1 on wcxb-dev: all pages (P, R, F1) and the F1 per page type."""
    scored = [r for r in select(results, WCXB) if r.page.truth.text is not None]
    groups = {t: [r for r in scored if r.page.kind == t] for t in WCXB_TYPES}
    groups = {t: g for t, g in groups.items() if g}
    headers = [f"extractor ({len(scored)} pages)", "P", "R", "F1"]
    headers += [f"{t} ({len(g)})" for t, g in groups.items()]
    rows = []
    for name in TEXT_EXTRACTORS:
        total = aggregate_words(words_of(scored, name))
        cells = [name, f"{total.precision:.3f}", f"{total.recall:.3f}", f"{total.f1:.3f}"]
        cells += [f"{aggregate_words(words_of(g, name)).f1:.3f}" for g in groups.values()]
        rows.append(cells)
    left_out = len(select(results, WCXB)) - len(scored)
    note = f"Mean per-page word F1 (WCXB); {left_out} pages without main_content left out."
    return ["### Word F1, wcxb-dev", "", *table(headers, rows), "", note]


def shingle_groups(results: Sequence[Result]) -> dict[str, list[Result]]:
    """The page groups scored by shingle F1."""
    groups = {
        "wcxb-dev articles": [
            r for r in select(results, WCXB, kind="article") if r.page.truth.text is not None
        ],
        "readability real": select(results, READABILITY, synthetic=False),
        "readability synthetic": select(results, READABILITY, synthetic=True),
    }
    return {name: group for name, group in groups.items() if group}


def shingle_table(results: Sequence[Result]) -> list[str]:
    """Shingle P, R, F1 of means, empty outputs and mean page F1, per group and extractor."""
    headers = ["set", "extractor", "P", "R", "F1", "empty", "mean page F1"]
    rows = []
    for group_name, group in shingle_groups(results).items():
        for name in TEXT_EXTRACTORS:
            s = aggregate_shingles(shingles_of(group, name))
            rows.append(
                [
                    f"{group_name} ({s.pages})",
                    name,
                    f"{s.precision:.3f}",
                    f"{s.recall:.3f}",
                    f"{s.f1:.3f}",
                    str(s.empty),
                    f"{s.mean_page_f1:.3f}",
                ]
            )
    return ["### Shingle F1 (4-token shingles)", "", *table(headers, rows)] if rows else []


def snippet_table(results: Sequence[Result]) -> list[str]:
    """Snippet counts and P, R, F1 summed over each set."""
    groups = {
        TRAF_EVAL: select(results, TRAF_EVAL),
        "wcxb-dev": select(results, WCXB),
        "wcxb-dev articles": select(results, WCXB, kind="article"),
    }
    headers = ["set", "extractor", "with found", "with missed", "without found", "P", "R", "F1"]
    rows = []
    for group_name, group in groups.items():
        if not group:
            continue
        for name in TEXT_EXTRACTORS:
            c = total_snippets(r.scores[name].snippets or SnippetCounts() for r in group)
            counts = [str(c.tp), str(c.fn), str(c.fp)]
            rates = [f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}"]
            rows.append([f"{group_name} ({len(group)})", name, *counts, *rates])
    return ["### Snippets (with / without)", "", *table(headers, rows)] if rows else []


def gate_groups(results: Sequence[Result]) -> dict[str, list[Result]]:
    """The page groups of the article gate, each with its refusals' meaning in the name."""
    wcxb = select(results, WCXB)
    groups = {
        "wcxb articles (lost)": [r for r in wcxb if r.page.kind == "article"],
        "wcxb collection/listing/product (right)": [
            r for r in wcxb if r.page.kind in RIGHT_REFUSALS
        ],
        "wcxb service/forum/docs": [
            r for r in wcxb if r.page.kind not in (*RIGHT_REFUSALS, "article")
        ],
        "trafilatura-eval (lost)": select(results, TRAF_EVAL),
        "readability real (lost)": select(results, READABILITY, synthetic=False),
        "readability synthetic": select(results, READABILITY, synthetic=True),
    }
    return {name: group for name, group in groups.items() if group}


def gate_table(results: Sequence[Result]) -> list[str]:
    """Refusals per extractor and page group, with archiver's reasons."""
    groups = gate_groups(results)
    headers = ["extractor", *groups]
    rows = []
    for name in TEXT_EXTRACTORS:
        cells = [name]
        for group in groups.values():
            refused = sum(1 for r in group if r.scores[name].output.refusal)
            cells.append(f"{refused}/{len(group)}")
        rows.append(cells)
    lines = ["### Article gate: refusals", "", *table(headers, rows), ""]
    crashes = sum(1 for r in results if r.scores[ARCHIVER].output.error)
    if crashes:
        lines.append(f"archiver crashed on {crashes} page(s) (counted as refusals, see stderr).")
    lines.append("A trafilatura refusal is a None or blank result. archiver's reasons:")
    for group_name, group in groups.items():
        reasons = Counter(r.scores[ARCHIVER].output.refusal for r in group)
        reasons.pop(None, None)
        listed = ", ".join(f"{reason} {n}" for reason, n in reasons.most_common()) or "none"
        lines.append(f"- {group_name}: {listed}")
    return lines


def _rate(rate: Rate) -> str:
    """A rate with two decimals, or a dash when no page had the field."""
    return "-" if rate.rate is None else f"{rate.rate:.2f}"


def metadata_table(results: Sequence[Result], set_: str, fields: dict[str, str]) -> list[str]:
    """Metadata match rates on one set, one row per extractor (fields: name -> truth key)."""
    group = select(results, set_)
    if not group:
        return []
    first = [r.scores[ARCHIVER].matches for r in group]
    headers = ["extractor"] + [
        f"{label} ({field_rate(first, f).scored})" for f, label in fields.items()
    ]
    rows = []
    for column, label in METADATA_EXTRACTORS.items():
        matches = [r.scores[column].matches for r in group]
        rows.append([label] + [_rate(field_rate(matches, f)) for f in fields])
    return [f"### Metadata, {set_} (share of pages with the field)", "", *table(headers, rows)]


def ms_figures(values: Sequence[float]) -> str:
    """Median and mean milliseconds as one cell."""
    if not values:
        return "-"
    return f"{statistics.median(values):.1f} / {statistics.fmean(values):.1f}"


def page_ms(result: Result, name: str) -> float:
    """One page's time of a column; ``trafilatura + metadata`` is the sum of both calls."""
    if name == TRAF_PLUS_METADATA:
        return result.scores[TRAFILATURA].ms + result.scores[TRAF_METADATA].ms
    return result.scores[name].ms


def ratio_figures(group: Sequence[Result], base: str) -> str:
    """archiver's median and mean time over ``base``'s, as one cell."""
    arch = [page_ms(r, ARCHIVER) for r in group]
    other = [page_ms(r, base) for r in group]
    median = statistics.median(arch) / statistics.median(other)
    return f"{median:.2f}x / {statistics.fmean(arch) / statistics.fmean(other):.2f}x"


def time_table(results: Sequence[Result]) -> list[str]:
    """Median / mean ms per page, per extractor and set, and archiver's time ratios."""
    sets = {s: select(results, s) for s in SETS if select(results, s)}
    if len(sets) > 1:
        sets["all"] = list(results)
    names = [*TEXT_EXTRACTORS, TRAF_METADATA, TRAF_PLUS_METADATA]
    headers = ["extractor", *(f"{s} ({len(g)})" for s, g in sets.items())]
    rows = [[n] + [ms_figures([page_ms(r, n) for r in g]) for g in sets.values()] for n in names]
    ratios = [
        [f"archiver / {base}"] + [ratio_figures(g, base) for g in sets.values()]
        for base in (TRAFILATURA, TRAF_PLUS_METADATA)
    ]
    return [
        "### Time, ms per page (median / mean)",
        "",
        *table(headers, rows),
        "",
        *table(["time ratio (median / mean)", *sets], ratios),
    ]


# --------------------------------------------------------------------------- worst pages


def page_f1(result: Result, name: str) -> float:
    """The page's figure in its set's main measure: word, shingle or snippet F1."""
    s = result.scores[name]
    if result.page.set == WCXB and s.words is not None:
        return s.words.f1
    if s.shingles is not None:
        return s.shingles.f1
    return (s.snippets or SnippetCounts()).f1


def worst_table(results: Sequence[Result], set_: str, count: int) -> list[str]:
    """The ``count`` pages of a set where archiver falls furthest below trafilatura."""
    group = select(results, set_)
    if not group:
        return []
    deltas = sorted(group, key=lambda r: page_f1(r, ARCHIVER) - page_f1(r, TRAFILATURA))
    worse = [r for r in deltas if page_f1(r, ARCHIVER) < page_f1(r, TRAFILATURA)]
    measure = {WCXB: "word F1", TRAF_EVAL: "snippet F1", READABILITY: "shingle F1"}[set_]
    headers = ["page", "type", "archiver", "trafilatura", "delta", "archiver refusal", "url"]
    rows = []
    for r in worse[:count]:
        arch, traf = page_f1(r, ARCHIVER), page_f1(r, TRAFILATURA)
        figures = [f"{arch:.3f}", f"{traf:.3f}", f"{arch - traf:+.3f}"]
        refusal = r.scores[ARCHIVER].output.refusal or ""
        rows.append([r.page.name, r.page.kind, *figures, refusal, (r.page.url or "")[:70]])
    return [
        f"### {set_}: the {len(rows)} worst of the {len(worse)} pages where archiver is below"
        f" trafilatura ({measure})",
        "",
        *table(headers, rows),
    ]


# --------------------------------------------------------------------------- JSON


def result_json(result: Result) -> dict[str, Any]:
    """One page's scores (no page text) as plain JSON data."""
    page = result.page
    scores = {}
    for name, s in result.scores.items():
        scores[name] = {
            "ms": s.ms,
            "refusal": s.output.refusal,
            "error": s.output.error,
            "words": asdict(s.words) if s.words else None,
            "shingles": {**asdict(s.shingles), "f1": s.shingles.f1} if s.shingles else None,
            "snippets": asdict(s.snippets) if s.snippets else None,
            "metadata": s.output.metadata,
            "matches": s.matches,
        }
    return {
        "set": page.set,
        "page": page.name,
        "url": page.url,
        "type": page.kind,
        "synthetic": page.synthetic,
        "scores": scores,
    }


def write_json(path: Path, results: Sequence[Result]) -> None:
    """Write the per-page scores to ``path``."""
    path.write_text(json.dumps([result_json(r) for r in results], ensure_ascii=False, indent=1))


# --------------------------------------------------------------------------- CLI


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "devset",
        nargs="?",
        type=Path,
        default=DEFAULT_DEVSET,
        help=f"the dev-set folder, or one set's folder (default: {DEFAULT_DEVSET})",
    )
    parser.add_argument(
        "--sets", default=",".join(SETS), help=f"comma-separated, of {', '.join(SETS)}"
    )
    parser.add_argument("--limit", type=int, metavar="N", help="first N pages of each set")
    parser.add_argument("--worst", type=int, metavar="N", help="N worst pages per set")
    parser.add_argument("--json", type=Path, metavar="PATH", help="per-page scores (outside repo)")
    parser.add_argument(
        "--min-words", type=int, metavar="N", help="archiver's article gate (default: its own)"
    )
    args = parser.parse_args(argv)
    args.sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = set(args.sets) - set(SETS)
    if unknown:
        parser.error(f"unknown set(s): {', '.join(sorted(unknown))}; known: {', '.join(SETS)}")
    if args.json and args.json.resolve().is_relative_to(REPO):
        parser.error("--json must point outside the repository (per-page output stays out)")
    return args


def report(results: Sequence[Result], args: argparse.Namespace, seconds: float) -> list[str]:
    """Every table of the report, in the README's order."""
    counts = Counter(r.page.set for r in results)
    header = ", ".join(f"{s} {n}" for s, n in counts.items())
    lines = [
        f"## Extraction on the dev set ({header} pages)",
        "",
        f"trafilatura {trafilatura.__version__}, Python {platform.python_version()}, "
        f"one process, extractors interleaved per page; run took {seconds:.0f} s.",
    ]
    if args.min_words is not None:
        lines.append(f"archiver's article gate: min_words={args.min_words}.")
    sections = [
        word_table(results) if select(results, WCXB) else [],
        shingle_table(results),
        snippet_table(results),
        gate_table(results),
        metadata_table(results, WCXB, {"title": "title", "author": "author", "date": "date"}),
        metadata_table(
            results,
            READABILITY,
            {
                "title": "title",
                "author": "byline",
                "date": "publishedTime",
                "language": "lang",
                "sitename": "siteName",
            },
        ),
        time_table(results),
    ]
    if args.worst:
        sections += [worst_table(results, s, args.worst) for s in SETS]
    for section in sections:
        if section:
            lines += ["", *section]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the report; return the process exit status."""
    args = parse_args(argv)
    if not args.devset.is_dir():
        print(f"error: {args.devset} is not a directory", file=sys.stderr)
        return 2
    pages = load_pages(args.devset, args.sets, args.limit)
    if not pages:
        print(f"error: no page in {args.devset}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    results = run_all(pages, extractors(args.min_words))
    seconds = time.perf_counter() - start
    if args.json:
        write_json(args.json, results)
    print("\n".join(report(results, args, seconds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
