"""Links of a listing page picked by a CSS selector (selectolax, like the rest of the
extraction package)."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from archiver.urls import absolute_url


def select_links(html: str, base_url: str, selector: str) -> list[str]:
    """The absolute URLs a CSS selector picks on a page: the element's `href` when it is a
    link, else its first link's."""
    out = []
    for node in LexborHTMLParser(html).css(selector):
        link = node if node.tag == "a" else node.css_first("a[href]")
        href = link.attributes.get("href") if link is not None else None
        url = absolute_url(href, base_url)
        if url:
            out.append(url)
    return out
