"""Decode an HTML body: byte-order mark, then HTTP charset, then `<meta charset>`, then detection.

Labels follow the WHATWG rule that `iso-8859-1` and `ascii` mean windows-1252, which is what
browsers do and what French pages labelled latin-1 actually use. Detection is charset-normalizer's.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WHATWG_ALIASES = {"latin1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252"}
_ASCII = bytes(range(128))
_REPLACEMENT = "\ufffd".encode()
BROKEN_SHARE = 10  # UTF-8 with fewer broken sequences than a tenth of its non-ASCII bytes


def charset_from_content_type(content_type: str | None) -> str | None:
    """The `charset=` parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def codec_name(label: str | None) -> str | None:
    """The codec a charset label means here (WHATWG aliases applied); None if unknown."""
    return _codec(label)


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    return _WHATWG_ALIASES.get(name, name)


def decode_html(raw: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Return the decoded text and the codec name that was used."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom) :].decode(name, errors="replace"), name
    for label in (http_charset, _meta_charset(raw)):
        codec = _codec(label)
        if codec:
            try:
                return raw.decode(codec), codec
            except UnicodeDecodeError:
                continue  # a wrong label: fall through to detection
    text = _mostly_utf8(raw)
    if text is not None:
        return text, "utf-8"
    codec = _detect(raw[:200_000])
    return raw.decode(codec, errors="replace"), codec


def _mostly_utf8(raw: bytes) -> str | None:
    """`raw` as UTF-8 when it is UTF-8 but for a few broken sequences (a byte cut in a
    template, one pasted Latin-1 character), which become U+FFFD as in a browser; None when
    a tenth or more of its non-ASCII bytes are broken (it is in another charset). Detection
    on a page of valid UTF-8 with one bad byte named it mac-latin2: all its letters garbled."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = raw.decode("utf-8", errors="replace")
    broken = text.count("\ufffd") - raw.count(_REPLACEMENT)
    non_ascii = len(raw.translate(None, _ASCII))
    return text if broken * BROKEN_SHARE < non_ascii else None


def _detect(sample: bytes) -> str:
    """The detected codec; among near-equal guesses, windows-1252 (the web's legacy default)."""
    matches = list(from_bytes(sample))
    if not matches:
        return "cp1252"
    least = min(m.chaos for m in matches)
    close = [m for m in matches if m.chaos <= least + 0.01]
    for m in close:
        if "cp1252" in m.could_be_from_charset or m.encoding == "cp1252":
            return "cp1252"
    return _codec(close[0].encoding) or "cp1252"


def _meta_charset(raw: bytes) -> str | None:
    match = _META_CHARSET.search(raw[:4096])
    return match.group(1).decode("ascii", errors="ignore") if match else None
