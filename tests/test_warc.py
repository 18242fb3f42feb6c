"""WARC out (`archiver export --format warc`) and in (`archiver import`): every capture with
its headers, revisits for unchanged re-checks, a round trip that gives the same articles,
texts and revisions, and bad input that is one line each."""

from __future__ import annotations

import gzip
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver import archive
from archiver.archive import Database, open_archive
from archiver.cli import cli
from archiver.config import load_config
from archiver.extraction import extract_article
from archiver.models import FetchRecord, Page
from archiver.pipeline import fetch_urls
from tests.conftest import PAGES, FixtureServer, Route, local_config

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
SITE = "https://news.example"


def invoke(*args: str) -> Result:
    """The CLI with extraction in-process (the pool is tested in test_workers, test_cluster)."""
    return CliRunner().invoke(cli, list(args), env={"ARCHIVER_CONFIG": str(CONFIG)})


CONFIG = Path(__file__).parent / "fixtures" / "in-process.toml"


def capture(
    db: Database,
    path: str,
    html: bytes,
    minutes: int,
    *,
    status: int = 200,
    headers: tuple[tuple[str, str], ...] = (),
) -> None:
    """Store one download of SITE + path at T0 + minutes, as a run would."""
    url = SITE + path
    record = FetchRecord(
        url=url,
        fetched_at=T0 + timedelta(minutes=minutes),
        final_url=url,
        status=status,
        content_type="text/html; charset=utf-8",
        bytes=len(html),
        etag='"v1"',
        http_version="HTTP/1.1",
        reason_phrase="OK" if status == 200 else "Not Modified",
        headers=headers or (("Content-Type", "text/html; charset=utf-8"), ("ETag", '"v1"')),
    )
    if status == 304:
        archive.mark_not_modified(db, url, record, source="news")
        return
    text = html.decode("utf-8")
    article = extract_article(text, url)
    archive.save_article(db, article, Page(url, url, text, html, "utf-8", record), source="news")


def letters(n: int) -> str:
    """A number spelled in letters: site templates are found blind to digits, so pages
    that differ only by numbers would all be one template."""
    return "".join("abcdefghij"[int(d)] for d in str(n))


def story(n: int, version: int = 1) -> bytes:
    """An article page of its own (n) in a given version."""
    words = " ".join(f"mot{letters(n)}x{letters(i)}" for i in range(60))
    more = f"<p>Mise à jour {version}: un paragraphe ajouté, avec des détails.</p>" * (version - 1)
    return (
        f"<html><head><title>Histoire {n}</title><meta charset='utf-8'></head><body>"
        f"<nav><a href='/'>Accueil</a></nav><article><h1>Histoire {n}</h1>"
        f"<p>Premier paragraphe de l'histoire {letters(n)}, écrit pour le test : {words}.</p>"
        f"<p>Un second paragraphe, assez long pour être gardé par l'extracteur, qui dit "
        f"encore quelque chose de l'histoire {letters(n)}.</p>{more}</article></body></html>"
    ).encode()


@pytest.fixture
def archived(tmp_path: Path) -> Path:
    """An archive: story 1 seen, re-checked (304, then 200 same bytes), changed; story 2 once."""
    path = tmp_path / "a.db"
    db = open_archive(path)
    capture(db, "/1", story(1), 0, headers=(("Content-Type", "text/html"), ("X-Test", "yes")))
    capture(db, "/2", story(2), 1)
    capture(db, "/1", b"", 10, status=304)
    capture(db, "/1", story(1), 20)
    capture(
        db,
        "/1",
        story(1, 2),
        30,
        headers=(("Content-Type", "text/html"), ("Content-Encoding", "gzip")),
    )
    db.close()
    return path


def records(path: Path) -> list[Any]:
    """(type, target URI, WARC headers, HTTP headers, payload) of each record of a WARC."""
    out = []
    with path.open("rb") as stream:
        for r in ArchiveIterator(stream):
            out.append(
                (
                    r.rec_type,
                    r.rec_headers.get_header("WARC-Target-URI"),
                    r.rec_headers,
                    r.http_headers,
                    r.content_stream().read(),
                )
            )
    return out


def export(db_path: Path, out: Path) -> Result:
    return invoke("export", "--format", "warc", "-o", str(out), "--db", str(db_path))


def test_export_writes_each_capture_with_its_headers(archived: Path, tmp_path: Path) -> None:
    """A response per version with the headers as fetched, request and metadata records
    beside it, and the re-checks as revisits pointing at the response they repeat."""
    out = tmp_path / "a.warc.gz"
    result = export(archived, out)
    assert result.exit_code == 0, result.output
    assert "2 articles: 3 responses, 2 revisits" in result.stderr
    recs = records(out)
    assert [r[0] for r in recs] == ["warcinfo"] + ["response", "request", "metadata"] * 2 + [
        "revisit",
        "request",
        "metadata",
        "revisit",
        "request",
        "metadata",
        "response",
        "request",
        "metadata",
    ]
    first = recs[1]
    assert first[1] == SITE + "/1"
    assert first[2].get_header("WARC-Date") == "2024-03-01T08:00:00Z"
    assert first[3].statusline == "200 OK" and first[3].protocol == "HTTP/1.1"
    assert first[3].get_header("X-Test") == "yes"
    assert first[4] == story(1)
    assert b"archiver-article: https://news.example/1" in recs[3][4]
    not_modified, same = recs[7], recs[10]
    assert not_modified[2].get_header("WARC-Profile").endswith("/revisit/server-not-modified")
    assert same[2].get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
    for revisit in (not_modified, same):
        assert revisit[2].get_header("WARC-Refers-To-Date") == "2024-03-01T08:00:00Z"
        assert revisit[2].get_header("WARC-Payload-Digest") == first[2].get_header(
            "WARC-Payload-Digest"
        )
    changed = recs[13]
    assert changed[3].get_header("Content-Encoding") is None  # the body is stored decoded
    assert changed[3].get_header("X-Archive-Orig-Content-Encoding") == "gzip"
    assert changed[3].get_header("Content-Length") == str(len(story(1, 2)))


def test_warcio_reads_our_files(archived: Path, tmp_path: Path) -> None:
    """`warcio check` finds every digest right; `warcio index` lists every record."""
    out = tmp_path / "a.warc.gz"
    export(archived, out)
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", str(out)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "fail" not in check.stdout
    index = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "index", str(out)], capture_output=True, text=True
    )
    assert index.returncode == 0 and len(index.stdout.splitlines()) == 16


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    db = open_archive(path)
    try:
        return [tuple(r) for r in db.execute(sql)]
    finally:
        db.close()


ARTICLES = (
    "SELECT url, title, text, content_hash, first_seen, last_changed, last_checked, source, "
    "raw_sha256 FROM articles ORDER BY url"
)
REVISIONS = (
    "SELECT article_url, title, text, content_hash, valid_from, valid_to, raw_sha256 "
    "FROM revisions ORDER BY id"
)


def test_round_trip_gives_the_same_articles_and_revisions(archived: Path, tmp_path: Path) -> None:
    """Export, then import into a fresh archive: the same articles, texts, revisions and
    check times; importing the same file again changes nothing."""
    out = tmp_path / "a.warc.gz"
    export(archived, out)
    fresh = tmp_path / "fresh.db"
    result = invoke("import", str(out), "--db", str(fresh))
    assert result.exit_code == 0, result.output
    assert "3 new" not in result.stderr and "2 new, 1 changed, 2 unchanged" in result.stderr
    assert rows(fresh, ARTICLES) == rows(archived, ARTICLES)
    assert rows(fresh, REVISIONS) == rows(archived, REVISIONS)
    again = invoke("import", str(out), "--db", str(fresh))
    assert "0 new, 0 changed, 0 unchanged, 5 skipped, 0 failed" in again.stderr
    assert rows(fresh, REVISIONS) == rows(archived, REVISIONS)
    second = tmp_path / "b.warc.gz"
    export(fresh, second)
    assert [r[0] for r in records(second)] == [r[0] for r in records(out)]


def test_a_run_keeps_the_headers_as_fetched(
    server: FixtureServer, config_file: Path, tmp_path: Path
) -> None:
    """A page downloaded by a run is exported with the status line and headers it came with."""
    server.routes["/story"] = Route(
        200,
        (PAGES / "seed-blog-fr.html").read_bytes(),
        {"Content-Type": "text/html", "X-Served-By": "fixture"},
    )
    config = load_config(config_file, required=True)
    db = open_archive(tmp_path / "run.db")
    fetch_urls([server.url("/story")], config, db)
    db.close()
    out = tmp_path / "run.warc.gz"
    export(tmp_path / "run.db", out)
    (response,) = [r for r in records(out) if r[0] == "response"]
    assert response[1] == server.url("/story")
    assert response[3].get_header("X-Served-By") == "fixture"
    assert response[3].get_header("ETag") and response[3].statusline == "200 OK"
    assert response[4] == (PAGES / "seed-blog-fr.html").read_bytes()


def foreign_warc(
    path: Path, entries: list[tuple[str, str, bytes, int]], *, gzipped: bool = True
) -> None:
    """A WARC as another crawler writes it: (URL, content type, body, status) responses,
    the body gzip-encoded on the wire as wget keeps it."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=gzipped)
        for url, ctype, body, status in entries:
            wire = gzip.compress(body)
            headers = StatusAndHeaders(
                f"{status} OK",
                [
                    ("Content-Type", ctype),
                    ("Content-Encoding", "gzip"),
                    ("Content-Length", str(len(wire))),
                ],
                protocol="HTTP/1.1",
            )
            writer.write_record(
                writer.create_warc_record(
                    url, "response", payload=BytesIO(wire), length=len(wire), http_headers=headers
                )
            )


def test_import_reads_other_crawlers_warcs_and_reports_bad_records(tmp_path: Path) -> None:
    """A page of another crawler's WARC is archived; a non-HTML record, an error page and a
    bad charset are one line each, and the import goes on."""
    warc = tmp_path / "crawl.warc.gz"
    foreign_warc(
        warc,
        [
            ("https://other.example/logo.png", "image/png", b"\x89PNG....", 200),
            ("https://other.example/gone", "text/html", b"<p>gone</p>", 404),
            ("https://other.example/a", "text/html; charset=x-bogus", story(7), 200),
            ("https://other.example/b", "text/html", story(8), 200),
        ],
    )
    db_path = tmp_path / "i.db"
    result = invoke("import", str(warc), "--db", str(db_path))
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert "error: https://other.example/logo.png: not HTML (image/png)" in lines
    assert "error: https://other.example/gone: HTTP 404, not a page" in lines
    assert any("https://other.example/a: unknown charset 'x-bogus'" in line for line in lines)
    assert "2 new, 0 changed, 0 unchanged, 2 skipped, 0 failed" in result.stderr
    texts = rows(db_path, "SELECT url, text FROM articles ORDER BY url")
    assert [u for u, _ in texts] == ["https://other.example/a", "https://other.example/b"]
    assert "écrit pour le test" in texts[0][1]
    logged = rows(db_path, "SELECT reason, outcome FROM fetches WHERE outcome != 'new' ORDER BY id")
    assert logged == [("warc_not_html", "skipped"), ("warc_status", "skipped")]


def test_a_damaged_warc_keeps_what_was_read_and_goes_on(tmp_path: Path) -> None:
    """A truncated file: its first pages are kept, one line says what broke, the next file
    is imported; the exit code says something failed."""
    whole = tmp_path / "whole.warc.gz"
    foreign_warc(
        whole, [(f"https://other.example/{n}", "text/html", story(n), 200) for n in (1, 2, 3)]
    )
    data = whole.read_bytes()
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(data[: len(data) - 200])
    good = tmp_path / "good.warc"
    foreign_warc(good, [("https://other.example/9", "text/html", story(9), 200)], gzipped=False)
    db_path = tmp_path / "i.db"
    result = invoke("import", str(broken), str(good), "--db", str(db_path))
    assert result.exit_code == 1
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert "broken.warc.gz: damaged WARC, rest skipped" in line
    urls = [u for (u,) in rows(db_path, "SELECT url FROM articles ORDER BY url")]
    assert urls == ["https://other.example/1", "https://other.example/2", "https://other.example/9"]


def test_a_good_file_has_no_error_line(tmp_path: Path) -> None:
    """A clean WARC: no line but the summary, exit code 0."""
    warc = tmp_path / "ok.warc.gz"
    foreign_warc(warc, [("https://other.example/1", "text/html", story(1), 200)])
    result = invoke("import", str(warc), "--db", str(tmp_path / "i.db"))
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "archiver: 1 WARC files: 1 new, 0 changed, 0 unchanged, 0 skipped, 0 failed"
    ]


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_a_missing_file_or_a_directory_is_a_usage_error(tmp_path: Path, kind: str) -> None:
    """`archiver import` of nothing readable stops before opening anything: exit 2."""
    target = tmp_path / "nothing.warc.gz"
    if kind == "directory":
        target.mkdir()
    result = invoke("import", str(target), "--db", str(tmp_path / "i.db"))
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("a directory" if kind == "directory" else "no such file")
    assert not (tmp_path / "i.db").exists()


def test_export_warc_needs_a_file(archived: Path) -> None:
    """--format warc without --output is a usage error (a WARC is not for a terminal)."""
    result = invoke("export", "--format", "warc", "--db", str(archived))
    assert result.exit_code == 2 and "--output" in result.stderr


def test_older_captures_get_what_the_fetch_log_knows(tmp_path: Path) -> None:
    """An archive made before captures were kept: the migration rebuilds them from the fetch
    log, so its versions are exported too (status and validators, no other header)."""
    from archiver.archive import schema

    path = tmp_path / "old.db"
    db = open_archive(path)
    capture(db, "/1", story(1), 0)
    capture(db, "/1", story(1, 2), 5)
    db.execute("DROP TABLE captures")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm006_capture_headers'")
    db.close()
    schema.open_archive(path).close()
    out = tmp_path / "old.warc.gz"
    assert export(path, out).exit_code == 0
    responses = [r for r in records(out) if r[0] == "response"]
    assert [r[4] for r in responses] == [story(1), story(1, 2)]
    assert responses[0][3].get_header("ETag") == '"v1"'
    assert responses[0][3].get_header("X-Test") is None


def test_warc_dir_gets_a_file_per_run(server: FixtureServer, tmp_path: Path) -> None:
    """`[archive] warc_dir`: each run writes its own captures as a WARC file there, the
    first run the response, the next one (a 304) a revisit."""
    server.routes["/story"] = Route(200, story(3), {"Content-Type": "text/html"})
    config = local_config(
        tmp_path,
        f'[[sources]]\nname = "watch"\nurls = ["{server.url("/story")}"]\n',
        archive='path = "a.db"\nwarc_dir = "warcs"',
    )
    for _ in range(2):
        result = CliRunner().invoke(cli, ["run", "--config", str(config)])
        assert result.exit_code == 0, result.output
    first, second = sorted((tmp_path / "warcs").iterdir())
    assert first.name.startswith("archiver-000001-") and first.name.endswith(".warc.gz")
    assert [r[0] for r in records(first) if r[0] in ("response", "revisit")] == ["response"]
    assert [r[0] for r in records(second) if r[0] in ("response", "revisit")] == ["revisit"]


def test_without_warc_dir_a_run_writes_no_warc(server: FixtureServer, tmp_path: Path) -> None:
    """No `warc_dir`, no WARC file anywhere."""
    server.routes["/story"] = Route(200, story(3), {"Content-Type": "text/html"})
    config = local_config(
        tmp_path,
        f'[[sources]]\nname = "watch"\nurls = ["{server.url("/story")}"]\n',
        archive='path = "a.db"',
    )
    assert CliRunner().invoke(cli, ["run", "--config", str(config)]).exit_code == 0
    assert not list(tmp_path.rglob("*.warc*"))
