"""Remove page furniture before extraction, by structure and attributes that hold across sites.

What goes: elements that are never article text (scripts, forms, navigation, dialogs), hidden
elements, and blocks whose class or id names a kind of furniture (comments, share bars, cookie
and newsletter boxes, related links, modals, "scroll to top"...). A guard keeps any element that
holds most of the page's text, so a WordPress `<article class="... tag-social-media">` or an
ASP.NET page wrapped in one `<form>` is never thrown away whole.
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
)
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
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
MOSTLY = 0.4  # never drop an element holding this share of the page's text
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SPLIT = re.compile(r"[-_\s]+")


def is_furniture_name(value: str, words: frozenset[str] = FURNITURE_WORDS) -> bool:
    """True when a class or id value names a kind of furniture (`share-bar`, `cookieBanner`)."""
    for name in value.split():
        lowered = _CAMEL.sub("-", name).lower()
        if lowered.startswith(TAXONOMY_PREFIXES):
            continue
        if words is FURNITURE_WORDS and any(phrase in lowered for phrase in FURNITURE_PHRASES):
            return True
        parts = [p for p in _SPLIT.split(lowered) if p]
        if any(p in words for p in parts) or "".join(parts) in words:
            return True
    return False


def clean_tree(tree: LexborHTMLParser, *, thorough: bool = True) -> int:
    """Remove furniture from `tree` in place; return how many elements were removed.

    With `thorough=False` only what is surely furniture goes (dialogs, consent and cookie
    boxes, never-text elements): the cautious pass for a second opinion."""
    tree.strip_tags(NEVER_TEXT)
    body = tree.body
    if body is None:
        return 0
    total = max(len(body.text(deep=True, strip=True)), 1)
    marked: list[LexborNode] = []
    marked_ids: set[int] = set()
    for node in body.css(f"{STRUCTURAL}, [class], [id], [style]"):
        if node.tag in ("body", "main", "article") or _inside(node, marked_ids):
            continue
        if _is_sure_furniture(node) or (
            thorough
            and _is_furniture(node)
            and len(node.text(deep=True, strip=True)) < MOSTLY * total
        ):
            marked.append(node)
            marked_ids.add(node.mem_id)
    # Decompose only after the walk: a removed node's descendants must not be touched again.
    for node in marked:
        node.decompose()
    return len(marked)


def _is_furniture(node: LexborNode) -> bool:
    attrs = node.attributes
    if node.tag in ("label", "nav", "aside", "form", "footer") or "hidden" in attrs:
        return True
    if attrs.get("aria-hidden") == "true" or attrs.get("aria-modal") == "true":
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
    if HIDDEN_STYLE.search(attrs.get("style") or ""):
        return True
    return is_furniture_name(f"{attrs.get('class') or ''} {attrs.get('id') or ''}")


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
