"""The archive as a dataset: search filters and formats, history, export, stats, Datasette."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

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


def run_twice(
    server: FixtureServer, tmp_path: Path, paths: list[str]
) -> tuple[Path, FixtureServer]:
    """Two runs of the real pipeline over `paths` and a 404 (`/gone`), `/story` edited
    between them: the archive they leave."""
    config = tmp_path / "config.toml"
    urls = ", ".join(f'"{server.url(p)}"' for p in [*paths, "/gone"])
    config.write_text(
        f"[fetch]\nper_host_delay = 0\nallow_private_addresses = true\n[extract]\nworkers = 0\n"
        f'[[sources]]\nname = "watched"\nurls = [{urls}]\n',
        encoding="utf-8",
    )
    assert invoke("run", "--config", config).exit_code == 1  # /gone is a 404
    server.routes["/story"] = Route(200, (PAGES / "changed-v2.html").read_bytes(), HTML)
    invoke("run", "--config", config)
    return tmp_path / "archive.db", server


@pytest.fixture
def archive(server: FixtureServer, tmp_path: Path) -> tuple[Path, FixtureServer]:
    """An archive built by the real pipeline: five articles, one of them edited once, and a
    run with a failure."""
    for path, name in PAGES_SERVED.items():
        server.routes[path] = Route(200, (PAGES / f"{name}.html").read_bytes(), HTML)
    return run_twice(server, tmp_path, [*PAGES_SERVED])


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


def article_page(title: str, lang: str, day: str, author: str, paragraphs: list[str]) -> bytes:
    """A plain news article page the extractor keeps."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:site_name" content="The Test Gazette">'
        f'<meta property="article:published_time" content="{day}T08:00:00Z">'
        f'<meta name="author" content="{author}"></head><body><article><h1>{title}</h1>'
        f"{body}</article></body></html>"
    ).encode()


FILLER = (
    "Reporters spoke with residents, officials and several experts over many weeks, and the "
    "figures they gathered were checked against public records before publication."
)
READING_PAGES = {
    "/us": article_page(
        "After covid-19, the U.S. economy",
        "en",
        "2024-03-05",
        "Ann Writer",
        [
            "The U.S. economy spent the year after covid-19 recovering slowly.",
            "Many owners called it a dumpster-fire of a year for small shops.",
            FILLER,
        ],
    ),
    "/amazon": article_page(
        "La stratégie d'Amazon cet été",
        "fr",
        "2024-04-10",
        "Jean Auteur",
        [
            "Pendant l'été, la stratégie d'Amazon a surpris les libraires indépendants.",
            "Les éditeurs ont répondu par des accords nouveaux avec les librairies du pays, "
            "et les lecteurs ont suivi ce débat avec une attention remarquable.",
            FILLER,
        ],
    ),
    "/control": article_page(
        "A quiet week by the river",
        "en",
        "2024-04-22",
        "Ann Writer",
        [
            "We visited the Amazon river. The fire brigade emptied a dumpster.",
            "Covid vaccines reached 19 countries. Tell us what you think of it.",
            FILLER,
        ],
    ),
}


@pytest.fixture
def reading_archive(server: FixtureServer, tmp_path: Path) -> tuple[Path, FixtureServer]:
    """An archive built by the real pipeline for the Datasette views: three articles for the
    search box, one article edited once, and a run with a failure."""
    for path, body in READING_PAGES.items():
        server.routes[path] = Route(200, body, HTML)
    server.routes["/story"] = Route(200, (PAGES / "changed-v1.html").read_bytes(), HTML)
    return run_twice(server, tmp_path, [*READING_PAGES, "/story"])


@pytest.fixture
def plugin() -> Iterator[None]:
    """archiver's Datasette plugin registered, as `archiver serve` registers it."""
    from datasette.plugins import pm

    from archiver.archive import datasette_plugin

    pm.register(datasette_plugin, name="archiver")
    yield
    pm.unregister(name="archiver")


def served(db: Path, path: str, *, status: int = 200) -> Any:
    """GET `path` from Datasette as `archiver serve` runs it: the response."""
    from datasette.app import Datasette

    async def go() -> Any:
        with datasette.templates_dir() as templates:
            ds = Datasette(
                [str(db)], metadata=datasette.metadata_for(db), template_dir=str(templates)
            )
            response = await ds.client.get(path)
        assert response.status_code == status, (path, response.text[:500])
        return response

    return asyncio.run(go())


def row_path(url: str) -> str:
    from datasette.utils import tilde_encode

    return "/archive/articles/" + tilde_encode(url)


@pytest.mark.usefixtures("plugin")
def test_reading_view(reading_archive: tuple[Path, FixtureServer]) -> None:
    """The article page shows the headline, byline, link and text as paragraphs, and the
    versions with what changed; other rows keep Datasette's page."""
    db, server = reading_archive
    html = served(db, row_path(server.url("/amazon"))).text
    assert "<h1>La stratégie d&#39;Amazon cet été</h1>" in html
    assert 'class="archiver-author">Jean Auteur<' in html
    assert 'class="archiver-published">2024-04-10<' in html
    assert f'href="{server.url("/amazon")}"' in html
    assert "<p>Pendant l&#39;été, la stratégie d&#39;Amazon a surpris" in html
    assert "<p>Les éditeurs ont répondu" in html
    assert "One version" in html
    with sqlite3.connect(db) as conn:
        (story,) = conn.execute("select url from articles where title like 'Central%'").fetchone()
    edited = served(db, row_path(story)).text
    assert "2 versions" in edited and "what changed from version 1" in edited
    assert '<span class="diff-add">+' in edited and "Correction" in edited
    run = served(db, "/archive/runs/1").text
    assert "archiver-article" not in run and "1 error" in run


@pytest.mark.usefixtures("plugin")
def test_table_view_columns(reading_archive: tuple[Path, FixtureServer]) -> None:
    """The table shows title, site, author, published, language and words, the title linking
    to the reading view; the text and hashes only when asked for."""
    db, server = reading_archive
    html = served(db, "/archive/articles").text
    headers = re.findall(r'<th [^>]*data-column="([^"]+)"', html)
    assert headers == list(datasette_plugin_columns())
    assert f'href="{row_path(server.url("/us"))}">After covid-19, the U.S. economy</a>' in html
    start = html.index('<table class="rows-and-columns">')
    table = html[start : html.index("</table>", start)]
    assert "content_hash" not in table and "raw_sha256" not in table
    assert "spent the year after" not in table  # the text is not shown...
    with_text = served(db, "/archive/articles?_col=title&_col=text").text
    assert "spent the year after" in with_text  # ...but one click away
    data = served(db, "/archive/articles.json?_shape=objects").json()
    assert "text" in data["rows"][0]  # and in the JSON


def datasette_plugin_columns() -> tuple[str, ...]:
    from archiver.archive.datasette_plugin import TABLE_COLUMNS

    return TABLE_COLUMNS


@pytest.mark.usefixtures("plugin")
@pytest.mark.parametrize(
    ("query", "paths"),
    [
        ("l'été", {"/amazon"}),
        ("covid-19", {"/us"}),
        ("U.S.", {"/us"}),
        ("dumpster-fire", {"/us"}),
        ("d'Amazon", {"/amazon"}),
        ("Amazon -libraires", {"/control"}),
        ('"stratégie d\'Amazon"', {"/amazon"}),
        ("title:river OR title:economy", {"/us", "/control"}),
        ("dumpster NOT fire", set()),
    ],
)
def test_search_box(
    reading_archive: tuple[Path, FixtureServer], query: str, paths: set[str]
) -> None:
    """The search box takes what people type, and FTS5 syntax."""
    db, server = reading_archive
    found = served(db, f"/archive/articles.json?_shape=objects&_search={quote(query)}").json()
    assert {r["url"] for r in found["rows"]} == {server.url(p) for p in paths}
    assert served(db, f"/archive/articles?_search={quote(query)}").status_code == 200


def test_search_box_without_the_plugin(reading_archive: tuple[Path, FixtureServer]) -> None:
    """Without the plugin, Datasette's own quoting: `-word` is searched as a word, not
    excluded (the rule the plugin replaces)."""
    db, server = reading_archive
    found = served(db, "/archive/articles.json?_shape=objects&_search=Amazon+-libraires").json()
    assert [r["url"] for r in found["rows"]] == [server.url("/amazon")]


@pytest.mark.usefixtures("plugin")
def test_facets(reading_archive: tuple[Path, FixtureServer]) -> None:
    """Published by month, site by name and host, language, source, author; a month filters."""
    db, server = reading_archive
    data = served(db, "/archive/articles.json").json()
    facets = data["facet_results"]
    assert {"published", "sitename", "host", "language", "source", "author"} <= set(facets)
    months = {r["value"]: r["count"] for r in facets["published"]["results"]}
    assert months == {"2024-04": 2, "2024-03": 1, "2024-02": 1}
    assert facets["published"]["type"] == "month"
    april = served(db, "/archive/articles.json?_shape=objects&published__startswith=2024-04")
    assert {r["url"] for r in april.json()["rows"]} == {
        server.url("/amazon"),
        server.url("/control"),
    }
    assert {r["value"] for r in facets["host"]["results"]} >= {"127.0.0.1"}


@pytest.mark.usefixtures("plugin")
def test_runs_raw_pages_and_home(reading_archive: tuple[Path, FixtureServer]) -> None:
    """Run errors are counted and open in place; the stored HTML opens as text; the home page
    links to the archive's own pages, not to PyPI."""
    db, _ = reading_archive
    runs = served(db, "/archive/runs").text
    assert "<details><summary>1 error</summary><ol><li>" in runs and "/gone" in runs
    assert runs.count("<summary>1 error</summary>") == 2  # /gone failed in both runs
    with sqlite3.connect(db) as conn:
        (sha,) = conn.execute("select raw_sha256 from articles limit 1").fetchone()
    raw = served(db, f"/-/archiver/raw/archive/{sha}")
    assert raw.headers["content-type"].startswith("text/plain") and "<html" in raw.text
    served(db, "/-/archiver/raw/archive/" + "0" * 64, status=404)
    home = served(db, "/").text
    assert 'href="/archive/articles"' in home and "pypi.org" not in home


def test_errors_cell() -> None:
    """A run's errors: counted, the lines in a list; none is said as such; not JSON as is."""
    from archiver.archive.datasette_plugin import _errors_cell

    assert _errors_cell("[]") == '<span class="archiver-none">none</span>'
    cell = _errors_cell('["http://a/: http_404", "http://b/: <timeout>"]')
    assert cell.startswith("<details><summary>2 errors</summary><ol><li>http://a/")
    assert "&lt;timeout&gt;" in cell
    assert "<summary>1 error</summary>" in _errors_cell("not json")


@pytest.mark.parametrize(
    ("query", "strict", "match"),
    [
        ("symbiose", True, "symbiose"),  # valid FTS5: as it is
        ('"a phrase" NOT word', True, '"a phrase" NOT word'),
        ("title:x OR y*", True, "title:x OR y*"),
        ("l'été", True, '"l\'été"'),
        ("covid-19", True, '"covid-19"'),
        ("U.S.", True, '"U.S."'),
        ("dumpster-fire", True, '"dumpster-fire"'),
        ("d'Amazon", False, '"d\'Amazon"'),
        ("climat -Amazon", True, '"climat" NOT "Amazon"'),
        ("-Amazon", True, '"-Amazon"'),  # nothing to exclude from: a word
        ("symbio* l'été", True, '"symbio"* "l\'été"'),
        ("title:l'été", True, 'title:"l\'été"'),
        ("l'été NOT hiver", True, '"l\'été" NOT "hiver"'),
        ('"unclosed', False, '"unclosed"'),
        ("symbiose AND", False, '"symbiose" "AND"'),
        ("- . !", False, '""'),
    ],
)
def test_match_expression(query: str, strict: bool, match: str) -> None:
    """What people type, as FTS5 takes it; valid FTS5 untouched."""
    from archiver.archive import fts

    assert fts.match_expression(query, strict=strict) == match


@pytest.mark.parametrize("query", ['"unclosed', "symbiose AND", "NOT x", "a AND OR b"])
def test_match_expression_strict_errors(query: str) -> None:
    """For the CLI, a misplaced operator or an open quote is an error saying so."""
    from archiver.archive import fts
    from archiver.errors import QueryError

    with pytest.raises(QueryError, match="bad search query"):
        fts.match_expression(query, strict=True)


def test_snippets_stay_on_one_line(reading_archive: tuple[Path, FixtureServer]) -> None:
    """A snippet across a paragraph break is one line (the break a space), so text, --nl
    and --csv output keep one record per line; a snippet in one paragraph is unchanged."""
    db, _ = reading_archive
    [hit] = search(db, "slowly")
    assert "\n" not in hit["snippet"] and "[slowly]. Many owners" in hit["snippet"]
    text = invoke("search", "slowly", "--db", db).stdout.splitlines()
    assert len(text) == 3 and text[2].startswith("  ") and "Many owners" in text[2]
    rows = invoke("search", "slowly", "--db", db, "--csv").stdout.splitlines()
    assert len(rows) == 2
    inside_one = search(db, "gathered")
    assert len(inside_one) == 3
    for inside in inside_one:  # within one paragraph: the text as it is
        assert inside["snippet"].strip("…").replace("[gathered]", "gathered") in FILLER


@pytest.mark.parametrize(
    ("title", "stem"),
    [
        ("L’étrange symbiose", "l-etrange-symbiose"),
        ("Crème brûlée — ça va", "creme-brulee-ca-va"),
        ("Путин и пресса", "путин-и-пресса"),
        ("Новый йод", "новый-йод"),  # й keeps its breve: it is another letter
        ("東京の夏、2024年", "東京の夏-2024年"),
        ("Ελλάδα σήμερα", "ελλάδα-σήμερα"),
        ("???", "untitled"),
        (None, "untitled"),
    ],
)
def test_export_file_names_keep_titles(title: str | None, stem: str) -> None:
    """Markdown and text file names: Latin without accents, other scripts as they are."""
    from archiver.archive import export

    name = export.file_stem({"url": "http://a/", "title": title, "published": "2024-05-01"})
    assert name.startswith(f"2024-05-01-{stem}-") and len(name) == len(f"2024-05-01-{stem}-") + 8


def test_serve_registers_the_plugin() -> None:
    """The command `archiver serve` runs is Datasette's with archiver's plugin registered
    (plain Datasette lists no such plugin)."""
    import subprocess
    import sys

    def plugins(module: str) -> list[str]:
        out = subprocess.run(
            [sys.executable, "-m", module, "plugins"], capture_output=True, text=True, check=True
        ).stdout
        return [p["name"] for p in json.loads(out)]

    assert plugins(datasette.PLUGIN) == ["archiver.archive.datasette_plugin"]
    assert "archiver.archive.datasette_plugin" not in plugins("datasette")


def test_metadata_follows_the_archive_name() -> None:
    """Datasette names a database after its file: the metadata and home links follow it."""
    data = datasette.metadata_for(Path("/srv/press.db"))
    assert list(data["databases"]) == ["press"]
    assert 'href="/press/articles"' in data["description_html"]
    assert 'href="/archive' not in data["description_html"]
    assert "pypi.org" not in json.dumps(data)
