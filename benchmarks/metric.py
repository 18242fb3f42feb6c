r"""Pure metric functions of the extraction-quality benchmark (``extract_quality.py``).

The definitions are those of ``/work/shared/devset/README.md``:

* **word F1** (WCXB): bags of lowercase ``\w+`` tokens of the output and of the truth; per page
  precision, recall and F1 of their overlap, an empty output scoring 0; means over pages;
* **shingle F1** (ScrapingHub article-extraction-benchmark): ``\w+`` tokens, case kept; the
  multiset of consecutive 4-token shingles (1 to 3 tokens give one shorter shingle); per page
  ``tp`` = size of the multiset intersection, precision ``tp / predicted``, recall
  ``tp / true``; over a set, precision = mean page precision over non-empty outputs, recall =
  mean page recall, F1 = harmonic mean of those two means;
* **snippets** (trafilatura's evaluation): whitespace-normalised substring matching of the
  ``with`` snippets (tp / fn) and ``without`` snippets (fp / tn), summed over a set;
* **metadata**: title equality after NFKC, whitespace collapsing and case folding; author word
  F1 >= 0.5; date on the same calendar day; language by primary subtag; site name as title.

Nothing here does I/O, so a unit test can import this module directly.
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
AUTHOR_THRESHOLD = 0.5

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


def visible_text(html: str) -> str:
    """Return the rendered text of an HTML document or fragment (Readability's ``expected.html``).

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


def harmonic_mean(a: float, b: float) -> float:
    """Harmonic mean of two non-negative numbers (0 when both are 0)."""
    return 2 * a * b / (a + b) if a + b > 0 else 0.0


def mean(values: Iterable[float]) -> float:
    """Arithmetic mean, 0 for no value."""
    values = list(values)
    return statistics.fmean(values) if values else 0.0


# --------------------------------------------------------------------------- word F1 (WCXB)


@dataclass(frozen=True)
class WordScore:
    """Word-bag precision, recall and F1 of one page (all 0 for an empty output)."""

    precision: float
    recall: float
    f1: float


def word_score(predicted: str | None, truth: str) -> WordScore:
    """Score one page by the overlap of the lowercase word bags of output and truth."""
    pred = Counter(t.lower() for t in tokens(predicted))
    true = Counter(t.lower() for t in tokens(truth))
    common = sum((pred & true).values())
    if not common:
        return WordScore(0.0, 0.0, 0.0)
    precision, recall = common / sum(pred.values()), common / sum(true.values())
    return WordScore(precision, recall, harmonic_mean(precision, recall))


@dataclass(frozen=True)
class WordSummary:
    """Mean word precision, recall and F1 over a set of pages."""

    pages: int
    precision: float
    recall: float
    f1: float


def aggregate_words(scores: Sequence[WordScore]) -> WordSummary:
    """Means of the per-page word scores."""
    return WordSummary(
        pages=len(scores),
        precision=mean(s.precision for s in scores),
        recall=mean(s.recall for s in scores),
        f1=mean(s.f1 for s in scores),
    )


# --------------------------------------------------------------------------- shingle F1


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
class ShingleScore:
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


def shingle_score(predicted: str | None, truth: str) -> ShingleScore:
    """Score one page: shingle multiset intersection between prediction and truth."""
    pred = shingles(tokens(predicted))
    true = shingles(tokens(truth))
    return ShingleScore(
        tp=sum((pred & true).values()), predicted=sum(pred.values()), true=sum(true.values())
    )


@dataclass(frozen=True)
class ShingleSummary:
    """Shingle figures over a set of pages."""

    pages: int
    precision: float
    recall: float
    f1: float
    empty: int
    mean_page_f1: float


def aggregate_shingles(scores: Sequence[ShingleScore]) -> ShingleSummary:
    """Macro precision (non-empty outputs), macro recall (all pages), F1 of the two means."""
    precision = mean(s.precision for s in scores if s.precision is not None)
    recall = mean(s.recall for s in scores)
    return ShingleSummary(
        pages=len(scores),
        precision=precision,
        recall=recall,
        f1=harmonic_mean(precision, recall),
        empty=sum(1 for s in scores if s.empty),
        mean_page_f1=mean(s.f1 for s in scores),
    )


# --------------------------------------------------------------------------- snippets


def normalize_whitespace(text: str | None) -> str:
    """Collapse runs of whitespace (including no-break spaces) to one space and strip."""
    return " ".join((text or "").split())


@dataclass(frozen=True)
class SnippetCounts:
    """Snippet outcomes: ``with`` found (tp) or missing (fn), ``without`` found (fp) or not."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    def __add__(self, other: SnippetCounts) -> SnippetCounts:
        return SnippetCounts(
            self.tp + other.tp, self.fn + other.fn, self.fp + other.fp, self.tn + other.tn
        )

    @property
    def precision(self) -> float:
        """``tp / (tp + fp)``, 0 when nothing was found."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """``tp / (tp + fn)``, 0 when there is no ``with`` snippet."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        return harmonic_mean(self.precision, self.recall)


def snippet_counts(
    predicted: str | None, with_: Sequence[str], without: Sequence[str]
) -> SnippetCounts:
    """Look up each snippet, whitespace-normalised, as a substring of the normalised output."""
    text = normalize_whitespace(predicted)
    found_with = sum(1 for s in with_ if normalize_whitespace(s) in text) if text else 0
    found_without = sum(1 for s in without if normalize_whitespace(s) in text) if text else 0
    return SnippetCounts(
        tp=found_with,
        fn=len(with_) - found_with,
        fp=found_without,
        tn=len(without) - found_without,
    )


def total_snippets(counts: Iterable[SnippetCounts]) -> SnippetCounts:
    """Sum snippet outcomes over a set of pages."""
    return sum(counts, SnippetCounts())


# --------------------------------------------------------------------------- metadata


def normalize_title(text: str | None) -> str:
    """NFKC, whitespace collapsed, case-folded: the form in which titles are compared."""
    return normalize_whitespace(unicodedata.normalize("NFKC", text or "")).casefold()


def title_match(predicted: str | None, expected: str) -> bool:
    """Title (or site name) equality after NFKC, whitespace collapsing and case folding."""
    pred = normalize_title(predicted)
    return bool(pred) and pred == normalize_title(expected)


def _words(text: str | None) -> list[str]:
    r"""Return case-folded ``\w+`` tokens after NFKC normalization."""
    return tokens(unicodedata.normalize("NFKC", text or "").casefold())


def name_f1(predicted: str | None, expected: str | None) -> float:
    """F1 between the case-folded word multisets of two names (0 if either is empty)."""
    pred, true = Counter(_words(predicted)), Counter(_words(expected))
    common = sum((pred & true).values())
    if not common:
        return 0.0
    return harmonic_mean(common / sum(pred.values()), common / sum(true.values()))


def author_match(predicted: str | None, expected: str) -> bool:
    """Author vs. the truth's name: a match when their word F1 reaches 0.5."""
    return name_f1(predicted, expected) >= AUTHOR_THRESHOLD


def calendar_day(value: str | None) -> date | None:
    """Return the calendar day at the start of an ISO-8601-like date string, as written.

    Accepts ``YYYY-MM-DD`` followed by anything (``T12:00Z``, an offset...), ``YYYY/MM/DD``
    and ``YYYYMMDD``. No time-zone conversion: the day is the one written in the string.
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
    """Published date vs. the truth: the same calendar day."""
    day = calendar_day(predicted)
    return day is not None and day == calendar_day(expected)


def primary_language(tag: str | None) -> str:
    """Primary subtag of a BCP 47 language tag, lowercase (``en-US`` gives ``en``)."""
    return _SUBTAG_SEP_RE.split((tag or "").strip(), maxsplit=1)[0].lower()


def language_match(predicted: str | None, expected: str) -> bool:
    """Language vs. lang: equal primary subtags."""
    lang = primary_language(predicted)
    return bool(lang) and lang == primary_language(expected)


Matcher = Callable[[str | None, str], bool]

# Metadata field -> how a prediction is compared with the truth.
MATCHERS: Mapping[str, Matcher] = {
    "title": title_match,
    "author": author_match,
    "date": date_match,
    "language": language_match,
    "sitename": title_match,
}


def metadata_matches(
    predicted: Mapping[str, str | None], truth: Mapping[str, str | None]
) -> dict[str, bool]:
    """Score each field the truth has a (non-blank) value for; other fields are left out."""
    return {
        name: MATCHERS[name](predicted.get(name), expected)
        for name, expected in truth.items()
        if expected and expected.strip()
    }


@dataclass(frozen=True)
class Rate:
    """Share of matching pages among the pages where a field can be scored."""

    matched: int
    scored: int

    @property
    def rate(self) -> float | None:
        """``matched / scored``, or None when no page could be scored."""
        return self.matched / self.scored if self.scored else None


def field_rate(matches: Iterable[Mapping[str, bool]], name: str) -> Rate:
    """Aggregate one metadata field over pages, skipping pages where it is not scored."""
    scored = [m[name] for m in matches if name in m]
    return Rate(matched=sum(scored), scored=len(scored))
