"""Remove page furniture before extraction, by structure and attributes that hold across sites.

What goes: elements that are never article text (scripts, forms, navigation, dialogs), hidden
elements, and blocks whose class or id names a kind of furniture (comments, share bars, cookie
and newsletter boxes, related links, modals, "scroll to top"...). Guards keep any element that
holds most of the page's text, so a WordPress `<article class="... tag-social-media">` or an
ASP.NET page wrapped in one `<form>` is never thrown away whole; the ancestors of the page's
main `<article>` (a story shown in a modal); and links or spans inside a sentence, whatever
their names. Hidden elements go whatever their size (the cautious pass keeps them).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

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
# Furniture so sure that it goes whatever its size: a consent wall can be all a page holds.
ALWAYS_FURNITURE_WORDS = frozenset({"cookie", "cookies", "consent", "gdpr", "modal", "popup"})
ALWAYS_FURNITURE_ROLES = ("dialog", "alertdialog")
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
TEXT_CONTAINERS = frozenset({"p", "li", "blockquote", "dd", "td", "em", "strong", "b", "i", "q"})
MOSTLY = 0.4  # never drop an element holding this share of the page's text
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
    for name in value.split():
        lowered = _lowered(name)
        if lowered.startswith(TAXONOMY_PREFIXES):
            continue
        if words is FURNITURE_WORDS and any(phrase in lowered for phrase in FURNITURE_PHRASES):
            return True
        parts = _parts(lowered)
        if _is_negated(parts):
            continue
        if any(p in words for p in parts) or "".join(parts) in words:
            return True
    return False


def clean_tree(tree: LexborHTMLParser, *, thorough: bool = True) -> int:
    """Remove furniture from `tree` in place; return how many elements were removed.

    With `thorough=False` only what is surely furniture goes (dialogs, consent and cookie
    boxes, never-text elements): the cautious pass for a second opinion."""
    tree.strip_tags(NEVER_TEXT)
    _drop_negated_names(tree)
    marked = find_furniture(tree, thorough=thorough)
    # Decompose only after the walk: a removed node's descendants must not be touched again.
    for node in marked:
        node.decompose()
    return len(marked)


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


def find_furniture(tree: LexborHTMLParser, *, thorough: bool = True) -> list[LexborNode]:
    """The outermost furniture elements of `tree`, in document order (nothing is removed)."""
    body = tree.body
    if body is None:
        return []
    total = max(len(body.text(deep=True, strip=True)), 1)
    keep = _holders_of_article(body)
    marked: list[LexborNode] = []
    marked_ids: set[int] = set()
    for node in body.css(f"{STRUCTURAL}, figure, [class], [id], [style]"):
        if node.tag in ("body", "main", "article") or node.mem_id in keep:
            continue
        if node.mem_id in marked_ids or _inside(node, marked_ids) or _in_running_text(node):
            continue
        if _is_sure_furniture(node) or (
            thorough
            and (
                _is_hidden(node)
                or (_is_furniture(node) and len(node.text(deep=True, strip=True)) < MOSTLY * total)
            )
        ):
            marked.append(node)
            marked_ids.add(node.mem_id)
    return marked


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


def _in_running_text(node: LexborNode) -> bool:
    """A link or span inside a sentence (`<a class="popup">word</a>`) is part of the text,
    whatever it is named; only hiding removes it."""
    parent = node.parent
    return (
        node.tag in INLINE_TAGS
        and parent is not None
        and parent.tag in TEXT_CONTAINERS
        and not _is_hidden(node)
    )


def _is_hidden(node: LexborNode) -> bool:
    """Hidden from every reader, whatever its size (the cautious pass keeps it, in case)."""
    attrs = node.attributes
    return (
        "hidden" in attrs
        or attrs.get("aria-hidden") == "true"
        or bool(HIDDEN_STYLE.search(attrs.get("style") or ""))
    )


def _is_furniture(node: LexborNode) -> bool:
    attrs = node.attributes
    if node.tag in ("label", "nav", "aside", "form", "footer"):
        return True
    if node.tag == "figure" and _is_media_figure(node):
        return True
    if attrs.get("aria-modal") == "true":
        return True
    if attrs.get("role") in (
        "dialog",
        "alertdialog",
        "navigation",
        "complementary",
        "search",
        "contentinfo",
    ):
        return True
    return is_furniture_name(f"{attrs.get('class') or ''} {attrs.get('id') or ''}")


def _is_media_figure(node: LexborNode) -> bool:
    return node.css_first(MEDIA) is not None and node.css_first(FIGURE_TEXT_BLOCKS) is None


def _is_sure_furniture(node: LexborNode) -> bool:
    attrs = node.attributes
    if attrs.get("role") in ALWAYS_FURNITURE_ROLES or attrs.get("aria-modal") == "true":
        return True
    names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    return is_furniture_name(names, ALWAYS_FURNITURE_WORDS)


def _inside(node: LexborNode, marked_ids: set[int]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id in marked_ids:
            return True
        parent = parent.parent
    return False
