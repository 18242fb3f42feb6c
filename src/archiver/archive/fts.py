"""What people type in a search box, as an FTS5 MATCH expression: one translation for the
CLI's `archiver search` and for Datasette's search box.

A query that is valid FTS5 (`"a phrase"`, `prefix*`, `AND`, `OR`, `NOT`, `title:word`,
`NEAR(...)`) is used as it is. Anything else is read word by word, the way a search engine
reads it: `l'été`, `covid-19`, `U.S.`, `dumpster-fire` and `d'Amazon` each become a phrase
of their words (what the tokenizer makes of the text too), `-word` excludes a word,
`word*` stays a prefix, a quoted phrase stays a phrase (an unclosed quote is closed), and
`AND`/`OR`/`NOT` between two terms stay operators.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence

from archiver.errors import QueryError

COLUMNS = ("title", "text")
OPERATORS = ("AND", "OR", "NOT")
_TOKEN = re.compile(r'"[^"]*"?|\S+')
_WORD = re.compile(r"\w")


def is_valid(query: str, columns: Sequence[str] = COLUMNS) -> bool:
    """Whether FTS5 parses `query` (checked on an empty in-memory index: no archive needed)."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(f"CREATE VIRTUAL TABLE q USING fts5({', '.join(columns)})")
        conn.execute("SELECT count(*) FROM q WHERE q MATCH ?", [query]).fetchone()
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()
    return True


def match_expression(
    query: str,
    *,
    strict: bool,
    valid: Callable[[str], bool] = is_valid,
    columns: Sequence[str] = COLUMNS,
) -> str:
    """The MATCH expression for `query`: itself when it is valid FTS5, else its words read
    as a search engine reads them. `strict` (the CLI): a misplaced operator or an unclosed
    quote is a QueryError saying so; otherwise (a search box) they are searched as words."""
    if query.strip() and valid(query):
        return query
    expression = _translate(query, strict=strict, columns=columns)
    if valid(expression):
        return expression
    if strict:
        raise QueryError(f"bad search query {query!r}: not valid FTS5")
    return " ".join(t for t in (_quote(w) for w in query.split()) if t) or '""'


def _translate(query: str, *, strict: bool, columns: Sequence[str]) -> str:
    parts: list[str] = []
    pending: str | None = None
    for token in _TOKEN.findall(query):
        if token in OPERATORS:
            if parts and pending is None:
                pending = token
                continue
            _misplaced(query, token, strict)
            term = _quote(token)
        elif token.startswith("-") and len(token) > 1 and parts and pending is None:
            term = _term(token[1:], query, strict, columns)
            pending = "NOT" if term is not None else None
        else:
            term = _term(token, query, strict, columns)
        if term is None:
            continue
        if pending is not None:
            parts.append(pending)
            pending = None
        parts.append(term)
    if pending is not None:
        _misplaced(query, pending, strict)
        parts.append(_quote(pending) or "")
    return " ".join(parts) or '""'


def _term(token: str, query: str, strict: bool, columns: Sequence[str]) -> str | None:
    if token.startswith('"'):
        if strict and (len(token) == 1 or not token.endswith('"')):
            raise QueryError(f"bad search query {query!r}: a quote is not closed")
        return _quote(token.strip('"'))
    column, colon, rest = token.partition(":")
    if colon and column in columns and rest:
        inner = _term(rest, query, strict, columns)
        return f"{column}:{inner}" if inner else None
    if token.endswith("*") and _WORD.search(token):
        quoted = _quote(token.rstrip("*"))
        return quoted + "*" if quoted else None
    return _quote(token)


def _quote(text: str) -> str | None:
    """A phrase of `text`'s words, or None when it holds no word at all (`-`, `.`)."""
    if not _WORD.search(text):
        return None
    return '"' + text.replace('"', '""') + '"'


def _misplaced(query: str, operator: str, strict: bool) -> None:
    if strict:
        raise QueryError(f"bad search query {query!r}: {operator} needs a term on each side")
