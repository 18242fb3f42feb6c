"""Extraction: HTML to article, the only package that parses HTML (selectolax, trafilatura,
py3langid inside).

    extract   extract_article: decode, clean up, body (a second opinion when needed), metadata
    gate      the article gate: measures of the extracted text and why it is no article
    clean     page furniture found by structure and names (modals, share bars, comments...)
    blocks    the extractors' output as text blocks (paragraphs, headings, list items)
    metadata  title, author, date, site, language, canonical URL... from the page's markup
    language  language detection for pages that do not declare theirs
    links     the links of a listing page that a CSS selector picks
"""

from archiver.extraction.extract import DEFAULT_MIN_WORDS, extract_article
from archiver.extraction.links import select_links

__all__ = ["DEFAULT_MIN_WORDS", "extract_article", "select_links"]
