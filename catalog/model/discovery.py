"""Finding environments: the one walker every command and the site's watcher use.

An asset directory is a directory with an asset.yaml; it is not searched further. The
directories no walk enters (``SKIPPED_DIRS`` and hidden ones) are decided here only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from catalog.files import NOT_DEFINITION_DIRS
from catalog.yaml_document import Document

ASSET_FILE = "asset.yaml"
ENVIRONMENT_TYPE = "environment"
SKIPPED_DIRS = NOT_DEFINITION_DIRS | {".hg", ".svn", "node_modules", ".venv", ".tox"}  # no asset is searched for there


def find_asset_files(root: Path, unreadable: list[tuple[Path, str]] | None = None) -> Iterator[Path]:
    """asset.yaml files under ``root``; an asset directory is not searched further.

    Directories that cannot be listed are added to ``unreadable``: environments in them
    would otherwise go unchecked without a word.
    """
    if os.path.isfile(root / ASSET_FILE):
        yield root / ASSET_FILE
        return

    def note(error: OSError) -> None:
        if unreadable is not None:
            unreadable.append((Path(error.filename or root), error.strerror or str(error)))

    for current, dirnames, filenames in os.walk(root, onerror=note, followlinks=False):
        if ASSET_FILE in filenames:
            dirnames[:] = []
            yield Path(current) / ASSET_FILE
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith("."))


def is_other_asset_type(doc: Document) -> bool:
    """Whether asset.yaml says it is an asset of another type (a component, a model, an
    evaluator, ...). A file that does not parse, or whose ``type`` is missing or not a
    string, may be a broken environment: it is checked, and the schema says what is wrong."""
    kind = doc.get("type") if doc.ok else None
    return isinstance(kind, str) and kind != ENVIRONMENT_TYPE
