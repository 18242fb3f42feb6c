"""Content-Encoding decoders with bounded output: gzip, deflate and brotli, inflated at most
DECODE_STEP bytes at a time, so a compression bomb is stopped at the size cap with memory
bounded (httpx's own decoders inflate a whole network chunk at once). The only module that
imports brotli.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import brotli  # type: ignore[import-untyped]

# Only what is decoded here, a bounded step at a time (brotli>=1.2 can bound its output).
ACCEPT_ENCODING = "gzip, deflate, br"
DECODE_STEP = 64 * 1024  # the most bytes one decompression step may produce
DecodingError = (zlib.error, brotli.error)


class Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decoded bytes for `data`, in pieces of about DECODE_STEP bytes at most."""
        ...


class _ZlibDecoder:
    """gzip or deflate (zlib-wrapped, or raw as some servers send it), inflated at most
    DECODE_STEP bytes at a time: httpx's decoders inflate a whole network chunk at once."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding == "gzip"
        self._inflater: Any = zlib.decompressobj(31) if self._gzip else None
        self._head = b""

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._inflater is None:  # deflate: the first two bytes say whether zlib-wrapped
            self._head += data
            if len(self._head) < 2:
                return
            data, self._head = self._head, b""
            wrapped = data[0] & 0x0F == 8 and int.from_bytes(data[:2], "big") % 31 == 0
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        while not self._inflater.eof:  # anything after the end of the stream is ignored
            out = self._inflater.decompress(data, DECODE_STEP)
            data = self._inflater.unconsumed_tail
            if out:
                yield out
            if not data and len(out) < DECODE_STEP:
                return  # a full step may leave output waiting: then ask again


class _BrotliDecoder:
    """brotli, with its output bounded per step (`output_buffer_limit`, brotli>=1.2)."""

    def __init__(self) -> None:
        self._inflater = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._inflater.is_finished():
            return
        out: bytes = self._inflater.process(data, output_buffer_limit=DECODE_STEP)
        while out:  # more output may wait inside the decoder even when it takes input again
            yield out
            if self._inflater.is_finished():
                return
            out = self._inflater.process(b"", output_buffer_limit=DECODE_STEP)


def decoders_for(content_encoding: str) -> list[Decoder]:
    """Decoders for a Content-Encoding header, in decoding order (the last coding first)."""
    decoders: list[Decoder] = []
    for coding in reversed(content_encoding.lower().split(",")):
        coding = coding.strip()
        if coding in ("", "identity"):
            continue
        if coding in ("gzip", "x-gzip", "deflate"):
            decoders.append(_ZlibDecoder("deflate" if coding == "deflate" else "gzip"))
        elif coding == "br":
            decoders.append(_BrotliDecoder())
        else:
            raise ValueError(f"unsupported Content-Encoding {coding!r}")
    return decoders


def decode(decoders: Sequence[Decoder], data: bytes) -> Iterator[bytes]:
    """`data` through the chain of decoders, a bounded piece at a time."""
    if not decoders:
        yield data
        return
    for piece in decoders[0].feed(data):
        yield from decode(decoders[1:], piece)
