"""The archive as a dataset: search filters and formats, history, export, stats, Datasette."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from archiver.archive import datasette, queries
from archiver.archive.schema import open_archive
from archiver.cli import cli
from tests.conftest import PAGES, FixtureServer, Route, expected

HTML = {"Content-Type": "text/html"}
PAGES_SERVED = {
    "/fr": "seed-blog-fr",
    "/en": "news-cookie-en",
    "/blog": "blog-comments-en",
    "/de": "german-news-de",
    "/story": "changed-v1",
}


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def archive(server: FixtureServer, tmp_path: Path) -> tuple[Path, FixtureServer]:
    """An archive built by the real pipeline: five articles, one of them edited once, and a
    run with a failure."""
    for path, name in PAGES_SERVED.items():
        server.routes[path] = Route(200, (PAGES / f"{name}.html").read_bytes(), HTML)
    config = tmp_path / "config.toml"
    urls = ", ".join(f'"{server.url(p)}"' for p in [*PAGES_SERVED, "/gone"])
    config.write_text(
        f"[fetch]\nper_host_delay = 0\nallow_private_addresses = true\n[extract]\nworkers = 0\n"
        f'[[sources]]\nname = "watched"\nurls = [{urls}]\n',
        encoding="utf-8",
    )
    assert invoke("run", "--config", config).exit_code == 1  # /gone is a 404
    server.routes["/story"] = Route(200, (PAGES / "changed-v2.html").read_bytes(), HTML)
    invoke("run", "--config", config)
    return tmp_path / "archive.db", server


def search(db: Path, *args: str) -> list[dict[str, Any]]:
    result = invoke("search", *args, "--db", db, "--json")
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout or "[]")


def test_search_syntax(archive: tuple[Path, FixtureServer]) -> None:
    """Phrases, prefixes, boolean operators and column filters, ranked with snippets."""
    db, _ = archive
    assert len(search(db, "symbiose")) == 1
    assert len(search(db, '"intelligence artificielle"')) == 1
    assert len(search(db, "symbio*")) == 1
    assert len(search(db, "symbiose OR Bibliothek OR library")) >= 2
    assert search(db, "symbiose NOT Anthropic") == []
    assert len(search(db, "title:symbiose")) == 1
    assert "[symbiose]" in search(db, "symbiose")[0]["snippet"].lower()


def test_search_filters(archive: tuple[Path, FixtureServer]) -> None:
    """--language, --site, --author, --source, --since and --until narrow the results."""
    db, _ = archive
    everything = "the OR der OR la OR le OR and"
    assert {r["language"] for r in search(db, everything)} == {"fr", "en", "de"}
    assert {r["language"] for r in search(db, everything, "--language", "de")} == {"de"}
    assert len(search(db, everything, "--site", "127.0.0.1")) == 5
    assert len(search(db, everything, "--site", expected("seed-blog-fr")["sitename"])) == 1
    assert [r["author"] for r in search(db, everything, "--author", "Jane Doe")] == [
        "Jane Doe; Sam Lee"
    ]
    assert len(search(db, everything, "--source", "watched")) == 5
    assert search(db, everything, "--source", "other") == []
    seed_day = expected("seed-blog-fr")["published"]
    assert [
        r["published"] for r in search(db, everything, "--since", seed_day, "--until", seed_day)
    ] == [seed_day]


def test_any_text_is_safe(archive: tuple[Path, FixtureServer]) -> None:
    """Quotes and SQL in options are values, never SQL; a bad query is one line, exit 2."""
    db, _ = archive
    assert search(db, "symbiose", "--author", "x' OR 1=1 --") == []
    assert search(db, "symbiose", "--site", "'; DROP TABLE articles; --") == []
    bad = invoke("search", "symbiose AND", "--db", db)
    assert bad.exit_code == 2 and len(bad.stderr.splitlines()) == 1
    assert invoke("search", "--since", "yesterday", "x", "--db", db).exit_code == 2
    assert len(search(db, "symbiose")) == 1  # the table is still there


def test_search_formats(archive: tuple[Path, FixtureServer]) -> None:
    """--nl prints one JSON object per line; --csv a header and rows."""
    db, _ = archive
    lines = invoke("search", "symbiose OR library", "--db", db, "--nl").stdout.splitlines()
    assert len(lines) >= 2 and all(json.loads(line)["url"] for line in lines)
    table = list(
        csv.DictReader(io.StringIO(invoke("search", "symbiose", "--db", db, "--csv").stdout))
    )
    assert [r["title"] for r in table] == [expected("seed-blog-fr")["title"]]


def test_history_and_diff(archive: tuple[Path, FixtureServer]) -> None:
    """Every version with its dates; --diff shows the changed paragraphs."""
    db, server = archive
    result = invoke("history", server.url("/story"), "--db", db, "--diff")
    assert result.exit_code == 0
    assert result.stdout.count("version ") >= 2
    assert "→ now" in result.stdout
    removed = [
        line
        for line in result.stdout.splitlines()
        if line.startswith("-") and not line.startswith("---")
    ]
    added = [
        line
        for line in result.stdout.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]
    assert removed and added
    assert any("Correction" in line for line in added)
    versions = json.loads(invoke("history", server.url("/story"), "--db", db, "--json").stdout)
    assert [v["text"] for v in versions] == [
        expected("changed-v1")["text"],
        expected("changed-v2")["text"],
    ]
    assert invoke("history", server.url("/nothing"), "--db", db).exit_code == 1


def test_export_jsonl_and_csv(archive: tuple[Path, FixtureServer], tmp_path: Path) -> None:
    """JSON Lines to stdout, CSV to a file, with the search filters."""
    db, _ = archive
    lines = invoke("export", "--db", db).stdout.splitlines()
    assert len(lines) == 5
    first = json.loads(lines[0])
    assert set(queries.EXPORT_COLUMNS) <= set(first) and isinstance(first["tags"], list)
    out = tmp_path / "fr.csv"
    assert (
        invoke("export", "--format", "csv", "--language", "fr", "-o", out, "--db", db).exit_code
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["text"] for r in rows] == [expected("seed-blog-fr")["text"]]
    assert json.loads(rows[0]["tags"]) == expected("seed-blog-fr")["tags"]


def test_export_markdown_and_text(archive: tuple[Path, FixtureServer], tmp_path: Path) -> None:
    """One file per article, Markdown with front matter or plain text; stable names."""
    db, _ = archive
    folder = tmp_path / "md"
    invoke("export", "--format", "markdown", "-o", folder, "--db", db)
    files = sorted(folder.glob("*.md"))
    assert len(files) == 5
    seed = next(f for f in files if "symbiose" in f.name)
    content = seed.read_text("utf-8")
    assert content.startswith("---\ntitle: ")
    assert f'author: "{expected("seed-blog-fr")["author"]}"' in content
    assert content.endswith(expected("seed-blog-fr")["text"] + "\n")
    invoke("export", "--format", "markdown", "-o", folder, "--db", db)
    assert sorted(folder.glob("*.md")) == files
    invoke("export", "--format", "text", "-o", tmp_path / "txt", "--db", db)
    assert len(list((tmp_path / "txt").glob("*.txt"))) == 5
    assert invoke("export", "--format", "text", "--db", db).exit_code == 2


def test_export_changed_since(archive: tuple[Path, FixtureServer]) -> None:
    """--changed-since keeps what is new or changed in the archive since then."""
    db, server = archive
    with sqlite3.connect(db) as conn:
        conn.execute(
            "update articles set last_changed = '2020-01-01T00:00:00+00:00' where url != ?",
            [server.url("/story")],
        )
    lines = invoke("export", "--changed-since", "2021-01-01", "--db", db).stdout.splitlines()
    assert [json.loads(line)["url"] for line in lines] == [server.url("/story")]


def test_export_streams(archive: tuple[Path, FixtureServer]) -> None:
    """Export rows come from a cursor one at a time, not a list."""
    db, _ = archive
    rows = queries.export_rows(open_archive(db))
    assert iter(rows) is rows
    assert next(rows)["url"]


def test_stats(archive: tuple[Path, FixtureServer]) -> None:
    """Per site, language and month; revisions; failures by reason."""
    db, _ = archive
    figures = json.loads(invoke("stats", "--db", db, "--json").stdout)
    assert figures["articles"] == 5 and figures["revisions"] == 1
    assert {r["language"]: r["articles"] for r in figures["per_language"]} == {
        "en": 3,
        "fr": 1,
        "de": 1,
    }
    assert figures["failures_by_reason"] == [{"reason": "http_404", "failures": 2}]
    text = invoke("stats", "--db", db).stdout
    assert "per site:" in text and "http_404" in text


def test_serve_without_datasette(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Datasette installed, `serve` says how to install it (exit 2)."""
    open_archive(tmp_path / "a.db").close()
    monkeypatch.setattr(datasette.importlib.util, "find_spec", lambda name: None)
    result = invoke("serve", "--db", tmp_path / "a.db")
    assert result.exit_code == 2
    assert "pip install 'archiver[datasette]'" in result.stderr


def datasette_get(db: Path, path: str) -> Any:
    from datasette.app import Datasette

    async def go() -> Any:
        ds = Datasette([str(db)], metadata=datasette.metadata_for(db))
        response = await ds.client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        return response.json()

    return asyncio.run(go())


def test_datasette_search_facets_and_queries(archive: tuple[Path, FixtureServer]) -> None:
    """Datasette finds the FTS table, facets articles, hides internals, runs canned queries."""
    db, server = archive
    found = datasette_get(db, "/archive/articles.json?_search=symbiose&_shape=objects")
    assert [r["title"] for r in found["rows"]] == [expected("seed-blog-fr")["title"]]
    faceted = datasette_get(db, "/archive/articles.json?_facet=language")
    languages = {r["value"]: r["count"] for r in faceted["facet_results"]["language"]["results"]}
    assert languages == {"en": 3, "fr": 1, "de": 1}
    tables = {t["name"]: t["hidden"] for t in datasette_get(db, "/archive.json")["tables"]}
    assert tables["raw_pages"] and tables["fetches"] and tables["templates"]
    assert not tables["articles"]
    latest = datasette_get(db, "/archive/latest_articles.json?_shape=array")
    assert len(latest) == 5
    edited = datasette_get(db, "/archive/edited_after_publication.json?_shape=array")
    assert [(r["url"], r["revisions"]) for r in edited] == [(server.url("/story"), 1)]
    failures = datasette_get(db, "/archive/failures_of_last_run.json?_shape=array")
    assert [(r["url"], r["reason"]) for r in failures] == [(server.url("/gone"), "http_404")]
    per_month = datasette_get(db, "/archive/articles_per_site_per_month.json?_shape=array")
    assert sum(r["articles"] for r in per_month) == 5


def test_a_reader_sees_the_archive_during_a_write(archive: tuple[Path, FixtureServer]) -> None:
    """WAL: a plain sqlite3 reader works while another connection holds a write transaction."""
    db, _ = archive
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("update articles set title = 'half-written'")
    reader = sqlite3.connect(db, timeout=0.1)
    titles = {t for (t,) in reader.execute("select title from articles")}
    assert "half-written" not in titles and len(titles) == 5
    writer.execute("ROLLBACK")
