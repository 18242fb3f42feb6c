"""Read `config.toml` into the settings' frozen dataclasses (`settings.py`); unknown keys and
wrong values are errors.

Every error is a `ConfigError` naming the file, the key and what was expected, raised before
any download starts.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.errors import ConfigError
from archiver.models import SiteRule
from archiver.settings import (
    CONFIG_ENV,
    DAY,
    DEFAULT_CONFIG,
    SOURCE_KINDS,
    SOURCE_OPTIONS,
    ArchiveSettings,
    Config,
    ExtractSettings,
    FetchSettings,
    RecheckSettings,
    SourceSettings,
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": DAY, "w": 7 * DAY}

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG",
    "ArchiveSettings",
    "Config",
    "ConfigError",
    "ExtractSettings",
    "FetchSettings",
    "RecheckSettings",
    "SourceSettings",
    "describe",
    "load_config",
    "locate_config",
    "parse_config",
    "parse_duration",
    "resolve_config_path",
]


def resolve_config_path(explicit: str | os.PathLike[str] | None) -> tuple[Path, bool]:
    """The config path to use and whether the user named it (option or environment)."""
    path, named_by = locate_config(explicit)
    return path, named_by is not None


def locate_config(explicit: str | os.PathLike[str] | None) -> tuple[Path, str | None]:
    """The config path to use and what named it: `--config`, `$ARCHIVER_CONFIG`, or None
    for the default `./config.toml`."""
    if explicit is not None:
        return Path(explicit), "--config"
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env), f"${CONFIG_ENV}"
    return DEFAULT_CONFIG, None


def load_config(path: Path, *, required: bool, named_by: str | None = None) -> Config:
    """Load `path`; when it does not exist, return defaults unless `required`. `named_by`
    (`--config`, `$ARCHIVER_CONFIG`) goes into the message when the file is missing."""
    where = str(path)
    if not path.exists():
        if required:
            raise ConfigError(where, None, missing_config(path, named_by))
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(where, None, f"invalid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(where, None, f"cannot read: {exc}") from exc
    return parse_config(data, where, base=path.parent)


def missing_config(path: Path, named_by: str | None) -> str:
    """Why a config file is not there, and how to name one."""
    if named_by is not None:
        return f"file not found (named by {named_by})"
    folder = path.absolute().parent
    return f"file not found in {folder} (name one with --config PATH or ${CONFIG_ENV})"


def describe(config: Config) -> list[str]:
    """What `archiver check` reports of a valid configuration: its sources (kind, start
    URLs, the link selector checked), site rules and archive; nothing is downloaded."""
    kinds = ", ".join(
        f"{sum(1 for s in config.sources if s.kind == k)} {k}"
        for k in SOURCE_KINDS
        if any(s.kind == k for s in config.sources)
    )
    lines = [
        f"archive: {config.archive.path}"
        + ("" if config.archive.path.exists() else " (created by the first run)"),
        f"sources: {len(config.sources)}" + (f" ({kinds})" if kinds else ""),
    ]
    for s in config.sources:
        links = f", links {s.links!r}" if s.links else ""
        lines.append(f"  {s.name}: {s.kind}, {len(s.urls)} URL(s){links}")
    lines.append(f"site rules: {len(config.sites)}")
    lines += [f"  {r.host}" + (f": body {r.body!r}" if r.body else "") for r in config.sites]
    return lines


def parse_config(data: Mapping[str, Any], where: str, *, base: Path = Path(".")) -> Config:
    """Validate a parsed TOML document into a `Config`."""
    _reject_unknown(data, ("archive", "fetch", "extract", "recheck", "sources", "sites"), where, "")
    archive = _table(data, "archive", where)
    fetch = _table(data, "fetch", where)
    extract = _table(data, "extract", where)
    _reject_unknown(archive, ("path", "warc_dir"), where, "archive.")
    _reject_unknown(fetch, tuple(FetchSettings.__dataclass_fields__), where, "fetch.")
    _reject_unknown(extract, tuple(ExtractSettings.__dataclass_fields__), where, "extract.")
    db_path = Path(_get(archive, "path", str, "archive.db", where, "archive.path"))
    return Config(
        path=Path(where),
        archive=ArchiveSettings(
            path=db_path if db_path.is_absolute() else base / db_path,
            warc_dir=_warc_dir(archive, base, where),
        ),
        fetch=_fetch_settings(fetch, where),
        extract=_extract_settings(extract, where),
        recheck=_recheck(_table(data, "recheck", where), where),
        sources=_sources(data.get("sources", []), where),
        sites=_sites(data.get("sites", []), where),
    )


def _warc_dir(table: Mapping[str, Any], base: Path, where: str) -> Path | None:
    folder = Path(_get(table, "warc_dir", str, "", where, "archive.warc_dir"))
    if folder == Path(""):
        return None
    return folder if folder.is_absolute() else base / folder


def _extract_settings(table: Mapping[str, Any], where: str) -> ExtractSettings:
    d = ExtractSettings()

    def get(key: str, kind: type, check: Callable[[Any], str | None]) -> Any:
        return _get(table, key, kind, getattr(d, key), where, f"extract.{key}", check)

    return ExtractSettings(
        min_words=get("min_words", int, _at_least(0)),
        template_min_pages=get("template_min_pages", int, _at_least(2)),
        workers=get("workers", int, _at_least(0)),
        timeout=float(get("timeout", float, _above(0))),
        scheduler=get("scheduler", str, _scheduler_address),
    )


def _scheduler_address(value: str) -> str | None:
    if value and not value.startswith(("tcp://", "tls://", "inproc://")):
        return "a Dask scheduler address such as tcp://host:8786"
    return None


def _fetch_settings(table: Mapping[str, Any], where: str) -> FetchSettings:
    d = FetchSettings()

    def get(key: str, kind: type, check: Callable[[Any], str | None] | None = None) -> Any:
        return _get(table, key, kind, getattr(d, key), where, f"fetch.{key}", check)

    user_agent = get("user_agent", str, lambda v: None if v.strip() else "a non-empty string")
    contact = _get(table, "contact", str, "", where, "fetch.contact", _url_check) or None
    return FetchSettings(
        user_agent=user_agent,
        contact=contact,
        timeout=float(get("timeout", float, _above(0))),
        max_bytes=get("max_bytes", int, _at_least(1024)),
        concurrency=get("concurrency", int, _at_least(1)),
        per_host_concurrency=get("per_host_concurrency", int, _at_least(1)),
        per_host_delay=float(get("per_host_delay", float, _at_least(0))),
        respect_robots=get("respect_robots", bool),
        retries=get("retries", int, _at_least(0)),
        max_redirects=get("max_redirects", int, _at_least(0)),
        allow_private_addresses=get("allow_private_addresses", bool),
        proxy=_get(table, "proxy", str, "", where, "fetch.proxy", _proxy_check) or None,
    )


def _sources(raw: Any, where: str) -> tuple[SourceSettings, ...]:
    if not isinstance(raw, list) or not all(isinstance(s, dict) for s in raw):
        raise ConfigError(where, "sources", "expected [[sources]] tables")
    seen: set[str] = set()
    out = []
    for i, table in enumerate(raw):
        label = f"sources[{i}]"
        name = _get(table, "name", str, None, where, f"{label}.name")
        if not name:
            raise ConfigError(where, f"{label}.name", "every source needs a non-empty name")
        label = f"sources '{name}'"
        if name in seen:
            raise ConfigError(where, f"{label}.name", "source names must be unique")
        seen.add(name)
        _reject_unknown(table, (*SOURCE_OPTIONS, *SOURCE_KINDS), where, f"{label}.")
        out.append(_source(table, name, label, where))
    return tuple(out)


def _source(table: Mapping[str, Any], name: str, label: str, where: str) -> SourceSettings:
    kinds = [k for k in SOURCE_KINDS if k in table]
    if len(kinds) != 1:
        found = ", ".join(kinds) or "none"
        raise ConfigError(
            where, label, f"needs exactly one of {', '.join(SOURCE_KINDS)} (found {found})"
        )
    kind = kinds[0]
    if kind == "urls":
        urls = table["urls"]
        if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
            raise ConfigError(where, f"{label}.urls", "expected a list of URL strings")
    else:
        urls = [_get(table, kind, str, None, where, f"{label}.{kind}")]
    for url in urls:
        problem = _url_problem(url)
        if problem:
            raise ConfigError(where, f"{label}.{kind}", f"{url!r}: {problem}")
    links = None
    if kind == "page":
        links = _get(table, "links", str, None, where, f"{label}.links", _selector_check)
    elif "links" in table:
        raise ConfigError(where, f"{label}.links", "only a `page` source takes a links selector")
    max_age = _get(table, "max_age_days", float, 0, where, f"{label}.max_age_days", _above(0))
    return SourceSettings(
        name=name,
        kind=kind,
        urls=tuple(urls),
        links=links,
        include=_patterns(table, "include", label, where),
        exclude=_patterns(table, "exclude", label, where),
        max_new=_get(table, "max_new", int, 100, where, f"{label}.max_new", _at_least(0)),
        max_age_days=float(max_age) if max_age else (30.0 if kind == "sitemap" else None),
    )


def _sites(raw: Any, where: str) -> tuple[SiteRule, ...]:
    if not isinstance(raw, list) or not all(isinstance(s, dict) for s in raw):
        raise ConfigError(where, "sites", "expected [[sites]] tables")
    rules = []
    for i, table in enumerate(raw):
        label = f"sites[{i}]"
        _reject_unknown(table, ("host", "body", "drop"), where, f"{label}.")
        host = _get(table, "host", str, None, where, f"{label}.host")
        if not host or "/" in host or " " in host:
            raise ConfigError(where, f"{label}.host", f"expected a host name, got {host!r}")
        body = _get(table, "body", str, "", where, f"{label}.body", _selector_check) or None
        drop = table.get("drop", [])
        if not isinstance(drop, list) or not all(isinstance(d, str) for d in drop):
            raise ConfigError(where, f"{label}.drop", "expected a list of CSS selectors")
        for selector in drop:
            if _selector_check(selector):
                raise ConfigError(where, f"{label}.drop", f"not a valid CSS selector: {selector!r}")
        rules.append(SiteRule(host=host.lower(), body=body, drop=tuple(drop)))
    return tuple(rules)


def _patterns(table: Mapping[str, Any], key: str, label: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(where, f"{label}.{key}", "expected a list of regular expressions")
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as exc:
            message = f"bad regular expression {pattern!r}: {exc}"
            raise ConfigError(where, f"{label}.{key}", message) from exc
    return tuple(value)


def _recheck(table: Mapping[str, Any], where: str) -> RecheckSettings:
    if not table:
        return RecheckSettings()
    steps = []
    for age, every in table.items():
        label = f"recheck.{age}"
        if not isinstance(every, str):
            raise ConfigError(where, label, f'expected a duration such as "3h", got {every!r}')
        age_s, every_s = parse_duration(age), parse_duration(every)
        if age_s is None:
            raise ConfigError(where, label, 'the key must be an age such as "7d" or "36h"')
        if every_s is None or every_s <= 0:
            raise ConfigError(where, label, f'expected a duration such as "3h", got {every!r}')
        steps.append((age_s, every_s))
    return RecheckSettings(tuple(sorted(steps)))


def parse_duration(text: str) -> float | None:
    """Seconds in "90s", "30m", "3h", "7d" or "2w"; None when it is not such a duration."""
    match = _DURATION.match(text)
    return float(match.group(1)) * _UNITS[match.group(2)] if match else None


def _selector_check(value: str) -> str | None:
    # selectolax is the one CSS engine we use; it raises on a selector it cannot parse.
    from selectolax.lexbor import LexborHTMLParser, SelectolaxError

    try:
        LexborHTMLParser("<p></p>").css(value)
    except (SelectolaxError, ValueError):
        return "a valid CSS selector"
    return None if value.strip() else "a CSS selector"


def _proxy_check(value: str) -> str | None:
    return None if not value or _url_problem(value) is None else "an http(s):// proxy URL"


def _url_check(value: str) -> str | None:
    if value.startswith("mailto:") and "@" in value:
        return None
    return None if _url_problem(value) is None else "an http(s):// or mailto: URL"


def _url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "expected an http:// or https:// URL"
    if not parts.hostname:
        return "the URL has no host"
    return None


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(where, key, f"expected a [{key}] table")
    return value


def _reject_unknown(table: Mapping[str, Any], known: tuple[str, ...], where: str, p: str) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(
                where, f"{p}{key}", f"unknown key (expected one of: {', '.join(known)})"
            )


_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _get(
    table: Mapping[str, Any],
    key: str,
    kind: type,
    default: Any,
    where: str,
    label: str,
    check: Callable[[Any], str | None] | None = None,
) -> Any:
    if key not in table:
        if default is None:
            raise ConfigError(where, label, f"missing; expected {_TYPE_NAMES[kind]}")
        return default
    value = table[key]
    ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
    if kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok:
        raise ConfigError(where, label, f"expected {_TYPE_NAMES[kind]}, got {value!r}")
    problem = check(value) if check else None
    if problem:
        raise ConfigError(where, label, f"expected {problem}, got {value!r}")
    return value


def _at_least(minimum: float) -> Callable[[Any], str | None]:
    return lambda v: None if v >= minimum else f"a value >= {minimum}"


def _above(minimum: float) -> Callable[[Any], str | None]:
    return lambda v: None if v > minimum else f"a value > {minimum}"
