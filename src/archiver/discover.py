"""Turn configured sources into candidate URLs; pure, never fetches.

A `urls` source lists its candidates itself. Feeds, sitemaps and listing pages (the other
kinds `config` knows) will parse a downloaded document into candidates here too, so the
pipeline asks this module, never the config, what to archive.
"""

from __future__ import annotations

from collections.abc import Iterable

from archiver.config import SourceSettings
from archiver.models import Candidate
from archiver.urls import normalize_url


def source_candidates(source: SourceSettings) -> list[Candidate]:
    """The candidate URLs a source lists directly, normalized and without duplicates."""
    if source.kind != "urls":
        raise ValueError(f"source {source.name!r}: kind {source.kind!r} needs a download first")
    return unique_candidates(Candidate(url, source.name) for url in source.urls)


def unique_candidates(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Candidates with normalized URLs, each URL once, in first-seen order."""
    seen: set[str] = set()
    out: list[Candidate] = []
    for candidate in candidates:
        try:
            url = normalize_url(candidate.url)
        except ValueError:
            url = candidate.url  # kept as given: the fetcher reports it as a bad URL
        if url not in seen:
            seen.add(url)
            out.append(Candidate(url, candidate.source))
    return out
