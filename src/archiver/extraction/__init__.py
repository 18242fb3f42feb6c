"""Extraction: HTML to article, the only package that parses HTML (selectolax, trafilatura,
pycld2 inside).

    extract   extract_article: decode, clean up, body (a second opinion when needed), metadata
    gate      the article gate: measures of the extracted text and why it is no article
    clean     page furniture found by structure and names (modals, share bars, comments...)
    blocks    the extractors' output as text blocks (paragraphs, headings, list items)
    metadata  title, author, date, site, language, canonical URL... from the page's markup
    language  language detection for pages that do not declare theirs
    links     the links of a listing page that a CSS selector picks

Its names are loaded when first used (PEP 562): `select_links` needs selectolax alone, and
the run's main process, which only downloads and writes, never loads trafilatura, justext,
htmldate or pycld2 (they live in the workers, which load and warm them once).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archiver.extraction.extract import DEFAULT_MIN_WORDS, extract_article
    from archiver.extraction.links import select_links

__all__ = ["DEFAULT_MIN_WORDS", "extract_article", "select_links"]

_MODULES = {"DEFAULT_MIN_WORDS": "extract", "extract_article": "extract", "select_links": "links"}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
