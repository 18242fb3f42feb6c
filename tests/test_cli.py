"""Every CLI command end to end: real server, real SQLite file, exit codes, stdout/stderr."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archiver.archive.schema import open_archive
from archiver.cli import cli
from archiver.text import count_words
from tests.conftest import PAGES, FixtureServer, Route, expected

COMMANDS = ("fetch", "run", "extract", "search", "show")


def invoke(*args: str | Path) -> Result:
    """Run `archiver ARGS` in-process, stdout and stderr kept apart."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


def fetch(server: FixtureServer, config_file: Path, db: Path, *paths: str) -> Result:
    return invoke("fetch", *(server.url(p) for p in paths), "--config", config_file, "--db", db)


def test_seed_page_end_to_end(server: FixtureServer, config_file: Path, db: Path) -> None:
    """The seed-like page: fetched, stored exactly, shown, and found by full-text search."""
    truth = expected("seed-blog-fr")
    result = fetch(server, config_file, db, "/seed-blog-fr.html")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("new\t")
    shown = invoke("show", server.url("/seed-blog-fr.html"), "--db", db, "--json")
    assert shown.exit_code == 0
    row = json.loads(shown.stdout)
    assert row["text"] == truth["text"]
    for key in (
        "title",
        "author",
        "published",
        "sitename",
        "language",
        "canonical_url",
        "description",
        "image",
        "tags",
    ):
        assert row[key] == truth[key], key
    found = invoke("search", "symbiose", "--db", db, "--json")
    assert [r["url"] for r in json.loads(found.stdout)] == [row["url"]]
    assert invoke("search", "Anthropic", "--db", db).exit_code == 0


def test_show_prints_text(server: FixtureServer, config_file: Path, db: Path) -> None:
    """`show` without --json prints the title, metadata lines and the text."""
    fetch(server, config_file, db, "/seed-blog-fr.html")
    shown = invoke("show", server.url("/seed-blog-fr.html"), "--db", db)
    assert shown.stdout.startswith(expected("seed-blog-fr")["title"])
    assert shown.stdout.rstrip().endswith(expected("seed-blog-fr")["text"].split("\n\n")[-1])


def test_fetching_twice_gives_one_row(server: FixtureServer, config_file: Path, db: Path) -> None:
    """A second fetch of an unchanged page updates the check time only."""
    first = fetch(server, config_file, db, "/seed-blog-fr.html")
    second = fetch(server, config_file, db, "/seed-blog-fr.html")
    assert first.exit_code == second.exit_code == 0
    assert second.stdout.startswith("unchanged\t")
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == 1
        assert conn.execute("select count(*) from revisions").fetchone()[0] == 0
        assert conn.execute("select count(*) from raw_pages").fetchone()[0] == 1
        assert conn.execute("select count(*) from fetches").fetchone()[0] == 2


def test_changed_page_keeps_a_revision(server: FixtureServer, config_file: Path, db: Path) -> None:
    """When the text changes, the old version becomes a revision and the article is updated."""
    v1, v2 = ((PAGES / f"changed-v{n}.html").read_bytes() for n in (1, 2))
    server.routes["/story"] = Route(200, v1, {"Content-Type": "text/html"})
    assert fetch(server, config_file, db, "/story").exit_code == 0
    server.routes["/story"] = Route(200, v2, {"Content-Type": "text/html"})
    result = fetch(server, config_file, db, "/story")
    assert result.stdout.startswith("changed\t")
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == 1
        (old_text,) = conn.execute("select text from revisions").fetchone()
        (new_text,) = conn.execute("select text from articles").fetchone()
    assert old_text == expected("changed-v1")["text"]
    assert new_text == expected("changed-v2")["text"]
    assert (
        json.loads(invoke("show", server.url("/story"), "--db", db, "--json").stdout)["revisions"]
        == 1
    )


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (Route(404, b"gone", {"Content-Type": "text/html"}), "http_404"),
        (Route(500, b"oops", {"Content-Type": "text/html"}), "http_500"),
        (Route(200, b"%PDF-1.4 ...", {"Content-Type": "application/pdf"}), "not_html"),
        (Route(200, b"<p>" + b"x" * 3_000_000, {"Content-Type": "text/html"}), "too_large"),
    ],
)
def test_failures_are_one_line_and_logged(
    server: FixtureServer, config_file: Path, db: Path, route: Route, reason: str
) -> None:
    """A failed URL: exit 1, one stderr line naming the URL and reason, a fetch-log row."""
    server.routes["/bad"] = route
    result = fetch(server, config_file, db, "/bad", "/seed-blog-fr.html")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {server.url('/bad')}: {reason}" + errors[0].split(reason, 1)[1]]
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select outcome, reason from fetches order by id").fetchall()
        assert ("failed", reason) in rows
        assert conn.execute("select count(*) from articles").fetchone()[0] == 1


def test_redirect_is_stored_under_the_final_url(
    server: FixtureServer, config_file: Path, db: Path
) -> None:
    """A redirected URL stores the article once; both URLs find it."""
    server.routes["/short"] = Route(302, b"", {"Location": "/blog-comments-en.html"})
    assert fetch(server, config_file, db, "/short").exit_code == 0
    for path in ("/short", "/blog-comments-en.html"):
        assert invoke("show", server.url(path), "--db", db).exit_code == 0


def test_windows_1252_page_end_to_end(server: FixtureServer, config_file: Path, db: Path) -> None:
    """A French page in windows-1252 without a declared charset is stored right."""
    assert fetch(server, config_file, db, "/windows-1252-fr.html").exit_code == 0
    row = json.loads(
        invoke("show", server.url("/windows-1252-fr.html"), "--db", db, "--json").stdout
    )
    assert row["text"] == expected("windows-1252-fr")["text"]


def test_not_an_article_is_not_stored(server: FixtureServer, config_file: Path, db: Path) -> None:
    """A navigation page fails with a reason and leaves no article."""
    result = fetch(server, config_file, db, "/navigation-only.html")
    assert result.exit_code == 1
    assert "navigation" in result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == 0
        assert conn.execute("select reason from fetches").fetchone()[0] == "navigation"


def test_run_archives_the_configured_sources(server: FixtureServer, tmp_path: Path) -> None:
    """`run` reads [[sources]] and stores each URL into [archive] path."""
    config = tmp_path / "sites.toml"
    config.write_text(
        f'[archive]\npath = "my.db"\n[fetch]\nper_host_delay = 0\nallow_private_addresses = true\n'
        f'[[sources]]\nname = "watched"\nurls = ["{server.url("/seed-blog-fr.html")}", '
        f'"{server.url("/blog-comments-en.html")}"]\n',
        encoding="utf-8",
    )
    result = invoke("run", "--config", config)
    assert result.exit_code == 0, result.stderr
    assert "2 URLs: 2 new" in result.stderr
    with sqlite3.connect(tmp_path / "my.db") as conn:
        assert conn.execute("select source from articles").fetchall() == [("watched",)] * 2


def test_run_needs_a_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`run` without a config file is a usage error (exit 2) naming the folder searched and
    how to name a config."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHIVER_CONFIG", raising=False)
    result = invoke("run")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: config.toml: file not found in {tmp_path} "
        "(name one with --config PATH or $ARCHIVER_CONFIG)\n"
    )
    assert not (tmp_path / "archive.db").exists()


def test_a_named_config_that_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A config named by --config or $ARCHIVER_CONFIG that is not there says who named it."""
    missing = tmp_path / "nope.toml"
    monkeypatch.delenv("ARCHIVER_CONFIG", raising=False)
    result = invoke("search", "x", "--config", missing)
    assert result.exit_code == 2
    assert result.stderr == f"error: {missing}: file not found (named by --config)\n"
    monkeypatch.setenv("ARCHIVER_CONFIG", str(missing))
    result = invoke("stats")
    assert result.stderr == f"error: {missing}: file not found (named by $ARCHIVER_CONFIG)\n"


READ_COMMANDS = (
    ["runs"],
    ["search", "x"],
    ["history", "http://example.org/a"],
    ["export"],
    ["stats"],
    ["show", "http://example.org/a"],
    ["reextract"],
    ["serve"],
)


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: a[0])
def test_read_commands_never_create_an_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    """A read command where there is no archive says so (exit 3, the path tried, how to
    name one) and creates nothing."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHIVER_CONFIG", raising=False)
    result = invoke(*args)
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: {tmp_path / 'archive.db'}: no archive there; no config.toml in {tmp_path} "
        "either: give --db PATH or --config PATH\n"
    )
    named = invoke(*args, "--db", tmp_path / "other.db")
    assert named.exit_code == 3 and str(tmp_path / "other.db") in named.stderr
    assert list(tmp_path.iterdir()) == []


def test_read_commands_on_an_existing_archive(tmp_path: Path) -> None:
    """The rule does not fire when the archive is there: an empty one is read (exit 0)."""
    db = tmp_path / "a.db"
    assert invoke("fetch", "not a url", "--db", db).exit_code == 1  # fetch creates it
    assert db.exists()
    assert invoke("runs", "--db", db).exit_code == 0
    assert invoke("stats", "--db", db).exit_code == 0
    assert invoke("export", "--db", db).exit_code == 0


def test_lock_and_open_failures_are_one_line(tmp_path: Path) -> None:
    """An archive where none can be written: one line, exit 3, no traceback."""
    config = tmp_path / "c.toml"
    config.write_text('[[sources]]\nname = "a"\nurls = ["http://127.0.0.1:9/"]\n', "utf-8")
    result = invoke("run", "--config", config, "--db", "/proc/nope.db")
    assert result.exit_code == 3
    assert result.stderr == (
        "error: cannot create the run lock /proc/nope.db.lock: No such file or directory\n"
    )
    fetched = invoke("fetch", "http://127.0.0.1:9/", "--db", "/proc/nope/a.db")
    assert fetched.exit_code == 3 and len(fetched.stderr.splitlines()) == 1
    assert fetched.stderr.startswith("error: cannot open archive /proc/nope/a.db")
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_text("not a database\n", encoding="utf-8")
    for args in (["search", "x"], ["serve"], ["runs"]):
        result = invoke(*args, "--db", not_sqlite)
        assert result.exit_code == 3
        assert result.stderr == f"error: cannot open archive {not_sqlite}: file is not a database\n"


def test_check_validates_without_downloading(server: FixtureServer, tmp_path: Path) -> None:
    """`archiver check` reads the config and its selectors, lists the sources, downloads
    nothing; a bad selector is one line, exit 2; no sources is exit 2."""
    config = tmp_path / "c.toml"
    config.write_text(
        f'[[sources]]\nname = "front"\npage = "{server.url("/")}"\nlinks = "h2 a"\n'
        f'[[sources]]\nname = "feed"\nfeed = "{server.url("/feed.xml")}"\n'
        '[[sites]]\nhost = "example.org"\nbody = "article"\n',
        encoding="utf-8",
    )
    result = invoke("check", "--config", config)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"{config}: ok"
    assert "sources: 2 (1 feed, 1 page)" in result.stdout
    assert "  front: page, 1 URL(s), links 'h2 a'" in result.stdout
    assert "  example.org: body 'article'" in result.stdout
    assert server.requests == []
    assert not (tmp_path / "archive.db").exists()
    config.write_text(config.read_text("utf-8").replace("h2 a", "a[["), encoding="utf-8")
    bad = invoke("check", "--config", config)
    assert bad.exit_code == 2 and bad.stderr.startswith(f"error: {config}: sources")
    assert "a[[" in bad.stderr and len(bad.stderr.splitlines()) == 1
    config.write_text("[fetch]\ntimeout = 5\n", encoding="utf-8")
    empty = invoke("check", "--config", config)
    assert empty.exit_code == 2 and "no [[sources]] configured" in empty.stderr


def test_bad_config_is_exit_2(tmp_path: Path) -> None:
    """A wrong key is one line naming the file and the key, exit 2, for every command."""
    config = tmp_path / "bad.toml"
    config.write_text("[fetch]\ntimeout = 'soon'\n", encoding="utf-8")
    for args in (["run"], ["fetch", "http://127.0.0.1:9/"], ["search", "x"]):
        result = invoke(*args, "--config", config)
        assert result.exit_code == 2
        assert result.stderr == f"error: {config}: fetch.timeout: expected a number, got 'soon'\n"


def test_missing_config_is_fine_for_fetch_search_show(
    server: FixtureServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ./config.toml, fetch/search/show use the defaults and ./archive.db (by
    default, a local address such as the test server's is refused)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHIVER_CONFIG", raising=False)
    fetched = invoke("fetch", server.url("/blog-comments-en.html"))
    assert fetched.exit_code == 1 and "blocked_address" in fetched.stderr
    assert server.requests == []
    assert (tmp_path / "archive.db").exists()
    assert invoke("show", server.url("/blog-comments-en.html")).exit_code == 1
    assert invoke("search", "nothingmatchesthis").exit_code == 1


def test_config_from_environment(
    server: FixtureServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """$ARCHIVER_CONFIG names the config file."""
    config = tmp_path / "env.toml"
    config.write_text(
        f'[archive]\npath = "{tmp_path / "env.db"}"\n[fetch]\nallow_private_addresses = true\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ARCHIVER_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)
    assert invoke("fetch", server.url("/blog-comments-en.html")).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_extract_prints_text_and_json() -> None:
    """`extract FILE` prints the text; --json prints every field."""
    page = PAGES / "seed-blog-fr.html"
    assert invoke("extract", page).stdout == expected("seed-blog-fr")["text"] + "\n"
    data = json.loads(invoke("extract", page, "--json").stdout)
    assert data["title"] == expected("seed-blog-fr")["title"]
    assert data["word_count"] == count_words(data["text"])


def test_extract_url(server: FixtureServer, config_file: Path) -> None:
    """`extract URL` downloads without storing."""
    result = invoke("extract", server.url("/blog-comments-en.html"), "--config", config_file)
    assert result.stdout == expected("blog-comments-en")["text"] + "\n"
    assert not (config_file.parent / "archive.db").exists()


def test_extract_refuses_a_non_article() -> None:
    """`extract` on a navigation page exits 1 with the reason."""
    result = invoke("extract", PAGES / "navigation-only.html")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "not an article: navigation" in result.stderr


def test_extract_min_words_shows_what_a_short_page_holds() -> None:
    """A page refused as too short says so; with --min-words 0 its text is printed."""
    page = PAGES / "too-short.html"
    refused = invoke("extract", page)
    assert refused.exit_code == 1 and "too_short" in refused.stderr
    shown = invoke("extract", page, "--min-words", "0")
    assert shown.exit_code == 0 and "gathering details on this developing story" in shown.stdout


def test_extract_missing_file() -> None:
    """A path that is neither a file nor a URL is one line, exit 1."""
    result = invoke("extract", "no/such/page.html")
    assert result.exit_code == 1
    assert result.stderr == "error: no/such/page.html: no such file, and not an http(s) URL\n"


def test_show_unknown_url(db: Path) -> None:
    """`show` of a URL never archived exits 1."""
    open_archive(db).close()
    result = invoke("show", "https://example.org/never", "--db", db)
    assert result.exit_code == 1
    assert "not in the archive" in result.stderr


def test_search_text_output_and_limit(server: FixtureServer, config_file: Path, db: Path) -> None:
    """Plain output has the title, URL and a snippet with the match marked; --limit caps it."""
    fetch(
        server,
        config_file,
        db,
        "/seed-blog-fr.html",
        "/blog-comments-en.html",
        "/news-cookie-en.html",
    )
    result = invoke("search", "the OR symbiose", "--db", db, "--limit", "1")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 3
    assert "[" in result.stdout.splitlines()[2]


def test_search_accepts_any_text(server: FixtureServer, config_file: Path, db: Path) -> None:
    """A query that is not valid FTS5 is searched as words, never a traceback."""
    fetch(server, config_file, db, "/seed-blog-fr.html")
    assert invoke("search", "l'étrange", "--db", db).exit_code == 0  # plain words
    result = invoke("search", '"symbiose AND (', "--db", db)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: bad search query ")
    assert len(result.stderr.splitlines()) == 1


def test_unusable_archive_is_exit_3(tmp_path: Path) -> None:
    """An archive path that cannot be opened is one line, exit 3."""
    result = invoke("search", "x", "--db", tmp_path)
    assert result.exit_code in (2, 3)
    assert result.stderr.startswith(("error:", "Usage:"))
    not_a_db = tmp_path / "file.db"
    not_a_db.write_bytes(b"this is not sqlite" * 100)
    result = invoke("search", "x", "--db", not_a_db)
    assert result.exit_code == 3
    assert result.stderr.startswith("error: cannot open archive")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    """`archiver COMMAND -h` prints help with an example."""
    result = invoke(command, "-h")
    assert result.exit_code == 0
    assert "Example:" in result.stdout


def test_version_and_usage_errors() -> None:
    """--version prints the version; a missing argument is exit 2."""
    assert invoke("--version").stdout.startswith("archiver, version ")
    assert invoke("fetch").exit_code == 2
    assert invoke("nosuchcommand").exit_code == 2


def test_query_commands_do_not_load_the_download_side() -> None:
    """`search`, `show`, `stats`... start without importing httpx, trafilatura or feedparser."""
    code = (
        "import sys, archiver.cli; "
        "print(sorted(m for m in ('httpx', 'trafilatura', 'feedparser') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_summary_counts_urls_and_sources_apart(server: FixtureServer, config_file: Path) -> None:
    """A source that fails is counted as a source, not as a URL; without one, no word of it."""
    base = config_file.read_text("utf-8")
    config_file.write_text(
        base + f'[[sources]]\nname = "dead"\nfeed = "{server.url("/no-feed.xml")}"\n'
        f'[[sources]]\nname = "page"\nurls = ["{server.url("/blog-comments-en.html")}"]\n',
        encoding="utf-8",
    )
    result = invoke("run", "--config", config_file)
    assert result.exit_code == 1
    summary = result.stderr.splitlines()[-1]
    assert summary.endswith(
        "1 URLs: 1 new, 0 changed, 0 unchanged, 0 skipped, 0 failed; 1 source failed"
    )
    config_file.write_text(
        base + f'[[sources]]\nname = "page"\nurls = ["{server.url("/blog-comments-en.html")}"]\n',
        encoding="utf-8",
    )
    again = invoke("run", "--config", config_file)
    assert again.exit_code == 0
    assert (
        again.stderr.splitlines()[-1].endswith("0 skipped, 0 failed")
        and "source" not in again.stderr
    )
