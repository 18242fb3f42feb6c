"""Pure URL normalization: the key under which an article is stored.

courlan does the heavy lifting (host case, default ports, tracking parameters such as utm_*,
fbclid, gclid, parameter order); this module adds what an archive key needs on top: no
fragment, an explicit `/` path, and only http(s).
"""

from __future__ import annotations

import functools
from urllib.parse import urljoin, urlsplit, urlunsplit

from courlan import normalize_url as _courlan_normalize


def is_web_url(url: str) -> bool:
    """True for an absolute http:// or https:// URL with a host."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


@functools.lru_cache(maxsize=4096)
def normalize_url(url: str) -> str:
    """The archive key of `url`; raises ValueError when it is not an http(s) URL. Cached (a
    few thousand URLs): storing one page asks for its key several times, and courlan's
    normalization is the dearest part of a re-check answered 304."""
    url = url.strip()
    if not is_web_url(url):
        raise ValueError(f"not an http(s) URL: {url!r}")
    try:
        cleaned = _courlan_normalize(url)
    except (ValueError, AttributeError):  # courlan rejects some odd but valid URLs
        cleaned = url
    parts = urlsplit(cleaned)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def absolute_url(href: str | None, base: str | None) -> str | None:
    """`href` made absolute against `base`, or None when it is not an http(s) URL."""
    if not href:
        return None
    href = href.strip()
    joined = urljoin(base, href) if base else href
    return joined if is_web_url(joined) else None


def same_site(a: str, b: str) -> bool:
    """True when both URLs are on the same host, ignoring a leading `www.`."""

    def host(u: str) -> str:
        h = (urlsplit(u).hostname or "").lower()
        return h.removeprefix("www.")

    return host(a) == host(b)


def host_of(url: str) -> str:
    """The host a URL's site templates are learned for (`www.` ignored)."""
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")
