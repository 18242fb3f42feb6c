"""Datasette on the archive: the metadata shipped with the package, and `archiver serve`.

The metadata file is for the Datasette 0.65 line on PyPI. Datasette 1.0 splits it in two:
table settings (facets, sort, hidden, fts, canned queries) move to `datasette.yaml`
(`--config`), and only title and descriptions stay in metadata.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from archiver.errors import DatasetteMissing

METADATA = "datasette-metadata.json"
INSTALL_HINT = "pip install 'archiver[datasette]' (or: pip install 'datasette>=0.65,<1')"


def metadata_for(archive: Path) -> dict[str, Any]:
    """The shipped metadata, its database entry named after the archive file."""
    text = resources.files("archiver.archive").joinpath(METADATA).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    data["databases"] = {archive.stem: data["databases"]["archive"]}
    return data


def serve(archive: Path, *, host: str, port: int) -> int:
    """Run Datasette on the archive (until stopped); its exit code."""
    if importlib.util.find_spec("datasette") is None:
        raise DatasetteMissing(f"Datasette is not installed: {INSTALL_HINT}")
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as metadata:
        json.dump(metadata_for(archive), metadata)
        metadata.flush()
        command = [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            str(archive),
            "--metadata",
            metadata.name,
            "--host",
            host,
            "--port",
            str(port),
        ]
        return subprocess.call(command)
