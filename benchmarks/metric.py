r"""Pure metric functions for the extraction-quality benchmark.

The definitions follow ``/work/shared/devset/README.md`` (the same body metric as the
ScrapingHub article-extraction-benchmark):

* tokens are ``\w+`` matches (Unicode, case kept);
* shingles are the multiset of consecutive 4-token tuples (1 to 3 tokens give one shorter
  shingle, no token gives none);
* per page, ``tp`` is the size of the multiset intersection, precision ``tp / predicted`` and
  recall ``tp / true``;
* over a set, precision is the mean per-page precision over pages with non-empty output,
  recall the mean per-page recall, F1 the harmonic mean of those two means.

Metadata fields are scored over the pages whose expected value is not null (a blank expected
string counts as null). Nothing here does I/O, so a unit test can import this module directly.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from selectolax.lexbor import LexborHTMLParser, LexborNode

SHINGLE_SIZE = 4

_TOKEN_RE = re.compile(r"\w+")
_ISO_DAY_RE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?!\d)")
_BASIC_DAY_RE = re.compile(r"(\d{4})(\d{2})(\d{2})(?=T|\b)")
_SUBTAG_SEP_RE = re.compile(r"[-_]")

# Elements whose content is not rendered as text.
_INVISIBLE_TAGS = frozenset({"head", "script", "style", "noscript", "template", "title"})

# Elements that start a new line when rendered: their boundaries separate words.
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "center", "dd",
        "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "legend", "li",
        "main", "menu", "nav", "ol", "option", "p", "pre", "section", "summary", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip


# --------------------------------------------------------------------------- body text


def visible_text(html: str) -> str:
    """Return the rendered text of an HTML document or fragment.

    Text inside ``script``, ``style``, ``head`` and similar elements is dropped; block-level
    elements and ``<br>`` are surrounded by newlines so that they separate words, while inline
    elements (``<b>``, ``<a>``...) are concatenated as a browser would render them.
    """
    root = LexborHTMLParser(html).root
    if root is None:
        return ""
    parts: list[str] = []
    stack: list[LexborNode | None] = [root]  # None marks the end of a block element
    while stack:
        node = stack.pop()
        if node is None:
            parts.append("\n")
            continue
        tag = node.tag or ""
        if tag == "-text":
            parts.append(node.text_content or "")
            continue
        if tag.startswith("-") or tag in _INVISIBLE_TAGS:  # comments, doctype, hidden
            continue
        if tag in _BLOCK_TAGS:
            parts.append("\n")
            stack.append(None)
        stack.extend(reversed(list(node.iter(include_text=True))))
    return "".join(parts)


def tokens(text: str | None) -> list[str]:
    r"""Split text into ``\w+`` tokens (Unicode word characters, case kept)."""
    return _TOKEN_RE.findall(text or "")


def shingles(toks: Sequence[str], size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Return the multiset of consecutive ``size``-token tuples.

    A text shorter than ``size`` tokens (but not empty) gives one shorter shingle; an empty
    text gives none.
    """
    if not toks:
        return Counter()
    if len(toks) <= size:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i : i + size]) for i in range(len(toks) - size + 1))


@dataclass(frozen=True)
class PageScore:
    """Shingle counts of one page, with the derived per-page precision, recall and F1."""

    tp: int
    predicted: int
    true: int

    @property
    def empty(self) -> bool:
        """Whether the extractor produced no token at all."""
        return self.predicted == 0

    @property
    def precision(self) -> float | None:
        """``tp / predicted``; None when the output is empty (precision undefined)."""
        return self.tp / self.predicted if self.predicted else None

    @property
    def recall(self) -> float:
        """``tp / true``; a page whose truth is empty is fully recalled by anything."""
        return self.tp / self.true if self.true else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of the page precision and recall; 0 for an empty output."""
        return harmonic_mean(self.precision or 0.0, self.recall)


def harmonic_mean(a: float, b: float) -> float:
    """Harmonic mean of two non-negative numbers (0 when both are 0)."""
    return 2 * a * b / (a + b) if a + b > 0 else 0.0


def page_scores(predicted_text: str | None, true_text: str) -> PageScore:
    """Score one page: shingle multiset intersection between prediction and truth."""
    pred = shingles(tokens(predicted_text))
    true = shingles(tokens(true_text))
    return PageScore(
        tp=sum((pred & true).values()),
        predicted=sum(pred.values()),
        true=sum(true.values()),
    )


@dataclass(frozen=True)
class BodySummary:
    """Body-text figures over a set of pages."""

    pages: int
    precision: float
    recall: float
    f1: float
    empty: int
    mean_page_f1: float


def aggregate(scores: Sequence[PageScore]) -> BodySummary:
    """Aggregate page scores: macro precision (non-empty outputs), macro recall (all pages)."""
    precisions = [s.precision for s in scores if s.precision is not None]
    precision = statistics.fmean(precisions) if precisions else 0.0
    recall = statistics.fmean(s.recall for s in scores) if scores else 0.0
    return BodySummary(
        pages=len(scores),
        precision=precision,
        recall=recall,
        f1=harmonic_mean(precision, recall),
        empty=sum(1 for s in scores if s.empty),
        mean_page_f1=statistics.fmean(s.f1 for s in scores) if scores else 0.0,
    )


# --------------------------------------------------------------------------- metadata


def normalize_whitespace(text: str | None) -> str:
    """Collapse runs of whitespace (including no-break spaces) to one space and strip."""
    return " ".join((text or "").split())


def _words(text: str | None) -> list[str]:
    r"""Return lowercase ``\w+`` tokens after NFKC normalization."""
    return tokens(unicodedata.normalize("NFKC", text or "").casefold())


def title_exact(predicted: str | None, expected: str) -> bool:
    """Title equality after whitespace normalization."""
    return normalize_whitespace(predicted) == normalize_whitespace(expected)


def title_loose(predicted: str | None, expected: str) -> bool:
    """Title equality ignoring case, punctuation and whitespace (same word sequence)."""
    words = _words(predicted)
    return bool(words) and words == _words(expected)


def word_f1(predicted: str | None, expected: str | None) -> float:
    """F1 between the lowercase word multisets of two strings (0 if either is empty)."""
    pred, true = Counter(_words(predicted)), Counter(_words(expected))
    common = sum((pred & true).values())
    if not common:
        return 0.0
    return harmonic_mean(common / sum(pred.values()), common / sum(true.values()))


def author_match(predicted: str | None, expected: str, threshold: float = 0.5) -> bool:
    """Byline vs. author: a match when their word F1 reaches ``threshold``."""
    return word_f1(predicted, expected) >= threshold


def calendar_day(value: str | None) -> date | None:
    """Return the calendar day at the start of an ISO-8601-like date string, as written.

    Accepts ``YYYY-MM-DD`` followed by anything (``T12:00Z``, `` 06:01:07``, an offset...),
    ``YYYY/MM/DD`` and the basic form ``YYYYMMDD``. No time-zone conversion is done: the day is
    the one written in the string. Returns None when no valid day is found.
    """
    text = (value or "").strip()
    match = _ISO_DAY_RE.match(text) or _BASIC_DAY_RE.match(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def date_match(predicted: str | None, expected: str) -> bool:
    """Match published date vs. publishedTime: the same calendar day."""
    day = calendar_day(predicted)
    return day is not None and day == calendar_day(expected)


def primary_language(tag: str | None) -> str:
    """Primary subtag of a BCP 47 language tag, lowercase (``en-US`` gives ``en``)."""
    return _SUBTAG_SEP_RE.split((tag or "").strip(), maxsplit=1)[0].lower()


def language_match(predicted: str | None, expected: str) -> bool:
    """Language vs. lang: equal primary subtags."""
    lang = primary_language(predicted)
    return bool(lang) and lang == primary_language(expected)


def sitename_match(predicted: str | None, expected: str) -> bool:
    """Site name vs. siteName: equality ignoring case and whitespace differences."""
    pred = normalize_whitespace(predicted).casefold()
    return bool(pred) and pred == normalize_whitespace(expected).casefold()


@dataclass(frozen=True)
class Metadata:
    """Metadata fields predicted by an extractor (None when not found)."""

    title: str | None = None
    author: str | None = None
    date: str | None = None
    language: str | None = None
    sitename: str | None = None


Matcher = Callable[[str | None, str], bool]

# Reported metadata column -> (Metadata attribute, expected-metadata.json key, matcher).
METADATA_CHECKS: Mapping[str, tuple[str, str, Matcher]] = {
    "title_exact": ("title", "title", title_exact),
    "title_loose": ("title", "title", title_loose),
    "author": ("author", "byline", author_match),
    "date": ("date", "publishedTime", date_match),
    "language": ("language", "lang", language_match),
    "sitename": ("sitename", "siteName", sitename_match),
}


def expected_value(expected: Mapping[str, object], key: str) -> str | None:
    """Return the expected string for ``key``, or None when it is null, missing or blank."""
    value = expected.get(key)
    if isinstance(value, str) and value.strip():
        return value
    return None


def metadata_matches(predicted: Metadata, expected: Mapping[str, object]) -> dict[str, bool | None]:
    """Score every metadata check for one page; None where the expected value is null."""
    results: dict[str, bool | None] = {}
    for name, (attribute, key, matcher) in METADATA_CHECKS.items():
        truth = expected_value(expected, key)
        results[name] = None if truth is None else matcher(getattr(predicted, attribute), truth)
    return results


@dataclass(frozen=True)
class FieldSummary:
    """Share of matching pages among the pages where a metadata field can be scored."""

    matched: int
    scored: int

    @property
    def rate(self) -> float | None:
        """``matched / scored``, or None when no page could be scored."""
        return self.matched / self.scored if self.scored else None


def aggregate_field(results: Iterable[bool | None]) -> FieldSummary:
    """Aggregate one metadata field over pages, skipping unscored pages (None)."""
    scored = [r for r in results if r is not None]
    return FieldSummary(matched=sum(scored), scored=len(scored))
