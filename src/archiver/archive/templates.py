"""Paragraph fingerprints and site templates (tables `article_paragraphs`, `templates`): the
paragraphs a site repeats on many of its pages, learned from the archive."""

from __future__ import annotations

from sqlite_utils import Database

from archiver.models import Article
from archiver.text import paragraph_fingerprint
from archiver.urls import host_of


def save_paragraphs(db: Database, key: str, article: Article, now: str) -> None:
    """Record which paragraphs (by fingerprint) the article has, and count each one's pages
    per host: a paragraph on many pages of a site is that site's template."""
    conn = db.conn
    host = host_of(key)
    old = {
        r[0]
        for r in conn.execute(
            "SELECT fingerprint FROM article_paragraphs WHERE article_url = ?", [key]
        )
    }
    new = set(article.paragraph_fingerprints)
    gone, added = sorted(old - new), sorted(new - old)
    conn.executemany(
        "DELETE FROM article_paragraphs WHERE article_url = ? AND fingerprint = ?",
        [(key, f) for f in gone],
    )
    conn.executemany(
        "UPDATE templates SET pages = pages - 1 WHERE host = ? AND fingerprint = ?",
        [(host, f) for f in gone],
    )
    if not added:
        return
    samples = {paragraph_fingerprint(p): p[:300] for p in article.text.split("\n\n")}
    conn.executemany(
        "INSERT INTO article_paragraphs (article_url, fingerprint, host) VALUES (?, ?, ?)",
        [(key, f, host) for f in added],
    )
    conn.executemany(
        "INSERT INTO templates (host, fingerprint, pages, sample, first_seen, last_seen) "
        "VALUES (?, ?, 1, ?, ?, ?) ON CONFLICT(host, fingerprint) DO UPDATE SET "
        "pages = pages + 1, last_seen = excluded.last_seen, "
        "sample = coalesce(templates.sample, excluded.sample)",
        [(host, f, samples.get(f), now, now) for f in added],
    )


def template_fingerprints(db: Database, host: str, min_pages: int) -> frozenset[str]:
    """Fingerprints of the paragraphs seen on at least `min_pages` pages of `host`."""
    rows = db.conn.execute(
        "SELECT fingerprint FROM templates WHERE host = ? AND pages >= ?", [host, min_pages]
    )
    return frozenset(r[0] for r in rows)
