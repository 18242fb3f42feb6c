"""Property-based tests: URL keys are idempotent and never crash; the config loader and
the extractor raise nothing but their documented errors, whatever they are given."""

from __future__ import annotations

import contextlib
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.config import parse_config
from archiver.errors import ConfigError, ExtractError
from archiver.extraction.extract import extract_article
from archiver.models import Article
from archiver.urls import normalize_url

URL_PARTS = st.sampled_from(["http", "https", "HTTP", "ftp", "", "javascript"])
HOSTS = st.sampled_from(
    [
        "example.org",
        "EXAMPLE.org",
        "www.ex.test",
        "127.0.0.1",
        "[::1]",
        "xn--bcher-kva.example",
        "ex.test:8080",
        "ex.test:80",
        "",
        "a..b",
    ]
)
PATHS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
QUERIES = st.lists(
    st.tuples(
        st.sampled_from(["utm_source", "id", "fbclid", "q", "gclid", "ref", "a b", "é"]),
        st.text(max_size=8),
    ),
    max_size=4,
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    query = "&".join(f"{k}={v}" for k, v in draw(QUERIES))
    fragment = draw(st.sampled_from(["", "#top", "#"]))
    return f"{draw(URL_PARTS)}://{draw(HOSTS)}/{draw(PATHS)}?{query}{fragment}"


@given(st.one_of(urls(), st.text(max_size=80)))
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_normalize_url_is_idempotent_and_never_crashes(url: str) -> None:
    """Any text gives a key that normalizes to itself, or a ValueError."""
    try:
        key = normalize_url(url)
    except ValueError:
        return
    assert normalize_url(key) == key
    assert "#" not in key and "utm_source" not in key


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10**9),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["https://a.test/rss", "a h2", "("]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = st.sampled_from(
    [
        "archive",
        "fetch",
        "extract",
        "recheck",
        "sources",
        "sites",
        "path",
        "timeout",
        "user_agent",
        "name",
        "feed",
        "urls",
        "links",
        "page",
        "sitemap",
        "host",
        "body",
        "drop",
        "1d",
        "workers",
        "max_new",
        "zz",
    ]
)


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    tables = draw(st.dictionaries(KEYS, st.dictionaries(KEYS, VALUES, max_size=4), max_size=4))
    if draw(st.booleans()):
        tables["sources"] = draw(st.lists(st.dictionaries(KEYS, VALUES, max_size=4), max_size=3))
    return tables


@given(configs())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_config_loader_never_gives_a_traceback(data: dict[str, Any]) -> None:
    """Any document is a Config or one ConfigError line naming the file."""
    try:
        parse_config(data, "c.toml")
    except ConfigError as exc:
        assert str(exc).startswith("c.toml") and "\n" not in str(exc)


@given(st.text(max_size=200))
@settings(max_examples=200)
def test_any_text_as_toml(text: str) -> None:
    """Random text as a config file: a TOML error or a config error, never another."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    with contextlib.suppress(ConfigError):
        parse_config(data, "c.toml", base=Path("."))


TAGS = st.sampled_from(
    [
        "div",
        "p",
        "span",
        "article",
        "main",
        "nav",
        "aside",
        "section",
        "footer",
        "header",
        "h1",
        "h2",
        "ul",
        "li",
        "a",
        "script",
        "style",
        "figure",
        "figcaption",
        "table",
        "tr",
        "td",
        "form",
        "button",
        "b",
        "template",
        "svg",
        "iframe",
        "noscript",
    ]
)
ATTRS = st.sampled_from(
    [
        "",
        ' class="comments"',
        ' class="post entry-content"',
        " hidden",
        ' style="display:none"',
        ' role="dialog"',
        ' aria-hidden="true"',
        ' id="main"',
        ' href="/x"',
        ' class="share-bar"',
        ' lang="fr"',
    ]
)
WORDS = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60)
HTML = st.recursive(
    WORDS.map(lambda t: t.replace("<", " ")),
    lambda inner: st.builds(
        lambda tag, attrs, kids: f"<{tag}{attrs}>{''.join(kids)}</{tag}>",
        TAGS,
        ATTRS,
        st.lists(inner, max_size=4),
    ),
    max_leaves=30,
)


@given(HTML, st.sampled_from([None, "https://ex.test/a", "https://ex.test/"]))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_extraction_raises_only_its_documented_errors(body: str, url: str | None) -> None:
    """Generated HTML gives an Article or an ExtractError (NotAnArticle), nothing else."""
    html = f"<html><head><title>t</title></head><body>{body}</body></html>"
    try:
        article = extract_article(html, url, min_words=1)
    except ExtractError:
        return
    assert isinstance(article, Article) and article.text.strip()
