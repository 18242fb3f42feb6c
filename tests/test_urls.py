"""URL normalization and character decoding: pure functions, tables of cases."""

from __future__ import annotations

import pytest

from archiver.charsets import charset_from_content_type, decode_html
from archiver.urls import absolute_url, normalize_url, same_site


@pytest.mark.parametrize(
    ("url", "key"),
    [
        (
            "HTTP://Example.COM:80/a/b?utm_source=x&id=3&fbclid=9#frag",
            "http://example.com/a/b?id=3",
        ),
        ("https://ex.org", "https://ex.org/"),
        ("https://ex.org:443/p?gclid=1", "https://ex.org/p"),
        ("https://ex.org/a/?b=2&a=1", "https://ex.org/a/?a=1&b=2"),
        ("  https://ex.org/x  ", "https://ex.org/x"),
        ("http://127.0.0.1:8123/p.html#top", "http://127.0.0.1:8123/p.html"),
    ],
)
def test_normalize_url(url: str, key: str) -> None:
    """Tracking parameters, fragments, default ports and host case go; the key is stable."""
    assert normalize_url(url) == key
    assert normalize_url(key) == key


@pytest.mark.parametrize("url", ["ftp://ex.org/", "file:///etc/passwd", "ex.org/a", "", "http://"])
def test_normalize_refuses_non_web_urls(url: str) -> None:
    """Only absolute http(s) URLs have a key."""
    with pytest.raises(ValueError):
        normalize_url(url)


def test_absolute_url_and_same_site() -> None:
    """Relative links resolve; javascript: is not a URL; www. does not make another site."""
    assert absolute_url("/a", "https://ex.org/b/c") == "https://ex.org/a"
    assert absolute_url("javascript:void(0)", "https://ex.org/") is None
    assert same_site("https://www.ex.org/a", "https://ex.org/b")
    assert not same_site("https://ex.org/a", "https://other.org/a")


@pytest.mark.parametrize(
    ("raw", "http_charset", "text", "codec"),
    [
        ("<p>été</p>".encode(), None, "<p>été</p>", "utf-8"),
        ("\ufeff<p>été</p>".encode(), "iso-8859-1", "<p>été</p>", "utf-8"),
        ("<p>été</p>".encode("cp1252"), "iso-8859-1", "<p>été</p>", "cp1252"),
        (
            '<meta charset="windows-1252"><p>été</p>'.encode("cp1252"),
            None,
            '<meta charset="windows-1252"><p>été</p>',
            "cp1252",
        ),
        ("<p>été</p>".encode(), "bogus-charset", "<p>été</p>", "utf-8"),
        (
            "<p>Привет, как дела? Всё хорошо, спасибо.</p>".encode("cp1251"),
            None,
            "<p>Привет, как дела? Всё хорошо, спасибо.</p>",
            "cp1251",
        ),
    ],
)
def test_decode_html(raw: bytes, http_charset: str | None, text: str, codec: str) -> None:
    """BOM, then HTTP charset, then <meta charset>, then detection; latin-1 means cp1252."""
    assert decode_html(raw, http_charset) == (text, codec)


POLISH = "Kolejne organizacje sprzeciwiają się atakom wymierzonym w fundację. " * 20


@pytest.mark.parametrize("label", ['<meta charset="UTF-8">', ""])
def test_utf8_with_one_broken_byte_stays_utf8(label: str) -> None:
    """A UTF-8 page with one broken byte is decoded as UTF-8 (that byte becomes U+FFFD), as a
    browser does: detection took it for mac-latin2 and garbled every letter."""
    raw = f"{label}<p>{POLISH}</p>".encode() + b"<p>caf\xe9</p>" + f"<p>{POLISH}</p>".encode()
    text, codec = decode_html(raw)
    assert codec == "utf-8"
    assert text == f"{label}<p>{POLISH}</p><p>caf\ufffd</p><p>{POLISH}</p>"


def test_latin1_labelled_utf8_is_still_detected() -> None:
    """A page whose every accented letter is broken as UTF-8 is in another charset."""
    raw = '<meta charset="utf-8"><p>Les élèves ont été reçus à Noël.</p>'.encode("cp1252")
    assert decode_html(raw)[1] != "utf-8"


def test_charset_from_content_type() -> None:
    """The charset parameter is read from a Content-Type header."""
    assert charset_from_content_type('text/html; charset="UTF-8"') == "UTF-8"
    assert charset_from_content_type("text/html") is None
