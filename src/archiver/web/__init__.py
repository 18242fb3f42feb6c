"""Fetching: the only package that talks HTTP (httpx, protego, stamina, brotli inside).

fetch             Fetcher: robots.txt, per-host pacing, retries, deadlines, size caps,
                  conditional GET ─▶ Page | NotModified | FetchError
transport         the httpx client: public addresses only, proxies, redirects
addresses         which IP addresses may be connected to, and the DNS look-up
proxies           which proxy serves which URL (config, else the environment)
content_encoding  gzip, deflate and brotli decoded in bounded steps
"""

from httpx import AsyncBaseTransport as Transport

from archiver.web.fetch import DOCUMENT_MAX_BYTES, Fetcher, fetch_one_page

__all__ = ["DOCUMENT_MAX_BYTES", "Fetcher", "Transport", "fetch_one_page"]
