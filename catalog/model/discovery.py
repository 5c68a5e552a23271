"""Finding environments: the one walker every command and the site's watcher use.

An asset directory is a directory with an asset.yaml; it is not searched further. The
directories no walk enters (``SKIPPED_DIRS`` and hidden ones) are decided here only.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from catalog.files import NOT_DEFINITION_DIRS
from catalog.yaml_document import Document

ASSET_FILE = "asset.yaml"
ENVIRONMENT_TYPE = "environment"
SKIPPED_DIRS = NOT_DEFINITION_DIRS | {".hg", ".svn", "node_modules", ".venv", ".tox"}  # no asset is searched for there


def searched(name: str) -> bool:
    """Whether a directory of this name is searched for assets (or watched for them)."""
    return name not in SKIPPED_DIRS and not name.startswith(".")


def walk_assets(root: Path | str, on_unreadable: Callable[[str, str], None] | None = None,
                list_assets: bool = True) -> Iterator[tuple[str, list[os.DirEntry] | None]]:
    """(asset directory, its entries) for each asset directory under ``root``, in name order.

    The one walker: every directory is listed once, an asset directory is not searched
    further, links to directories are not followed, and ``searched`` says which
    directories are skipped. With ``list_assets=False`` an asset directory is recognised
    by one ``lstat`` of its asset.yaml and not listed (its entries are None). Directories
    that cannot be listed go to ``on_unreadable(path, reason)``: the environments in them
    would otherwise go unchecked without a word.
    """
    pending = [os.fspath(root)]
    while pending:
        current = pending.pop()
        if not list_assets and _is_asset_file(os.path.join(current, ASSET_FILE)):
            yield current, None
            continue
        try:
            with os.scandir(current) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as exc:
            if on_unreadable is not None:
                on_unreadable(current, exc.strerror or str(exc))
            continue
        if any(entry.name == ASSET_FILE and not entry.is_dir() for entry in entries):
            yield current, entries
            continue
        pending.extend(entry.path for entry in reversed(entries)
                       if entry.is_dir(follow_symlinks=False) and searched(entry.name))


def _is_asset_file(path: str) -> bool:
    """What a listing counts as a file: anything but a directory or a link to one."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return not stat.S_ISDIR(info.st_mode) and not (stat.S_ISLNK(info.st_mode) and os.path.isdir(path))


def find_asset_files(root: Path, unreadable: list[tuple[Path, str]] | None = None) -> Iterator[Path]:
    """asset.yaml files under ``root`` (``walk_assets``); unreadable directories are added
    to ``unreadable``."""
    def note(path: str, reason: str) -> None:
        if unreadable is not None:
            unreadable.append((Path(path), reason))

    for directory, _ in walk_assets(root, note, list_assets=False):
        yield Path(directory) / ASSET_FILE


_TOP_LEVEL_TYPE = re.compile(r"""^type:[ \t]*(["']?)([A-Za-z0-9_.-]+)\1[ \t]*(?:#.*)?$""", re.MULTILINE)


_YAML_1_1_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null"})


def declares_other_type(text: str) -> bool:
    """Whether asset.yaml's text plainly declares another asset type, without parsing it:
    one top-level ``type:`` line with a simple value, in a file of one document. (A line at
    column 0 cannot belong to an indented block; anything less plain is parsed.)"""
    found = _TOP_LEVEL_TYPE.findall(text)
    if len(found) != 1 or "\n---" in text or "\n%" in text or text.startswith(("---", "%")):
        return False
    quote, value = found[0]
    if not quote and (not value[0].isalpha() or value.lower() in _YAML_1_1_WORDS):
        return False  # unquoted, YAML reads it as a number, a boolean or null: not a type; the schema says so
    return value != ENVIRONMENT_TYPE


def is_other_asset_type(doc: Document) -> bool:
    """Whether asset.yaml says it is an asset of another type (a component, a model, an
    evaluator, ...). A file that does not parse, or whose ``type`` is missing or not a
    string, may be a broken environment: it is checked, and the schema says what is wrong."""
    kind = doc.get("type") if doc.ok else None
    return isinstance(kind, str) and kind != ENVIRONMENT_TYPE
