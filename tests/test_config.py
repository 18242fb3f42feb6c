"""The config loader: the example loads; every wrong key or value is one clear ConfigError."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.config import (
    Config,
    FetchSettings,
    describe,
    load_config,
    locate_config,
    resolve_config_path,
)
from archiver.errors import ConfigError

ROOT = Path(__file__).parent.parent


def load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, required=True)


def test_example_config_loads() -> None:
    """The shipped config.toml is valid and lists at least one source."""
    config = load_config(ROOT / "config.toml", required=True)
    assert config.sources
    assert config.archive.path == ROOT / "archive.db"
    assert "archiver" in config.fetch.user_agent


def test_missing_file_gives_defaults_unless_required(tmp_path: Path) -> None:
    """A missing optional config is the defaults; a required one is an error."""
    assert load_config(tmp_path / "none.toml", required=False) == Config()
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "none.toml", required=True)


def test_values_are_read(tmp_path: Path) -> None:
    """Every [fetch] key is read; integers are accepted where seconds are expected."""
    config = load(
        tmp_path,
        "[fetch]\nuser_agent='me (+https://me.test)'\ntimeout=5\n"
        "max_bytes=2048\nconcurrency=2\nper_host_delay=0.5\nrespect_robots=false\n"
        "retries=0\nmax_redirects=1\n[[sources]]\nname='a'\nurls=['https://a.test/x']\n",
    )
    assert config.fetch == FetchSettings(
        user_agent="me (+https://me.test)",
        timeout=5.0,
        max_bytes=2048,
        concurrency=2,
        per_host_delay=0.5,
        respect_robots=False,
        retries=0,
        max_redirects=1,
    )
    assert config.sources[0].urls == ("https://a.test/x",)
    assert config.archive.path == tmp_path / "archive.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[fetch]\ntimout = 3\n", "fetch.timout: unknown key"),
        ("[fetch]\ntimeout = 'x'\n", "fetch.timeout: expected a number, got 'x'"),
        ("[fetch]\ntimeout = 0\n", "fetch.timeout: expected a value > 0, got 0"),
        ("[fetch]\nretries = true\n", "fetch.retries: expected an integer, got True"),
        ("[fetch]\nrespect_robots = 1\n", "fetch.respect_robots: expected true or false, got 1"),
        ("[fetch]\nconcurrency = 0\n", "fetch.concurrency: expected a value >= 1, got 0"),
        ("[archive]\npath = 3\n", "archive.path: expected a string, got 3"),
        ("fetch = 3\n", "fetch: expected a [fetch] table"),
        ("[extra]\n", "extra: unknown key"),
        ("[[sources]]\nurls = ['https://a.test/']\n", "sources[0].name: missing"),
        (
            "[[sources]]\nname = 'a'\n",
            "sources 'a': needs exactly one of urls, feed, sitemap, page",
        ),
        (
            "[[sources]]\nname = 'a'\nurls = ['https://a.test/']\nfeed = 'https://a.test/rss'\n",
            "found urls, feed",
        ),
        (
            "[[sources]]\nname = 'a'\nurls = ['ftp://a.test/']\n",
            "sources 'a'.urls: 'ftp://a.test/'",
        ),
        ("[[sources]]\nname = 'a'\nurls = 'https://a.test/'\n", "expected a list of URL strings"),
        ("[[sources]]\nname = 'a'\nurls = []\n[[sources]]\nname = 'a'\nurls = []\n", "unique"),
        ("[[sources]]\nname = 'a'\nurls = []\ncolour = 'red'\n", "sources 'a'.colour: unknown"),
        ("[[sources]]\nname = 'a'\npage = 'https://a.test/'\n", "sources 'a'.links: missing"),
        (
            "[[sources]]\nname = 'a'\npage = 'https://a.test/'\nlinks = 'a[[['\n",
            "sources 'a'.links: expected a valid CSS selector",
        ),
        (
            "[[sources]]\nname = 'a'\nfeed = 'https://a.test/'\nlinks = 'a'\n",
            "only a `page` source",
        ),
        (
            "[[sources]]\nname = 'a'\nfeed = 'https://a.test/'\ninclude = ['(']\n",
            "sources 'a'.include: bad regular expression",
        ),
        (
            "[[sources]]\nname = 'a'\nfeed = 'https://a.test/'\nmax_new = -1\n",
            "sources 'a'.max_new: expected a value >= 0",
        ),
        ("[[sources]]\nname = 'a'\nsitemap = 'sitemap.xml'\n", "sources 'a'.sitemap"),
        ("[fetch]\ncontact = 'me'\n", "fetch.contact: expected an http(s):// or mailto: URL"),
        ("[fetch]\nproxy = 'socks5://p:1080'\n", "fetch.proxy: expected an http(s):// proxy URL"),
        ("[recheck]\nsoon = '3h'\n", "recheck.soon: the key must be an age"),
        ("[recheck]\n1d = 3\n", "recheck.1d: expected a duration"),
        ("[fetch\n", "invalid TOML"),
        ("[fetch]\ntimeout = 3\ntimeout = 4\n", "invalid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    """Each mistake is a ConfigError whose one-line message names the file and the key."""
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    line = str(info.value)
    assert line.startswith(str(tmp_path / "c.toml") + ":")
    assert message in line
    assert "\n" not in line


def test_sources_of_every_kind(tmp_path: Path) -> None:
    """Feeds, sitemaps, listing pages and URL lists, with their options."""
    config = load(
        tmp_path,
        "[[sources]]\nname='f'\nfeed='https://a.test/rss'\n"
        "include=['/opinion/']\nexclude='/live/'\nmax_new=5\n"
        "[[sources]]\nname='s'\nsitemap='https://a.test/sitemap.xml'\n"
        "[[sources]]\nname='p'\npage='https://a.test/ideas/'\nlinks='h2 a'\n"
        "max_age_days=2\n",
    )
    feed, sitemap, page = config.sources
    assert (feed.kind, feed.include, feed.exclude, feed.max_new) == (
        "feed",
        ("/opinion/",),
        ("/live/",),
        5,
    )
    assert (sitemap.kind, sitemap.max_age_days) == ("sitemap", 30.0)
    assert (page.kind, page.links, page.max_age_days) == ("page", "h2 a", 2.0)


def test_recheck_schedule(tmp_path: Path) -> None:
    """[recheck] maps an article's age to how often it is checked; older: never."""
    config = load(tmp_path, "[recheck]\n2d = '6h'\n'4w' = '1w'\n")
    hour = 3600.0
    assert config.recheck.interval(1 * hour) == 6 * hour
    assert config.recheck.interval(10 * 24 * hour) == 7 * 24 * hour
    assert config.recheck.interval(40 * 24 * hour) is None


def test_contact_goes_into_the_user_agent(tmp_path: Path) -> None:
    """The contact URL is appended to the User-Agent."""
    config = load(tmp_path, "[fetch]\nuser_agent='bot/1'\ncontact='https://me.test/'\n")
    assert config.fetch.user_agent_header == "bot/1 (+https://me.test/)"


def test_toml_error_shows_the_line(tmp_path: Path) -> None:
    """A TOML syntax error says where it is."""
    with pytest.raises(ConfigError, match=r"line 3"):
        load(tmp_path, "[fetch]\ntimeout = 3\nretries = = 2\n")


def test_config_path_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    """--config wins, then $ARCHIVER_CONFIG, then ./config.toml."""
    monkeypatch.setenv("ARCHIVER_CONFIG", "/etc/a.toml")
    assert resolve_config_path("x.toml") == (Path("x.toml"), True)
    assert resolve_config_path(None) == (Path("/etc/a.toml"), True)
    monkeypatch.delenv("ARCHIVER_CONFIG")
    assert resolve_config_path(None) == (Path("config.toml"), False)


def test_what_named_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """locate_config says whether --config, $ARCHIVER_CONFIG or nothing named the file."""
    monkeypatch.setenv("ARCHIVER_CONFIG", "/etc/a.toml")
    assert locate_config("x.toml") == (Path("x.toml"), "--config")
    assert locate_config(None) == (Path("/etc/a.toml"), "$ARCHIVER_CONFIG")
    monkeypatch.delenv("ARCHIVER_CONFIG")
    assert locate_config(None) == (Path("config.toml"), None)


def test_missing_config_message(tmp_path: Path) -> None:
    """A missing default config names the folder searched and how to name one; a named one
    says what named it."""
    with pytest.raises(ConfigError) as default:
        load_config(tmp_path / "config.toml", required=True)
    assert str(default.value) == (
        f"{tmp_path / 'config.toml'}: file not found in {tmp_path} "
        "(name one with --config PATH or $ARCHIVER_CONFIG)"
    )
    with pytest.raises(ConfigError) as named:
        load_config(tmp_path / "x.toml", required=True, named_by="--config")
    assert str(named.value) == f"{tmp_path / 'x.toml'}: file not found (named by --config)"


def test_describe_lists_sources_and_rules() -> None:
    """`archiver check`'s report of the example config: every source, no download."""
    config = load_config(ROOT / "config.toml", required=True)
    lines = describe(config)
    assert lines[1] == f"sources: {len(config.sources)} ({len(config.sources)} feed)"
    assert [line.split(":")[0].strip() for line in lines[2 : 2 + len(config.sources)]] == [
        s.name for s in config.sources
    ]
    assert describe(Config())[1:] == ["sources: 0", "site rules: 0"]


@pytest.mark.parametrize(
    ("value", "ok"),
    [("tcp://10.0.0.5:8786", True), ("tls://sched:8786", True), ("", True), ("10.0.0.5", False)],
)
def test_extract_scheduler_is_a_dask_address(tmp_path: Path, value: str, ok: bool) -> None:
    """`[extract] scheduler` takes a Dask address (or nothing: the local pool)."""
    text = f'[extract]\nscheduler = "{value}"\n'
    if ok:
        assert load(tmp_path, text).extract.scheduler == value
    else:
        with pytest.raises(ConfigError, match=r"extract\.scheduler: expected a Dask scheduler"):
            load(tmp_path, text)
