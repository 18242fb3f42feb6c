"""Docs that cannot drift: the README names every command and shows the current schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archiver.archive.schema import open_archive, schema_sql
from archiver.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_documented(command: str) -> None:
    """Each CLI command has a line in the README."""
    assert f"archiver {command}" in README


def test_readme_schema_is_current(tmp_path: Path) -> None:
    """The schema block in the README is what a new archive holds."""
    block = re.search(
        r"<!-- schema:start -->\n```sql\n(.*?)\n```\n<!-- schema:end -->", README, re.DOTALL
    )
    assert block is not None
    assert block.group(1) == schema_sql(open_archive(tmp_path / "a.db"))


def test_readme_exit_codes_match_the_cli() -> None:
    """Every exit code the CLI defines is documented."""
    from archiver import cli as module

    for name in dir(module):
        if name.startswith("EXIT_"):
            assert f"`{getattr(module, name)}`" in README, name


def test_example_config_says_how_to_check_it() -> None:
    """config.toml points to `archiver check`, which reads it, not to `run --help`."""
    example = (Path(__file__).parent.parent / "config.toml").read_text(encoding="utf-8")
    assert "Check it with: archiver check" in example
    assert "run --help" not in example
