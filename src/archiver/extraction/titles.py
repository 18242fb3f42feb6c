"""The article's headline from the title sources a page offers, without the site's name.

A page names itself several times: `<title>` (usually "Headline | Site"), `og:title`,
`twitter:title`, the JSON-LD headline and the visible `<h1>`. The headline is what they agree
on. A part of `<title>` is cut only when it is shown to be the site's name: it equals or
contains a declared site name (`og:site_name`, the JSON-LD publisher or website), it spells
the host's name (or its initials), or the other sources give the headline without it. A
dash inside a headline ("Covid-19 - what changed") is never a reason to cut by itself; a
vertical bar is (it divides fields, prose never uses one).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import urlsplit

# The separators sites put between a headline and their name: " | ", " - ", " – ", " — ",
# " · ", " • ", " :: ", " / ". Neither a colon nor "»" is one: "Tribune : « Le climat
# attendra » – Le Monde" is a headline, its guillemets and all, and then the site.
_SEPARATOR = re.compile(r"\s+(?:[|–—·•~/]|::|-{1,2})\s+|\s*\|\s*")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
_COLON = re.compile(r"\s?:\s+")
_NOT_ALNUM = re.compile(r"[\W_]+")
# Characters that are not text: bidi and zero-width marks, the soft hyphen, and the private
# use area icon fonts draw their glyphs from ("Playbooks\uf0c1").
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ue000-\uf8ff]")
_WORD = re.compile(r"\w+")
# Host labels that say nothing of whose site it is.
_GENERIC_LABELS = frozenset(
    [
        "www",
        "www2",
        "m",
        "amp",
        "mobile",
        "en",
        "de",
        "fr",
        "es",
        "it",
        "nl",
        "pt",
        "blog",
        "blogs",
        "news",
        "shop",
        "store",
        "web",
        "home",
        "com",
        "org",
        "net",
        "edu",
        "gov",
        "co",
        "ac",
        "info",
    ]
)
MIN_LABEL_CHARS = 3
MAX_SITE_WORDS = 8
MAX_LABEL_WORDS = 3
MIN_OVERLAP = 0.2
MAX_PARTS = 12  # a "title" of more parts is a list: its spans are not compared (quadratic)


def unescape(value: str) -> str:
    """`value` with HTML entities decoded, twice when they were escaped twice (`&amp;#8216;`)."""
    for _ in range(2):
        if "&" not in value or not _ENTITY.search(value):
            break
        value = html.unescape(value)
    return value


def compressed(text: str) -> str:
    """Letters and digits only, NFKC, case-folded: how names and headlines are compared."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def host_labels(url: str | None) -> tuple[str, ...]:
    """The host's labels that can name a site (`health.harvard.edu` gives health, harvard)."""
    host = (urlsplit(url).hostname or "").lower() if url else ""
    labels = host.split(".")[:-1]  # the last label is a TLD
    return tuple(
        label for label in labels if len(label) >= MIN_LABEL_CHARS and label not in _GENERIC_LABELS
    )


def _is_front_page(url: str | None) -> bool:
    return bool(url) and urlsplit(url).path in ("", "/") and not urlsplit(url).query


def is_url(value: str) -> bool:
    """True for values such as `https://www.facebook.com/X` or `www.example.com/x`."""
    value = value.strip().lower()
    return value.startswith(("http://", "https://", "//", "www.")) or (
        "/" in value and "." in value.split("/")[0] and " " not in value
    )


def is_headline_block(text: str, title: str) -> bool:
    """Whether a block of the text is the headline `title` (typography aside), or the headline
    with the label or tagline the title was cleared of ("Thread: …", "… | Top 19 Companies")."""
    block, target = compressed(text), compressed(title)
    if not target or target not in block:
        return False
    return block == target or len(_words(text)) - len(_words(title)) <= MAX_LABEL_WORDS + 1


def headline(
    title_tag: str | None,
    others: Sequence[str],
    h1s: Sequence[str],
    site_names: Sequence[str],
    url: str | None,
) -> tuple[str | None, str | None]:
    """The headline, and the part of `<title>` found to be the site's name (or None).

    `others` are the declared titles (og:title, twitter:title, JSON-LD headline), `h1s` the
    visible first-level headings, `site_names` the names the site declares."""
    names = {compressed(n) for n in site_names if n and not is_url(n)} - {""}
    labels = host_labels(url)
    title = _visible(title_tag or "")
    others, h1s = [_visible(o) for o in others], [_visible(h) for h in h1s]
    core, site = _cut_site(title, names, labels) if title else ("", None)
    declared = [_cut_site(o, names, labels)[0] for o in others if o]
    if not _is_front_page(url):
        # Away from the front page, a declared title that is only the site's name names no
        # headline (on the front page, the site's name is what the page is about).
        declared = [d for d in declared if not _is_site(d, names, labels)]
    headings = [_cut_site(h, names, labels)[0] for h in h1s]
    headings = [h for h in headings if compressed(h) and not _is_site(h, names, labels)]
    if site:
        headings = [h for h in headings if compressed(h) != compressed(site)]
    core, site = _shown_core(title, core, site, headings, declared)
    found = _reconciled(
        _before_bar(core), [_before_bar(d) for d in declared], [_before_bar(h) for h in headings]
    )
    return (found, site) if found else (None, None)


def _shown_core(
    title: str, core: str, site: str | None, headings: list[str], declared: list[str]
) -> tuple[str, str | None]:
    """A heading or a declared title that is `<title>` without some of its outer parts shows
    those parts to be the site's name (or its section), whatever they say; the one that
    leaves out most is taken (in `<title>`'s own spelling)."""
    pieces = _pieces(title)
    parts = [p[0] for p in pieces]
    spans = [s for c in (*headings, *declared) if (s := _outer_span(parts, c)) is not None]
    if not spans:
        return _after_label(core, declared), site
    start, end = min(spans, key=lambda span: span[1] - span[0])
    shown = title[pieces[start][1] : pieces[end - 1][2]].strip()
    return shown, site or _joined_rest(parts, (start, end))


def _after_label(core: str, candidates: list[str]) -> str:
    """`core` without a label before a colon ("PostgreSQL: Documentation: 18: SELECT") when
    a declared title is what follows it ("SELECT"): a colon inside a headline ("Index Funds:
    How to Invest") stays when no other source gives the rest alone. (Headings are not asked:
    a one-word h1 naming the section would cut a headline that ends in ": section".)"""
    targets = {compressed(c) for c in candidates} - {""}
    for match in _COLON.finditer(core):
        rest = core[match.end() :].strip()
        if compressed(rest) in targets:
            return rest
    return core


def _reconciled(core: str, declared: list[str], headings: list[str]) -> str | None:
    """The visible headline wins: one that `<title>` or a declared title agrees with (in the
    plainest of their spellings), else the first, unless it is a fragment of `<title>`
    ("Index funds" on "Index Funds: How to Invest") or shares no words with it (a slogan:
    "You deserve to be happy.")."""
    agreed = {compressed(t) for t in (core, *declared) if t}
    for h1 in headings:
        if compressed(h1) in agreed:
            same = [t for t in (h1, core, *declared) if t and compressed(t) == compressed(h1)]
            return min(same, key=_non_ascii)
    if headings and core:
        first = headings[0]
        if max(_overlap(first, t) for t in (core, *declared) if t) < MIN_OVERLAP:
            return core
        inner = [t for t in (core, *declared) if t and _within(t, first)]
        if inner:
            return inner[0]
    for candidate in (*headings[:1], core, *declared):
        if candidate:
            return candidate
    return None


def _within(title: str, heading: str) -> bool:
    """Whether `heading` is `title` after a few words: a label ("Thread:", "Blog:"), a date,
    a kicker. Words after it are not taken for a label: titles are often cut short for search
    engines ("… how to set up your monitor, laptop, and k")."""
    inner, outer = compressed(title), compressed(heading)
    extra = len(_words(heading)) - len(_words(title))
    return inner != outer and outer.endswith(inner) and 0 < extra <= MAX_LABEL_WORDS


def _before_bar(text: str) -> str:
    """A vertical bar is no punctuation of prose but a divider between fields: what follows
    the first one ("Best movers in 2025 | Top 19 Companies") is a tagline, a section or the
    site, not the headline. Dashes, which prose uses, are not cut this way."""
    first = text.split("|", 1)[0].strip()
    return first if compressed(first) else text


def _visible(text: str) -> str:
    """`text` without the characters that are not text, spaces collapsed."""
    return " ".join(_INVISIBLE.sub("", text).split()) if _INVISIBLE.search(text) else text


def _non_ascii(text: str) -> int:
    """How many typographic characters a spelling uses (’ for ', “ for ")."""
    return sum(not c.isascii() for c in text)


def _overlap(a: str, b: str) -> float:
    """The share of words two titles have in common (Jaccard)."""
    words_a, words_b = set(_words(a)), set(_words(b))
    return len(words_a & words_b) / max(len(words_a | words_b), 1)


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _outer_span(parts: list[str], candidate: str) -> tuple[int, int] | None:
    """The (start, end) of `parts` whose join equals `candidate`, when some part is left out;
    only spans that touch an end of the title (the site's name is at the start or the end)."""
    target = compressed(candidate)
    if not 2 <= len(parts) <= MAX_PARTS or not target:
        return None
    for start in range(len(parts)):
        for end in range(len(parts), start, -1):
            if (start, end) == (0, len(parts)) or (start > 0 and end < len(parts)):
                continue
            if compressed("".join(parts[start:end])) == target:
                return start, end
    return None


def _joined_rest(parts: list[str], span: tuple[int, int]) -> str | None:
    rest = [p for i, p in enumerate(parts) if not span[0] <= i < span[1]]
    return " ".join(p.strip() for p in rest).strip() or None if len(rest) == 1 else None


def _cut_site(text: str, names: set[str], labels: tuple[str, ...]) -> tuple[str, str | None]:
    """`text` without its first or last parts that are the site's name."""
    pieces = list(_pieces(text))
    removed: str | None = None
    # "Headline | Site – its slogan": the site's name and what follows it go.
    named = [i for i in range(1, len(pieces) - 1) if _is_site(pieces[i][0], names, labels)]
    if named and not _is_site(pieces[0][0], names, labels):
        removed = pieces[named[0]][0]
        pieces = pieces[: named[0]]
    # The site's name ends the title or starts it, not both: "Cloudflare CDN | Content
    # Delivery Network | Cloudflare" keeps its first part, which merely contains the name.
    while len(pieces) > 1 and _is_site(pieces[-1][0], names, labels):
        removed = pieces.pop()[0]
    at_end = removed is not None
    while not at_end and len(pieces) > 1 and _is_site(pieces[0][0], names, labels):
        removed = pieces.pop(0)[0]
    if not pieces:
        return text, None
    start, end = pieces[0][1], pieces[-1][2]
    return text[start:end].strip(), removed


def _pieces(text: str) -> list[tuple[str, int, int]]:
    """The parts of `text` between separators, with their offsets."""
    pieces, start = [], 0
    for match in _SEPARATOR.finditer(text):
        pieces.append((text[start : match.start()], start, match.start()))
        start = match.end()
    pieces.append((text[start:], start, len(text)))
    return [p for p in pieces if p[0].strip()]


def _is_site(part: str, names: set[str], labels: tuple[str, ...]) -> bool:
    """Whether a title part is the site's name: a declared name, or the host's name."""
    key = compressed(part)
    if not key or len(part.split()) > MAX_SITE_WORDS:
        return False
    for name in names:
        if key == name or (len(key) >= MIN_LABEL_CHARS and key in name):
            return True
        if len(name) >= MIN_LABEL_CHARS and name in key:
            return True
    # A name the host spells by its initials: "Occupational Safety and Health Administration"
    # on osha.gov.
    initials = "".join(w[0] for w in _WORD.findall(part) if w[0].isupper()).casefold()
    if len(initials) >= MIN_LABEL_CHARS and (initials in labels or initials in names):
        return True
    # The host's name must be most of the part: "Harvard Health" on health.harvard.edu, not
    # "Mental health" on health.example.org.
    return any(
        (label in key and 2 * len(label) > len(key)) or (len(key) >= 4 and key in label)
        for label in labels
    )
