"""The archive: keys, idempotent writes, revisions, atomicity, raw HTML, schema."""

from __future__ import annotations

import multiprocessing
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from archiver.archive import fetchlog, queries, record_refused_run, reextractions, schema, store
from archiver.errors import StoreError
from archiver.models import Article, FetchRecord, Page
from archiver.text import shingle_overlap

PREVIOUS_RELEASE = Path(__file__).parent / "fixtures" / "archives" / "a400d8e.sql"

ARTICLE = Article(
    text="Premier paragraphe.\n\nSecond paragraphe.",
    title="Titre",
    author="A. Auteur",
    published="2024-03-28",
    language="fr",
    tags=("IA", "tech"),
    canonical_url="https://blog.example/2024/03/titre/",
)


def page(
    url: str = "https://blog.example/2024/03/titre/?utm_source=rss",
    html: str = "<p>x</p>",
    when: int = 0,
) -> Page:
    record = FetchRecord(
        url=url,
        fetched_at=datetime(2024, 3, 28, 12, when, tzinfo=UTC),
        final_url=url,
        status=200,
        content_type="text/html",
        bytes=len(html),
    )
    return Page(
        url=url, final_url=url, html=html, raw=html.encode(), encoding="utf-8", record=record
    )


def count(db_path: Path, table: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute(f"select count(*) from {table}").fetchone()[0])


def test_saving_twice_is_idempotent(tmp_path: Path) -> None:
    """The same article saved twice: one row, no revision, the check time moves."""
    db = schema.open_archive(tmp_path / "a.db")
    first = store.save_article(db, ARTICLE, page(when=0))
    second = store.save_article(db, ARTICLE, page(when=5))
    assert (first.outcome, second.outcome) == ("new", "unchanged")
    row = queries.find_article(db, "https://blog.example/2024/03/titre/")
    assert row is not None
    assert row["first_seen"] == "2024-03-28T12:00:00+00:00"
    assert row["last_checked"] == "2024-03-28T12:05:00+00:00"
    assert row["tags"] == ["IA", "tech"]
    assert count(tmp_path / "a.db", "articles") == 1
    assert count(tmp_path / "a.db", "revisions") == 0


def test_changed_text_makes_a_revision(tmp_path: Path) -> None:
    """A new text keeps the old one in revisions, with the time span it was current."""
    db = schema.open_archive(tmp_path / "a.db")
    store.save_article(db, ARTICLE, page(when=0))
    edited = replace(ARTICLE, text=ARTICLE.text + "\n\nCorrection.")
    assert store.save_article(db, edited, page(html="<p>y</p>", when=9)).outcome == "changed"
    rev = list(db.query("select * from revisions"))
    assert [r["text"] for r in rev] == [ARTICLE.text]
    assert rev[0]["valid_from"] == "2024-03-28T12:00:00+00:00"
    assert rev[0]["valid_to"] == "2024-03-28T12:09:00+00:00"
    assert queries.find_article(db, ARTICLE.canonical_url or "")["text"] == edited.text  # type: ignore[index]
    assert count(tmp_path / "a.db", "raw_pages") == 2


def test_key_is_the_same_site_canonical(tmp_path: Path) -> None:
    """Two URLs of one article (tracking parameters, canonical link) give one row."""
    db = schema.open_archive(tmp_path / "a.db")
    store.save_article(db, ARTICLE, page("https://blog.example/?p=123"))
    store.save_article(db, ARTICLE, page("https://www.blog.example/2024/03/titre/?fbclid=x"))
    assert count(tmp_path / "a.db", "articles") == 1
    assert queries.find_article(db, "https://blog.example/?p=123") is not None


@pytest.mark.parametrize(
    ("canonical", "key"),
    [
        ("https://other.example/story", "https://blog.example/a"),
        ("https://blog.example/", "https://blog.example/a"),
        (None, "https://blog.example/a"),
        ("https://blog.example/b#x", "https://blog.example/b"),
    ],
)
def test_article_key(canonical: str | None, key: str) -> None:
    """Cross-site or home-page canonical links are not trusted as keys."""
    assert (
        store.article_key(replace(ARTICLE, canonical_url=canonical), "https://blog.example/a")
        == key
    )


def test_a_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error in the middle of saving rolls the whole article back."""
    db = schema.open_archive(tmp_path / "a.db")

    def broken(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "log_fetch", broken)
    with pytest.raises(StoreError, match="disk I/O error"):
        store.save_article(db, ARTICLE, page())
    for table in ("articles", "raw_pages", "article_urls", "fetches"):
        assert count(tmp_path / "a.db", table) == 0


def test_raw_html_is_kept_compressed(tmp_path: Path) -> None:
    """The raw page is stored zlib-compressed and comes back byte for byte."""
    db = schema.open_archive(tmp_path / "a.db")
    html = "<html><body>" + "<p>Un paragraphe répété.</p>" * 500 + "</body></html>"
    saved = store.save_article(db, ARTICLE, page(html=html))
    row = queries.find_article(db, saved.url)
    assert row is not None
    (blob,) = db.execute("select html_zlib from raw_pages").fetchone()
    assert len(blob) * 5 < len(html.encode())
    assert queries.raw_html(db, row["raw_sha256"]) == html.encode()


def test_schema_is_migrated_once(tmp_path: Path) -> None:
    """Opening twice applies the migrations once; WAL and the FTS triggers are on."""
    schema.open_archive(tmp_path / "a.db").close()
    db = schema.open_archive(tmp_path / "a.db")
    assert [m.name for m in schema.migrations.applied(db)] == [
        "m001_initial",
        "m002_runs_and_validators",
        "m003_templates_and_reextraction",
        "m004_hosts_and_views",
        "m005_fts_follows_title_and_text",
        "m006_capture_headers",
        "m007_skips_by_reason",
    ]
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db.table("articles").detect_fts() == "articles_fts"


def test_search_finds_accents_either_way(tmp_path: Path) -> None:
    """FTS ignores diacritics: `deja` finds `déjà`."""
    db = schema.open_archive(tmp_path / "a.db")
    store.save_article(db, replace(ARTICLE, text="Il était déjà là."), page())
    assert [r["title"] for r in queries.search_articles(db, "deja")] == ["Titre"]
    assert [r["title"] for r in queries.search_articles(db, "déjà")] == ["Titre"]


def test_failures_are_logged(tmp_path: Path) -> None:
    """A failed attempt is a fetch-log row with its reason."""
    db = schema.open_archive(tmp_path / "a.db")
    record = FetchRecord(url="https://x.test/", fetched_at=datetime.now(UTC), status=404)
    fetchlog.record_failure(db, record, reason="http_404", message="https://x.test/: http_404")
    assert list(db.query("select outcome, reason, status from fetches")) == [
        {"outcome": "failed", "reason": "http_404", "status": 404}
    ]


def test_very_common_words_list_newest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past RANKED_MATCHES matches, results come newest first instead of by bm25."""
    db = schema.open_archive(tmp_path / "a.db")
    for i, text in enumerate(["mot mot mot mot rare", "mot autre", "mot encore"]):
        url = f"https://blog.example/{i}"
        store.save_article(db, replace(ARTICLE, text=text, canonical_url=url), page(url))
    ranked = [r["url"] for r in queries.search_articles(db, "mot")]
    assert ranked[0] == "https://blog.example/0"  # bm25: the densest first
    monkeypatch.setattr(queries, "RANKED_MATCHES", 2)
    assert [r["url"] for r in queries.search_articles(db, "mot")] == [
        "https://blog.example/2",
        "https://blog.example/1",
        "https://blog.example/0",
    ]


def fts_rows(db: schema.Database) -> set[tuple[object, ...]]:
    """Every row of the full-text index's shadow tables: a re-index adds or rewrites some."""
    return {
        (table, *row)
        for table in ("data", "idx", "docsize")
        for row in db.execute(f"select * from articles_fts_{table}").fetchall()
    }


def test_a_recheck_leaves_the_full_text_index_alone(tmp_path: Path) -> None:
    """An unchanged article saved again, or answered 304, changes no row of the index; a
    changed text is re-indexed (and found)."""
    db = schema.open_archive(tmp_path / "a.db")
    store.save_article(db, ARTICLE, page())
    indexed = fts_rows(db)
    assert store.save_article(db, ARTICLE, page(when=2)).outcome == "unchanged"
    record = FetchRecord(url=page().url, fetched_at=datetime(2024, 3, 29, tzinfo=UTC), status=304)
    assert store.mark_not_modified(db, page().url, record) == "https://blog.example/2024/03/titre/"
    assert db.execute("select last_checked from articles").fetchone() == (
        "2024-03-29T00:00:00+00:00",
    )
    assert fts_rows(db) == indexed
    changed = replace(ARTICLE, text=ARTICLE.text + "\n\nTroisième paragraphe.")
    assert store.save_article(db, changed, page(when=3)).outcome == "changed"
    assert fts_rows(db) != indexed
    assert [r["title"] for r in queries.search_articles(db, "troisieme")] == ["Titre"]


def test_an_archive_of_the_previous_release_is_migrated_whole(tmp_path: Path) -> None:
    """An archive made by the release before m005 (commit a400d8e, dumped as SQL) opens,
    migrates, and keeps every article, revision and search hit; a 304 then leaves its
    index alone."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(PREVIOUS_RELEASE.read_text("utf-8"))
        before = conn.execute("select * from articles order by url").fetchall()
        revisions = conn.execute("select * from revisions").fetchall()
    db = schema.open_archive(path)
    assert [m.name for m in schema.migrations.applied(db)][-3:] == [
        "m005_fts_follows_title_and_text",
        "m006_capture_headers",
        "m007_skips_by_reason",
    ]
    assert db.execute("select * from articles order by url").fetchall() == before
    assert db.execute("select * from revisions").fetchall() == revisions and len(before) == 3
    assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    assert [r["title"] for r in queries.search_articles(db, "fahre")] == ["Die Fähre"]
    indexed = fts_rows(db)
    record = FetchRecord(url="https://news.example/1", fetched_at=datetime.now(UTC), status=304)
    assert store.mark_not_modified(db, record.url, record) == "https://news.example/1"
    assert fts_rows(db) == indexed


STORY = (
    "Le conseil municipal a voté mardi soir le budget de la ville pour l'année prochaine, "
    "après trois heures de débats sur les écoles, les transports et la piscine."
)
OTHER = (
    "La rédaction recommande aussi ces lectures: un reportage sur les vendanges, un entretien "
    "avec une romancière et notre sélection de podcasts pour les vacances d'été."
)


def claim(url: str, text: str, canonical: str) -> tuple[Article, Page]:
    return replace(ARTICLE, text=text, canonical_url=canonical), page(url)


def test_a_canonical_claim_with_another_text_keeps_both(tmp_path: Path) -> None:
    """A page whose canonical names another article with a different text is stored apart,
    the refused claim in its canonical_url and in the fetch log; the first text is intact."""
    db = schema.open_archive(tmp_path / "a.db")
    first = "https://blog.example/2024/03/budget/"
    store.save_article(db, *claim(first, STORY, first))
    saved = store.save_article(db, *claim("https://blog.example/lectures", OTHER, first))
    assert saved == store.SavedArticle("https://blog.example/lectures", "new")
    assert queries.find_article(db, first)["text"] == STORY  # type: ignore[index]
    kept = queries.find_article(db, "https://blog.example/lectures")
    assert kept is not None and kept["canonical_url"] == first
    log = list(db.query("select reason, error from fetches order by id"))
    assert log[0]["reason"] is None
    assert log[1]["reason"] == "canonical_refused" and first in log[1]["error"]
    assert count(tmp_path / "a.db", "revisions") == 0
    again = store.save_article(db, *claim("https://blog.example/lectures", OTHER, first))
    assert again.outcome == "unchanged"


def test_a_canonical_claim_with_the_same_text_merges(tmp_path: Path) -> None:
    """A copy of an article (its text a little edited) merges into it as a revision."""
    db = schema.open_archive(tmp_path / "a.db")
    first = "https://blog.example/2024/03/budget/"
    store.save_article(db, *claim(first, STORY, first))
    copy = STORY + " Le maire a remercié les agents."
    saved = store.save_article(db, *claim("https://blog.example/amp/budget", copy, first))
    assert saved == store.SavedArticle(first, "changed")
    assert count(tmp_path / "a.db", "articles") == 1
    assert list(db.query("select reason from fetches where reason is not null")) == []


@pytest.mark.parametrize(
    ("first", "second", "agree"),
    [
        (STORY, STORY, True),
        (STORY, STORY.upper() + " Et puis.", True),
        (STORY, OTHER, False),
        ("Trois mots seulement", "Trois mots seulement", True),
        ("Trois mots seulement", "Autres mots ici", False),
        ("", "", True),
        ("", STORY, False),
    ],
)
def test_shingle_overlap(first: str, second: str, agree: bool) -> None:
    """Texts agree when half the shorter one's 4-word shingles are in the other."""
    assert (shingle_overlap(first, second) >= store.CANONICAL_AGREEMENT) is agree


def test_reextraction_keeps_what_the_page_no_longer_says(tmp_path: Path) -> None:
    """A field the page does not yield (a feed's summary) survives `reextract`, and the log
    says it was kept; a field the page now says differently is updated."""
    db = schema.open_archive(tmp_path / "a.db")
    from_feed = replace(ARTICLE, description="Le résumé du flux.")
    key = store.save_article(db, from_feed, page()).url
    at = datetime(2024, 4, 1, tzinfo=UTC)
    assert reextractions.apply_reextraction(db, key, ARTICLE, at=at, extractor="t") is False
    row = db.execute("select description from articles").fetchone()
    assert row == ("Le résumé du flux.",)
    assert db.execute("select changed, reason from reextractions").fetchall() == [
        ("[]", "kept: description")
    ]
    retitled = replace(ARTICLE, title="Nouveau titre", description=None)
    assert reextractions.apply_reextraction(db, key, retitled, at=at, extractor="t") is True
    assert db.execute("select title, description from articles").fetchone() == (
        "Nouveau titre",
        "Le résumé du flux.",
    )


def _open_and_refuse(path: str, barrier: Any, refuse: bool, errors: Any) -> None:
    barrier.wait()
    try:
        db = schema.open_archive(Path(path))
        if refuse:
            record_refused_run(db, "another archiver run is using it")
        db.close()
    except StoreError as exc:
        errors.put(str(exc))


def test_two_processes_opening_a_new_archive_at_once(tmp_path: Path) -> None:
    """Two processes that open the same new archive at the same moment (two runs started
    together: one creates it, the refused one records its refusal) both succeed: turning WAL
    on and migrating do not wait for SQLite's busy timeout, so opening is queued."""
    context = multiprocessing.get_context("fork")
    errors = context.Queue()
    for i in range(8):
        path = str(tmp_path / f"archive{i}.db")
        barrier = context.Barrier(2)
        procs = [
            context.Process(target=_open_and_refuse, args=(path, barrier, refuse, errors))
            for refuse in (False, True)
        ]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join()
            assert proc.exitcode == 0
    found = [errors.get() for _ in range(errors.qsize())]
    assert found == []
