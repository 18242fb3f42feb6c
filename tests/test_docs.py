"""Docs that cannot drift: the README names every command and shows the current schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.cli import cli
from archiver.store import open_archive

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_documented(command: str) -> None:
    """Each CLI command has a line in the README."""
    assert f"archiver {command}" in README


def test_readme_schema_is_current(tmp_path: Path) -> None:
    """The schema block in the README is what a new archive holds."""
    db = open_archive(tmp_path / "a.db")
    for table in ("articles", "revisions", "raw_pages", "article_urls", "fetches"):
        assert db.table(table).schema in README, table
