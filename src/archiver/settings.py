"""The settings of archiver as frozen dataclasses, with their defaults (what `config.py` reads
`config.toml` into)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from archiver import __version__
from archiver.errors import ConfigError
from archiver.models import SiteRule

DEFAULT_CONFIG = Path("config.toml")
CONFIG_ENV = "ARCHIVER_CONFIG"
DEFAULT_USER_AGENT = f"archiver/{__version__} (article archiver; Python httpx)"
SOURCE_KINDS = ("urls", "feed", "sitemap", "page")
SOURCE_OPTIONS = ("name", "links", "include", "exclude", "max_new", "max_age_days")
DAY = 86_400.0
# Age of an article -> how often it is re-checked; past the last age, never again.
DEFAULT_RECHECK = ((1 * DAY, 3 * 3600.0), (7 * DAY, 1 * DAY), (30 * DAY, 7 * DAY))


@dataclass(frozen=True)
class ArchiveSettings:
    """Where the SQLite archive lives (and the WARC file of each run, if wanted)."""

    path: Path = Path("archive.db")
    warc_dir: Path | None = None


@dataclass(frozen=True)
class FetchSettings:
    """How pages are downloaded: limits, politeness, identity."""

    user_agent: str = DEFAULT_USER_AGENT
    contact: str | None = None
    timeout: float = 30.0
    max_bytes: int = 5_000_000
    concurrency: int = 4
    per_host_concurrency: int = 1
    per_host_delay: float = 1.0
    respect_robots: bool = True
    retries: int = 2
    max_redirects: int = 5
    allow_private_addresses: bool = False
    proxy: str | None = None

    @property
    def user_agent_header(self) -> str:
        """The User-Agent sent: the configured one, with the contact URL when there is one."""
        return f"{self.user_agent} (+{self.contact})" if self.contact else self.user_agent


@dataclass(frozen=True)
class ExtractSettings:
    """The quality gate, and when a recurring paragraph counts as a site's template."""

    min_words: int = 30
    template_min_pages: int = 5
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    timeout: float = 30.0
    scheduler: str = ""  # a Dask scheduler ("tcp://host:8786"): extraction on its workers


@dataclass(frozen=True)
class SourceSettings:
    """One `[[sources]]` entry: a name, its kind and the URLs it starts from."""

    name: str
    kind: str
    urls: tuple[str, ...]
    links: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_new: int = 100
    max_age_days: float | None = None


@dataclass(frozen=True)
class RecheckSettings:
    """When known articles are downloaded again: (age, interval) steps in seconds."""

    steps: tuple[tuple[float, float], ...] = DEFAULT_RECHECK

    def interval(self, age: float) -> float | None:
        """How long to wait between checks of an article this old; None: never again."""
        for limit, every in self.steps:
            if age < limit:
                return every
        return None


@dataclass(frozen=True)
class Config:
    """The whole configuration, as loaded from one file (or the defaults)."""

    path: Path | None = None
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    recheck: RecheckSettings = field(default_factory=RecheckSettings)
    sources: tuple[SourceSettings, ...] = ()
    sites: tuple[SiteRule, ...] = ()

    def only_sources(self, names: Iterable[str]) -> Config:
        """The same configuration with only the named sources (all when none is named)."""
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return self
        known = {s.name for s in self.sources}
        unknown = [n for n in wanted if n not in known]
        if unknown:
            listed = ", ".join(sorted(known)) or "none"
            raise ConfigError(
                str(self.path), "sources", f"no source named {', '.join(unknown)} ({listed})"
            )
        return replace(self, sources=tuple(s for s in self.sources if s.name in wanted))

    def site_rule(self, url: str) -> SiteRule | None:
        """The `[[sites]]` rule for a URL's host (`www.` ignored), if any."""
        host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
        for rule in self.sites:
            if rule.host.lower().removeprefix("www.") == host:
                return rule
        return None
