"""The archive: the only package that talks SQL (sqlite-utils underneath).

    schema         tables, migrations, opening an archive (WAL, busy timeout)
    store          articles, revisions, raw pages, article URLs
    fetchlog       the fetch log, and each capture's status line and headers
    templates      paragraph fingerprints and the site templates learned from them
    state          url_state: HTTP validators, and what the archive knows of a URL
    runs           runs and run_sources
    reextractions  stored pages read back, re-extraction applied and logged
    queries        the read side: search, history, stats, export rows
    export         JSON Lines, CSV, Markdown and text files
    datasette      `archiver serve`: Datasette with the shipped metadata

Outside this package, code imports the names below, or `queries`, `export` and `datasette`
for the read side; the rest is private to it.
"""

from sqlite_utils import Database

from archiver.archive.fetchlog import record_document, record_failure
from archiver.archive.reextractions import (
    StoredPage,
    apply_reextraction,
    log_reextraction_failure,
    stored_pages,
)
from archiver.archive.runs import finish_run, record_refused_run, start_run
from archiver.archive.schema import open_archive, schema_sql
from archiver.archive.state import (
    forget_validators,
    known_url,
    recent_articles,
    recent_refusals,
    save_validators,
)
from archiver.archive.store import (
    SavedArticle,
    WriteBatch,
    mark_not_modified,
    save_article,
    save_extracted,
)
from archiver.archive.templates import template_fingerprints

__all__ = [
    "Database",
    "SavedArticle",
    "StoredPage",
    "WriteBatch",
    "apply_reextraction",
    "finish_run",
    "forget_validators",
    "known_url",
    "log_reextraction_failure",
    "mark_not_modified",
    "open_archive",
    "recent_articles",
    "recent_refusals",
    "record_document",
    "record_failure",
    "record_refused_run",
    "save_article",
    "save_extracted",
    "save_validators",
    "schema_sql",
    "start_run",
    "stored_pages",
    "template_fingerprints",
]
