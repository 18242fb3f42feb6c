"""Re-extraction in the archive: the stored pages read back, an article's fields replaced
in place, and the `reextractions` log (table `reextractions`)."""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from archiver.archive.store import ARTICLE_FIELDS, content_hash
from archiver.archive.templates import save_paragraphs
from archiver.errors import StoreError
from archiver.models import Article, iso_utc
from archiver.urls import host_of


@dataclass(frozen=True)
class StoredPage:
    """An archived article's stored HTML (the raw bytes as downloaded), for re-extraction."""

    article_url: str
    fetched_url: str
    raw: bytes
    encoding: str
    content_hash: str


def stored_pages(db: Database, host: str | None = None) -> Iterator[StoredPage]:
    """Every archived article's raw HTML (of `host` only, if given), one at a time."""
    rows = db.execute(
        "SELECT a.url, a.fetched_url, r.html_zlib, r.encoding, a.content_hash "
        "FROM articles a JOIN raw_pages r ON r.sha256 = a.raw_sha256 ORDER BY a.rowid"
    )
    wanted = host.lower().removeprefix("www.") if host else None
    for url, fetched, blob, encoding, digest in rows:
        if wanted is None or host_of(url) == wanted:
            yield StoredPage(
                url, fetched or url, zlib.decompress(blob), encoding or "utf-8", digest
            )


def apply_reextraction(
    db: Database, url: str, article: Article, *, at: datetime, extractor: str
) -> bool:
    """Replace an article's extracted fields in place (not a new revision) and log it;
    returns whether anything changed. A field the page no longer yields keeps what the
    archive knew (a feed's title or summary, an earlier author): re-extraction never loses
    metadata, and the log says which fields were kept (`reason` "kept: ...")."""
    rows = list(db.table("articles").rows_where("url = ?", [url]))
    if not rows:
        return False
    old = rows[0]
    new: dict[str, Any] = {f: getattr(article, f) for f in ARTICLE_FIELDS if f != "canonical_url"}
    kept = sorted(f for f, v in new.items() if not v and old.get(f))
    new.update({f: old[f] for f in kept})
    new.update(
        text=article.text,
        tags=json.dumps(list(article.tags), ensure_ascii=False),
        word_count=article.word_count,
        content_hash=content_hash(replace(article, title=new["title"])),
    )
    changed = sorted(k for k, v in new.items() if old.get(k) != v)
    try:
        with db.atomic():
            db.table("articles").update(url, {**new, "extractor": extractor})
            save_paragraphs(db, url, article, iso_utc(at))
            if changed or kept:
                db.table("reextractions").insert(
                    {
                        "article_url": url,
                        "at": iso_utc(at),
                        "extractor": extractor,
                        "old_hash": old["content_hash"],
                        "new_hash": new["content_hash"],
                        "changed": json.dumps(changed),
                        "reason": f"kept: {', '.join(kept)}" if kept else None,
                    }
                )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot store the re-extraction of {url}: {exc}") from exc
    return bool(changed)


def log_reextraction_failure(
    db: Database, url: str, reason: str, *, at: datetime, extractor: str
) -> None:
    """A stored page the current extractor refuses: logged, the article is kept as it was."""
    try:
        with db.atomic():
            db.table("reextractions").insert(
                {"article_url": url, "at": iso_utc(at), "extractor": extractor, "reason": reason}
            )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot log the re-extraction of {url}: {exc}") from exc
