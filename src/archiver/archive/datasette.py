"""Datasette on the archive: the metadata, plugin and templates shipped with the package, and
`archiver serve`.

The metadata file is for the Datasette 0.65 line on PyPI. Datasette 1.0 splits it in two:
table settings (facets, sort, hidden, fts, canned queries) move to `datasette.yaml`
(`--config`), and only title and descriptions stay in metadata. The plugin
(`datasette_plugin`) is registered by the command `archiver serve` runs, not installed into
Datasette, so other Datasette uses on the machine are left as they are.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from archiver.errors import DatasetteMissing

METADATA = "datasette-metadata.json"
TEMPLATES = "datasette-templates"
PLUGIN = "archiver.archive.datasette_plugin"
INSTALL_HINT = "pip install 'archiver[datasette]' (or: pip install 'datasette>=0.65,<1')"


def metadata_for(archive: Path) -> dict[str, Any]:
    """The shipped metadata, its database entry named after the archive file (as Datasette
    names it) and the home page's links pointing at it."""
    text = resources.files("archiver.archive").joinpath(METADATA).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    data["databases"] = {archive.stem: data["databases"]["archive"]}
    # The shipped links point at /archive (an archive.db served by plain Datasette).
    data["description_html"] = data["description_html"].replace(
        'href="/archive', 'href="/' + quote(archive.stem)
    )
    return data


@contextmanager
def templates_dir() -> Iterator[Path]:
    """The folder of the shipped templates, as a path Datasette can read."""
    with resources.as_file(resources.files("archiver.archive").joinpath(TEMPLATES)) as path:
        yield path


def serve(archive: Path, *, host: str, port: int) -> int:
    """Run Datasette on the archive (until stopped), with archiver's metadata, plugin and
    templates; its exit code."""
    if importlib.util.find_spec("datasette") is None:
        raise DatasetteMissing(f"Datasette is not installed: {INSTALL_HINT}")
    with (
        tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as metadata,
        templates_dir() as templates,
    ):
        json.dump(metadata_for(archive), metadata)
        metadata.flush()
        command = [
            sys.executable,
            "-m",
            PLUGIN,
            "serve",
            str(archive),
            "--metadata",
            metadata.name,
            "--template-dir",
            str(templates),
            "--setting",
            "suggest_facets",
            "off",
            "--host",
            host,
            "--port",
            str(port),
        ]
        return subprocess.call(command)
