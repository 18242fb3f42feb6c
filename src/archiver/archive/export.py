"""Write archived articles out: JSON Lines and CSV to a stream, Markdown (with front matter)
and plain text as one file per article. Rows come one at a time, so memory stays flat."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

FRONT_MATTER = (
    "title",
    "url",
    "author",
    "published",
    "sitename",
    "language",
    "source",
    "canonical_url",
    "tags",
    "first_seen",
    "last_changed",
)


def write(
    rows: Iterable[dict[str, Any]], fmt: str, output: Path | None, columns: Iterable[str]
) -> int:
    """Write `rows` as `fmt` (jsonl, csv: to `output` or stdout; markdown, text: one file
    each into the folder `output`); return how many were written."""
    if fmt in ("markdown", "text"):
        if output is None:
            raise ValueError(f"{fmt} export needs a folder")
        return write_files(rows, output, markdown=fmt == "markdown")
    with output.open("w", encoding="utf-8", newline="") if output else _stdout() as out:
        if fmt == "csv":
            return write_csv(rows, out, columns)
        return write_jsonl(rows, out)


@contextmanager
def _stdout() -> Iterator[TextIO]:
    yield sys.stdout  # not closed: it is the caller's


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """One JSON object per line; returns the number of articles written."""
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO, columns: Iterable[str]) -> int:
    """CSV with a header; tags as a JSON array."""
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({**row, "tags": json.dumps(row.get("tags") or [], ensure_ascii=False)})
        count += 1
    return count


def write_files(rows: Iterable[dict[str, Any]], folder: Path, *, markdown: bool) -> int:
    """One file per article in `folder`: Markdown with YAML front matter, or plain text.
    File names are stable (date, title, a hash of the URL), so a re-export overwrites."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for row in rows:
        path = folder / (file_stem(row) + (".md" if markdown else ".txt"))
        path.write_text(_markdown(row) if markdown else _plain(row), encoding="utf-8")
        count += 1
    return count


def file_stem(row: dict[str, Any]) -> str:
    """`2024-03-28-l-etrange-symbiose-1a2b3c4d`: date, title slug, URL hash (a title of
    no letters or digits in any script gives `untitled`)."""
    date = (row.get("published") or row.get("first_seen") or "undated")[:10]
    digest = hashlib.sha256(str(row["url"]).encode()).hexdigest()[:8]
    return f"{date}-{slug(row.get('title') or 'untitled')}-{digest}"


def slug(text: str, length: int = 60) -> str:
    """Lower case words joined by hyphens: Latin letters without their accents
    (`l-etrange`), other scripts as they are (`путин-и-пресса`, `東京の夏`)."""
    words = re.findall(r"[^\W_]+", _unaccented(text).lower())
    return "-".join(words)[:length].strip("-") or "untitled"


def _unaccented(text: str) -> str:
    """`text` with the accents of ASCII letters dropped (é -> e); a mark on any other
    letter is kept (й stays й), since dropping it would make another letter."""
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def _markdown(row: dict[str, Any]) -> str:
    # JSON strings are valid YAML scalars: quoting and escaping come for free.
    front = "\n".join(f"{k}: {json.dumps(row.get(k), ensure_ascii=False)}" for k in FRONT_MATTER)
    return f"---\n{front}\n---\n\n# {row.get('title') or ''}\n\n{row['text']}\n"


def _plain(row: dict[str, Any]) -> str:
    lines = [row.get("title") or "", row["url"]]
    byline = " · ".join(str(row[k]) for k in ("author", "published", "sitename") if row.get(k))
    if byline:
        lines.append(byline)
    return "\n".join(lines) + "\n\n" + str(row["text"]) + "\n"
