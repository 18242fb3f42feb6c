"""WARC files (ISO 28500) in and out, with warcio, the web-archiving community's library (the
only module that imports it).

Out: for every capture of an article (table `captures`), a `response` record with the status
line and headers as fetched and the body as stored, a `request` record and a `metadata`
record naming the article key; a re-check that found the same page is a `revisit` record
(identical-payload-digest, or server-not-modified for a 304) pointing at the response it
repeats. Records are written one at a time, so memory does not grow with the archive.

In: `read_warc` yields the HTML responses (and revisits) of any WARC file, ours or wget's,
Browsertrix's or Common Crawl's, one at a time, each as a `Page`; what cannot be used is a
`WarcProblem`, and a damaged file ends with one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from sqlite_utils import Database
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver import __version__
from archiver.archive.queries import Filters
from archiver.charsets import charset_from_content_type, codec_name, decode_html
from archiver.errors import StoreError
from archiver.models import FeedHints, FetchRecord, Page, iso_utc, parse_datetime
from archiver.urls import normalize_url

HTML_TYPES = ("text/html", "application/xhtml+xml")
# The body is stored decoded: headers that described the transfer are kept under another name.
TRANSFER_HEADERS = ("content-encoding", "transfer-encoding", "content-length")
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.0/revisit/server-not-modified"
META_FIELDS = ("title", "author", "published", "description")


@dataclass(frozen=True)
class WarcExport:
    """What `write_warc` wrote: captures as responses and as revisits, of how many articles."""

    articles: int = 0
    responses: int = 0
    revisits: int = 0


@dataclass(frozen=True)
class WarcCapture:
    """One usable record of a WARC file: a response (`page` set) or a revisit (`page` None),
    with what our metadata record said of it (article key, source, stored fields)."""

    url: str
    record: FetchRecord
    page: Page | None = None
    source: str | None = None
    hints: FeedHints | None = None
    charset_note: str | None = None
    run: str | None = None  # our run id: an import learns site templates anew per run


@dataclass(frozen=True)
class WarcProblem:
    """A record (or a whole file's rest) that cannot be archived, and why."""

    url: str
    reason: str  # warc_not_html | warc_status | warc_too_large | warc_corrupt
    message: str
    fetched_at: datetime | None = None


def write_run_warc(db: Database, run_id: int, folder: Path, started: datetime) -> Path:
    """The captures of run `run_id` as `folder/archiver-RUN-DATE.warc.gz` (written under a
    temporary name, then renamed: a reader never sees half a file)."""
    path = folder / f"archiver-{run_id:06d}-{started.astimezone(UTC):%Y%m%dT%H%M%SZ}.warc.gz"
    partial = path.with_name(path.name + ".part")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as out:
            write_warc(db, out, run_id=run_id)
        partial.replace(path)
    except OSError as exc:
        raise StoreError(f"cannot write the run's WARC file {path}: {exc}") from exc
    return path


def write_warc(
    db: Database, out: BinaryIO, filters: Filters | None = None, *, run_id: int | None = None
) -> WarcExport:
    """Write every capture of the (filtered) articles (of run `run_id` only, if given) to
    `out` as gzipped WARC records, oldest first; returns the counts."""
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    writer.write_record(
        writer.create_warcinfo_record(
            getattr(out, "name", "archive.warc.gz"),
            {"software": f"archiver {__version__}", "format": "WARC File Format 1.1"},
        )
    )
    where, params = (filters or Filters()).where()
    if run_id is not None:
        where, params = f"{where} AND c.run_id = ?", [*params, run_id]
    sql = (
        "SELECT c.*, coalesce(r.title, a.title) AS title, coalesce(r.author, a.author) AS "
        "author, coalesce(r.published, a.published) AS published, CASE WHEN r.id IS NULL "
        "THEN a.description END AS description FROM captures c "
        "JOIN articles a ON a.url = c.article_url LEFT JOIN revisions r ON "
        "r.article_url = c.article_url AND r.valid_from = c.fetched_at "
        f"WHERE {where} ORDER BY c.fetched_at, c.id"
    )
    counts = {"responses": 0, "revisits": 0}
    articles: set[str] = set()  # a set of keys: ~100 bytes an article, for the count only
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    for values in cursor:
        capture = dict(zip(names, values, strict=True))
        articles.add(capture["article_url"])
        kind = _write_capture(db, writer, capture)
        counts[kind] += 1
    return WarcExport(articles=len(articles), **counts)


def _write_capture(db: Database, writer: WARCWriter, capture: dict[str, Any]) -> str:
    """The records of one capture; returns "responses" or "revisits"."""
    date = _warc_date(capture["fetched_at"])
    earlier = _earlier_response(db, capture)
    if capture["raw_sha256"] is None or (earlier and earlier[2] == capture["raw_sha256"]):
        if earlier is None:  # a re-check of a version we no longer have: nothing to point at
            return "revisits"
        body = _raw_page(db, earlier[2])
        record = writer.create_revisit_record(
            capture["url"],
            _payload_digest(body),
            earlier[0],
            _warc_date(earlier[1]),
            http_headers=_http_headers(capture, None),
            warc_headers_dict={"WARC-Date": date},
        )
        if capture["status"] == 304:
            record.rec_headers.replace_header("WARC-Profile", NOT_MODIFIED_PROFILE)
        writer.write_record(record)
        _write_companions(writer, capture, record, date)
        return "revisits"
    body = _raw_page(db, capture["raw_sha256"])
    record = writer.create_warc_record(
        capture["url"],
        "response",
        payload=BytesIO(body),
        length=len(body),
        http_headers=_http_headers(capture, len(body)),
        warc_headers_dict={"WARC-Date": date},
    )
    writer.write_record(record)
    _write_companions(writer, capture, record, date)
    return "responses"


def _write_companions(
    writer: WARCWriter, capture: dict[str, Any], response: Any, date: str
) -> None:
    """The request that fetched a capture, and our metadata record (the article key)."""
    parts = urlsplit(capture["url"])
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = StatusAndHeaders(
        f"GET {target} HTTP/1.1",
        [("Host", parts.netloc), ("User-Agent", f"archiver/{__version__}")],
        is_http_request=True,
    )
    concurrent = {"WARC-Date": date, "WARC-Concurrent-To": response.rec_headers["WARC-Record-ID"]}
    writer.write_record(
        writer.create_warc_record(
            capture["url"], "request", http_headers=request, warc_headers_dict=concurrent
        )
    )
    fields = [
        ("archiver-article", capture["article_url"]),
        ("archiver-outcome", capture["outcome"]),
    ]
    named = ("source", "run_id", *META_FIELDS)
    fields += [(f"archiver-{k}", capture[k]) for k in named if capture.get(k) is not None]
    text = "".join(f"{k}: {' '.join(str(v).split())}\r\n" for k, v in fields).encode()
    writer.write_record(
        writer.create_warc_record(
            capture["url"],
            "metadata",
            payload=BytesIO(text),
            length=len(text),
            warc_content_type="application/warc-fields",
            warc_headers_dict=concurrent,
        )
    )


def _earlier_response(db: Database, capture: dict[str, Any]) -> tuple[str, str, str] | None:
    """(URL, date, raw page) of the article's last capture with a body before this one."""
    row = db.execute(
        "SELECT url, fetched_at, raw_sha256 FROM captures WHERE article_url = ? "
        "AND (fetched_at < ? OR (fetched_at = ? AND id < ?)) AND raw_sha256 IS NOT NULL "
        "ORDER BY fetched_at DESC, id DESC LIMIT 1",
        [capture["article_url"], capture["fetched_at"], capture["fetched_at"], capture["id"]],
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def _raw_page(db: Database, sha256: str) -> bytes:
    row = db.execute("SELECT html_zlib FROM raw_pages WHERE sha256 = ?", [sha256]).fetchone()
    return zlib.decompress(row[0])


def _http_headers(capture: dict[str, Any], length: int | None) -> StatusAndHeaders:
    """The status line and headers as fetched; the transfer's own headers renamed (the body
    is stored decoded), and the body's length."""
    headers: list[tuple[str, str]] = []
    for name, value in json.loads(capture["headers"] or "[]"):
        if value is None:
            continue
        if name.lower() in TRANSFER_HEADERS:
            name = f"X-Archive-Orig-{name}"
        headers.append((name, value))
    if length is not None:
        headers.append(("Content-Length", str(length)))
    status = capture["status"] or 200
    reason = capture["reason_phrase"] or ("OK" if status == 200 else "")
    version = capture["http_version"] or "HTTP/1.1"
    return StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol=version)


def _payload_digest(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


def _warc_date(iso: str) -> str:
    when = parse_datetime(iso) or datetime.now(UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def already_archived(db: Database, url: str, when: datetime) -> bool:
    """Whether the article `url` leads to was checked at or after `when`: a capture that old
    is already in the archive, or older than what it holds (an import skips it)."""
    row = db.execute(
        "SELECT 1 FROM article_urls u JOIN articles a ON a.url = u.article_url "
        "WHERE u.url = ? AND a.last_checked >= ?",
        [normalize_url(url), iso_utc(when)],
    ).fetchone()
    return row is not None


def read_warc(path: Path, *, max_bytes: int) -> Iterator[WarcCapture | WarcProblem]:
    """The HTML responses and the revisits of a WARC file (gzipped or not), in file order;
    a record that cannot be used, or a damaged rest of the file, is a `WarcProblem`."""
    pending: WarcCapture | None = None
    pending_id = None
    url = str(path)
    try:
        with path.open("rb") as stream:
            for item in ArchiveIterator(stream, check_digests=False):
                url = item.rec_headers.get_header("WARC-Target-URI") or url
                concurrent = item.rec_headers.get_header("WARC-Concurrent-To")
                if item.rec_type == "metadata" and pending and concurrent == pending_id:
                    pending = _with_metadata(pending, item.content_stream().read(65_536))
                    continue
                if item.rec_type == "request" and concurrent == pending_id:
                    continue
                if pending is not None:
                    yield pending
                    pending, pending_id = None, None
                if item.rec_type in ("response", "revisit"):
                    found = _capture(item, max_bytes)
                    if isinstance(found, WarcProblem):
                        yield found
                    else:
                        pending = found
                        pending_id = item.rec_headers.get_header("WARC-Record-ID")
    except (ArchiveLoadFailed, zlib.error, EOFError, ValueError, OSError) as exc:
        if pending is not None:
            yield pending
            pending = None
        yield WarcProblem(url, "warc_corrupt", f"{path}: damaged WARC, rest skipped: {exc}")
    if pending is not None:
        yield pending


def _capture(item: Any, max_bytes: int) -> WarcCapture | WarcProblem:
    """A response or revisit record as a capture, or why it is not one."""
    url = item.rec_headers.get_header("WARC-Target-URI") or ""
    when = parse_datetime(item.rec_headers.get_header("WARC-Date")) or datetime.now(UTC)
    http = item.http_headers
    if http is None:
        return WarcProblem(url, "warc_not_html", f"{url}: not an HTTP response", when)
    status = int(http.get_statuscode() or 0)
    ctype = http.get_header("Content-Type")
    mime = (ctype or "").split(";")[0].strip().lower()
    record = FetchRecord(
        url=url,
        fetched_at=when,
        final_url=url,
        status=status,
        content_type=ctype,
        etag=http.get_header("ETag"),
        last_modified=http.get_header("Last-Modified"),
        http_version=http.protocol or None,
        reason_phrase=http.statusline.partition(" ")[2] or None,
        headers=tuple((str(k), str(v)) for k, v in http.headers),
    )
    if item.rec_type == "revisit":
        return WarcCapture(url, record)
    if status != 200:
        return WarcProblem(url, "warc_status", f"{url}: HTTP {status}, not a page", when)
    if mime not in HTML_TYPES:
        return WarcProblem(url, "warc_not_html", f"{url}: not HTML ({mime or 'no type'})", when)
    raw = item.content_stream().read(max_bytes + 1)
    if len(raw) > max_bytes:
        return WarcProblem(url, "warc_too_large", f"{url}: more than {max_bytes} bytes", when)
    if item.raw_stream.limit > 0:  # warcio reads a cut record short, without a word
        raise ValueError(f"the record of {url} is cut short")
    declared = charset_from_content_type(ctype)
    html, encoding = decode_html(raw, declared)
    note = _charset_note(url, declared, encoding)
    page = Page(url, url, html, raw, encoding, replace(record, bytes=len(raw)))
    return WarcCapture(url, page.record, page, charset_note=note)


def _charset_note(url: str, declared: str | None, used: str) -> str | None:
    """A line when the declared charset is unknown or wrong (the body was decoded anyway)."""
    if not declared:
        return None
    codec = codec_name(declared)
    if codec is None:
        return f"{url}: unknown charset {declared!r}, decoded as {used}"
    if codec != used:
        return f"{url}: the body is not {declared!r} as declared, decoded as {used}"
    return None


def _with_metadata(capture: WarcCapture, text: bytes) -> WarcCapture:
    """What our metadata record says: the source and the stored fields of that version."""
    fields: dict[str, str] = {}
    for line in text.decode("utf-8", errors="replace").splitlines():
        name, _, value = line.partition(":")
        if name.startswith("archiver-"):
            fields[name.removeprefix("archiver-")] = value.strip()
    hints = FeedHints(
        title=fields.get("title"),
        author=fields.get("author"),
        published=fields.get("published"),
        summary=fields.get("description"),
    )
    return WarcCapture(
        capture.url,
        capture.record,
        capture.page,
        fields.get("source"),
        hints,
        capture.charset_note,
        fields.get("run_id"),
    )
