"""Remove page furniture before extraction, by structure and attributes that hold across sites.

What goes: elements that are never article text (scripts, forms, navigation, dialogs), hidden
elements, and blocks whose class or id names a kind of furniture (comments, share bars, cookie
and newsletter boxes, related links, modals, "scroll to top"...). Guards: an element holding
most of the page's text stays whatever its class or role (a WordPress `<article class="...
tag-social-media">`, an ASP.NET page wrapped in one `<form>`, a story in a `modal`), unless it
asks the reader something (a consent box with toggles, several buttons in a short box); when
the elements named by furniture words would leave less than that, the most used words are the
site's layout vocabulary and stay (`elementor-widget-wrap`); the ancestors of the page's main
`<article>` stay; so do links or spans inside a sentence, whatever their names. Hidden
elements go under the same guards (the cautious pass keeps them all): hidden panels that
together hold most of the page's text are its collapsed accordion or tabs, not furniture
(measured on the dev set: +0.004 word F1 on wcxb-dev, readability unchanged), and so is any
hidden panel marked up as one by ARIA (`tabpanel`, `region`, labelled by its trigger) unless
it is mostly links (+0.001 on wcxb-dev, 15 pages up, 6 down, other sets unchanged). MathML and
figures holding text blocks are unwrapped into the text (trafilatura drops both).
"""

from __future__ import annotations

import functools
import re
from collections import Counter

from selectolax.lexbor import LexborHTMLParser, LexborNode

from archiver.text import count_words

Attributes = dict[str, str | None]  # what `LexborNode.attributes` gives: a new dict each time

NEVER_TEXT = [
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "iframe",
    "object",
    "embed",
    "canvas",
    "button",
    "input",
    "select",
    "textarea",
    "dialog",
    "figcaption",
]
STRUCTURAL = (
    "label, nav, aside, form, footer, [hidden], [aria-hidden='true'], [role='dialog'], "
    "[role='alertdialog'], [role='navigation'], [role='complementary'], [role='search'], "
    "[role='contentinfo'], [aria-modal='true']"
)
# Words that, as a part of a class or id name, mark furniture on most CMSs.
FURNITURE_WORDS = frozenset(
    """comment comments commentlist respond reply share shares sharing sharedaddy sharebar
    social socials cookie cookies consent gdpr newsletter subscribe subscription signup
    related recommended recommendations popular trending mostread sidebar widget widgets
    modal popup popover overlay lightbox totop scrolltop scrollup backtotop breadcrumb
    breadcrumbs pagination pager advert advertisement adverts ad ads adslot sponsor sponsored
    promo outbrain taboola relatedposts caption print""".split()  # noqa: SIM905
)
# Furniture so sure that it goes even when it holds most of the page's text, if it also asks the
# reader something (a consent wall can be all a page holds); a story shown in a modal stays.
ALWAYS_FURNITURE_WORDS = frozenset({"cookie", "cookies", "consent", "gdpr", "modal", "popup"})
ALWAYS_FURNITURE_ROLES = ("dialog", "alertdialog")
_SURE_CANDIDATES = ", ".join(
    ["[role='dialog']", "[role='alertdialog']", "[aria-modal='true']"]
    + [f"[{a}*='{w}' i]" for a in ("class", "id") for w in sorted(ALWAYS_FURNITURE_WORDS)]
)
# Choices put to the reader: consent toggles, or several buttons in a short box.
CHECKBOXES = "input[type='checkbox' i], input[type='radio' i]"
BUTTONS = "button, input[type='submit' i], input[type='button' i], [role='button']"
QUESTION_MAX_WORDS = 400
ASKS = "data-archiver-asks"
HIDDEN, STRUCTURE = "hidden", "structure"
# MathML: its annotations (TeX source) go, its elements are unwrapped into inline text, which
# trafilatura would otherwise drop ("vérifient , avec").
MATH_ANNOTATIONS = "annotation, annotation-xml"
MATH_TAGS = [
    "math",
    "semantics",
    "mrow",
    "mi",
    "mo",
    "mn",
    "ms",
    "mtext",
    "mspace",
    "msup",
    "msub",
    "msubsup",
    "mfrac",
    "msqrt",
    "mroot",
    "mstyle",
    "mover",
    "munder",
    "munderover",
    "mtable",
    "mtr",
    "mtd",
    "mfenced",
    "menclose",
    "mpadded",
    "mphantom",
]
# Multi-part names seen across CMSs that no single word above catches.
FURNITURE_PHRASES = (
    "to-top",
    "scroll-top",
    "back-to",
    "read-more",
    "more-from",
    "see-also",
    "lire-aussi",
    "a-lire",
    "mehr-zum",
    "lesen-sie",
    # Text only screen readers get: "Skip to content", "Share on Facebook", "Image caption".
    "sr-only",
    "screen-reader",
    "screenreader",
    "visually-hidden",
    "visuallyhidden",
    "off-screen",
    "offscreen",
    "element-invisible",
)
# A figure holding a picture or a video and no text block: its text is a caption or a credit.
MEDIA = "img, picture, video, audio"
FIGURE_TEXT_BLOCKS = "p, blockquote, table, pre, ul, ol, dl"
# WordPress and Drupal put taxonomy terms into classes: `tag-social-media` is not a share bar.
TAXONOMY_PREFIXES = (
    "tag-",
    "category-",
    "categories-",
    "format-",
    "status-",
    "type-",
    "postid-",
    "post-",
    "has-",
    "is-",
    "page-",
    "node-",
    "taxonomy-",
    "field-",
)
# A name that says an element lacks something (`no_caption`, `without-sidebar`) is not that thing.
NEGATIONS = frozenset({"no", "not", "non", "without"})
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
INLINE_TAGS = frozenset(
    {"a", "span", "em", "strong", "b", "i", "u", "abbr", "cite", "mark", "small", "sub", "sup"}
    | {"time", "code", "q", "dfn", "var", "kbd", "s"}
)
# Code is text too: a highlighter's `<span class="hljs-comment">` in a `<pre>` is the code's own
# comment, not a reader's.
TEXT_CONTAINERS = frozenset(
    {"p", "li", "blockquote", "dd", "td", "em", "strong", "b", "i", "q", "pre", "code"}
)
MOSTLY = 0.4  # never drop an element holding this share of the page's text
PANEL_LINK_SHARE = 0.5  # a collapsed panel with more link text than this is a folded menu
# Words naming small widgets (share bars, print and "to top" buttons, captions): an element so
# named that holds this many paragraphs of this many words is a container with a modifier
# class, not the widget. (Comments, related teasers and newsletters do hold paragraphs.)
_WIDGET_WORDS = """share shares sharing sharedaddy sharebar social socials print caption totop
scrolltop scrollup backtotop to-top scroll-top"""
WIDGET_REASONS = frozenset(f"name:{w}" for w in _WIDGET_WORDS.split())
PROSE_PARAGRAPHS, PROSE_WORDS = 3, 25
# The story's own element: its ancestors are never furniture, whatever their names.
ARTICLE_ELEMENTS = "article, [itemprop='articleBody'], [itemprop='articlebody']"
ARTICLE_MIN_CHARS = 500
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SPLIT = re.compile(r"[-_\s]+")


def _lowered(name: str) -> str:
    """`cookieBanner` as `cookie-banner`."""
    return _CAMEL.sub("-", name).lower()


def _parts(lowered: str) -> list[str]:
    return [p for p in _SPLIT.split(lowered) if p]


def is_furniture_name(value: str, words: frozenset[str] = FURNITURE_WORDS) -> bool:
    """True when a class or id value names a kind of furniture (`share-bar`, `cookieBanner`)."""
    return furniture_word(value, words) is not None


def furniture_word(value: str, words: frozenset[str] = FURNITURE_WORDS) -> str | None:
    """The furniture word or phrase a class or id value holds (`share` in `share-bar`), if any."""
    for name in value.split():
        word = _name_word(name, words)
        if word is not None:
            return word
    return None


# One class name at a time: names repeat across a page's elements and a site's pages far
# more than whole `class` values do (measured: 41,000 cache misses on 200 pages the other way).
@functools.lru_cache(maxsize=16384)
def _name_word(name: str, words: frozenset[str]) -> str | None:
    lowered = _lowered(name)
    if lowered.startswith(TAXONOMY_PREFIXES):
        return None
    if words is FURNITURE_WORDS:
        for phrase in FURNITURE_PHRASES:
            if phrase in lowered:
                return phrase
    parts = _parts(lowered)
    if _is_negated(parts):
        return None
    for part in parts:
        if part in words:
            return part
    joined = "".join(parts)
    return joined if joined in words else None


def clean_tree(tree: LexborHTMLParser, *, thorough: bool = True) -> int:
    """Remove furniture from `tree` in place; return how many characters of text the page
    held before (never-text elements aside), to judge what the extractor finds against.

    With `thorough=False` only what is surely furniture goes (dialogs, consent and cookie
    boxes, never-text elements): the cautious pass for a second opinion."""
    _mark_questions(tree)
    tree.strip_tags(NEVER_TEXT)
    _drop_negated_names(tree)
    body = tree.body
    chars = len(body.text(deep=True, strip=True)) if body is not None else 0
    marked = find_furniture(tree, thorough=thorough, chars=chars)
    # Decompose only after the walk: a removed node's descendants must not be touched again.
    for node in marked:
        node.decompose()
    _unwrap_text_markup(tree)
    return chars


def remove_questions(tree: LexborHTMLParser) -> None:
    """Remove only the boxes that ask the reader something (a consent wall with its toggles),
    scripts and all else left: the page as served, for plain trafilatura."""
    _mark_questions(tree)
    for node in tree.css(f"[{ASKS}]"):
        node.decompose()


def _mark_questions(tree: LexborHTMLParser) -> None:
    """Mark the dialogs, modals and consent boxes that ask the reader something (toggles, or
    several buttons in a short box), before the controls themselves are stripped."""
    body = tree.body
    if body is None:
        return
    for node in body.css(_SURE_CANDIDATES):
        if node.css_first(CHECKBOXES) is not None or (
            len(node.css(BUTTONS)) >= 2
            and len(node.text(deep=True, separator=" ").split()) < QUESTION_MAX_WORDS
        ):
            node.attrs[ASKS] = ""


def _unwrap_text_markup(tree: LexborHTMLParser) -> None:
    """Formulas become inline text and a figure holding text blocks (a pull quote, a table)
    becomes plain flow: trafilatura drops both."""
    for node in tree.css(MATH_ANNOTATIONS):
        node.decompose()
    tree.unwrap_tags(MATH_TAGS)
    for node in tree.css("figure"):
        if node.css_first(FIGURE_TEXT_BLOCKS) is not None:
            node.unwrap()


_NEGATED_CANDIDATES = ", ".join(
    f"[{attr}*='{word}' i]" for attr in ("class", "id") for word in sorted(NEGATIONS)
)


def _is_negated(parts: list[str]) -> bool:
    return bool(parts) and parts[0] in NEGATIONS


def _drop_negated_names(tree: LexborHTMLParser) -> None:
    """Remove class and id names such as `no-caption` from the tree: trafilatura drops any
    element whose class merely contains "caption" or "comment", and this one has neither."""
    for node in tree.css(_NEGATED_CANDIDATES):
        for attr in ("class", "id"):
            value = node.attributes.get(attr)
            if not value:
                continue
            names = value.split()
            kept = [n for n in names if not _is_negated(_parts(_lowered(n)))]
            if len(kept) < len(names):
                node.attrs[attr] = " ".join(kept)


def find_furniture(
    tree: LexborHTMLParser, *, thorough: bool = True, chars: int | None = None
) -> list[LexborNode]:
    """The outermost furniture elements of `tree`, in document order (nothing is removed).

    Guards: an element holding `MOSTLY` of the page's text stays whatever its name or
    visibility (unless it asks the reader something); and when the elements named by
    furniture words, or the hidden ones, would leave less than that, the most used of those
    words are the site's layout vocabulary (`elementor-widget-wrap` around every paragraph)
    and the hidden ones its collapsed panels, not furniture: their elements stay."""
    body = tree.body
    if body is None:
        return []
    total = max(len(body.text(deep=True, strip=True)) if chars is None else chars, 1)
    keep = _holders_of_article(body)
    found: list[tuple[LexborNode, str, int]] = []
    marked_ids: set[int] = set()
    for node in body.css(f"{STRUCTURAL}, figure, [class], [id], [style]"):
        if node.tag in ("body", "main", "article") or node.mem_id in keep:
            continue
        if node.mem_id in marked_ids or (marked_ids and _inside(node, marked_ids)):
            continue
        attrs = node.attributes  # a new dict at each call: read once per element
        if _in_running_text(node, attrs):
            continue
        why = _furniture_reason(node, attrs, thorough)
        if why is None or (why in WIDGET_REASONS and _holds_prose(node)):
            continue
        length = len(node.text(deep=True, strip=True))
        if why == ASKS or length < MOSTLY * total:
            found.append((node, why, length))
            marked_ids.add(node.mem_id)
    by_name: Counter[str] = Counter()
    for _, why, length in found:
        if why.startswith("name:") or why == HIDDEN:
            by_name[why] += length
    # Names that would leave less than the page's main text are its layout vocabulary; hidden
    # elements that would are its collapsed panels (an accordion of questions and answers).
    left = total - sum(length for _, _, length in found)
    layout: set[str] = set()
    for why, length in by_name.most_common():
        if left >= MOSTLY * total:
            break
        layout.add(why)
        left += length
    return [node for node, why, _ in found if why not in layout]


def _furniture_reason(node: LexborNode, attrs: Attributes, thorough: bool) -> str | None:
    """Why `node` (whose attributes are `attrs`) is furniture: hidden, asks, structure, or
    `name:<word>`; None if it is not."""
    if thorough and _is_hidden(attrs) and not _is_closed_panel(node, attrs):
        return HIDDEN
    if attrs.get("role") in ALWAYS_FURNITURE_ROLES or attrs.get("aria-modal") == "true":
        return ASKS if ASKS in attrs else STRUCTURE
    names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    word = furniture_word(names, ALWAYS_FURNITURE_WORDS)
    if word is not None:
        return ASKS if ASKS in attrs else f"name:{word}"
    if not thorough:
        return None
    if _is_structural(node, attrs):
        return STRUCTURE
    word = furniture_word(names)
    return None if word is None else f"name:{word}"


def _holders_of_article(body: LexborNode) -> set[int]:
    """The ancestors of the page's main `<article>` or articleBody: never furniture, even when
    a news site shows its story in a modal over the front page."""
    best, best_len = None, ARTICLE_MIN_CHARS - 1
    for node in body.css(ARTICLE_ELEMENTS):
        attrs = node.attributes
        if is_furniture_name(f"{attrs.get('class') or ''} {attrs.get('id') or ''}"):
            continue  # a comment is often an <article class="comment">
        length = len(node.text(deep=True, strip=True))
        if length > best_len:
            best, best_len = node, length
    held: set[int] = set()
    parent = best.parent if best is not None else None
    while parent is not None:
        held.add(parent.mem_id)
        parent = parent.parent
    return held


def _in_running_text(node: LexborNode, attrs: Attributes) -> bool:
    """A link or span inside a sentence (`<a class="popup">word</a>`) is part of the text,
    whatever it is named; only hiding removes it."""
    parent = node.parent
    return (
        node.tag in INLINE_TAGS
        and parent is not None
        and parent.tag in TEXT_CONTAINERS
        and not _is_hidden(attrs)
    )


def _is_hidden(attrs: Attributes) -> bool:
    """Hidden from every reader (until a click opens it; the cautious pass keeps it)."""
    return (
        "hidden" in attrs
        or attrs.get("aria-hidden") == "true"
        or bool(HIDDEN_STYLE.search(attrs.get("style") or ""))
    )


def _holds_prose(node: LexborNode) -> bool:
    """Whether `node` holds several paragraphs of sentences, which no share bar, print button
    or caption does (a WordPress `<div class="entry share">` around the story, PostgreSQL's
    section `SQL-FOR-UPDATE-SHARE`)."""
    found = 0
    for paragraph in node.css("p"):
        if count_words(paragraph.text(deep=True)) >= PROSE_WORDS:
            found += 1
            if found >= PROSE_PARAGRAPHS:
                return True
    return False


def _is_closed_panel(node: LexborNode, attrs: Attributes) -> bool:
    """A collapsed panel of an accordion or of tabs, by the ARIA pattern every toolkit
    follows (the panel is a `tabpanel` or a `region`, or is labelled by its trigger): its text
    is the page's, one click away. A panel that is mostly links is a folded menu."""
    if attrs.get("role") not in ("tabpanel", "region") and "aria-labelledby" not in attrs:
        return False
    text = len(node.text(deep=True, strip=True))
    links = sum(len(a.text(deep=True, strip=True)) for a in node.css("a"))
    return links <= PANEL_LINK_SHARE * text


def _is_structural(node: LexborNode, attrs: Attributes) -> bool:
    """Navigation, asides, forms, footers, landmark roles, a picture's figure."""
    if node.tag in ("label", "nav", "aside", "form", "footer"):
        return True
    if node.tag == "figure" and _is_media_figure(node):
        return True
    return attrs.get("role") in ("navigation", "complementary", "search", "contentinfo")


def _is_media_figure(node: LexborNode) -> bool:
    return node.css_first(MEDIA) is not None and node.css_first(FIGURE_TEXT_BLOCKS) is None


def _inside(node: LexborNode, marked_ids: set[int]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id in marked_ids:
            return True
        parent = parent.parent
    return False
