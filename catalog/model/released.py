"""A released version as what it is: an asset tree, read through the model like any other.

The ledger (``catalog.records.ledger``) says which versions exist and what their files
were; the model reads the pinned files of one: its build context as its own
environment.yaml places it (``image.context.dir``), its Dockerfile, its facts.
"""

from __future__ import annotations

import os

from catalog.model.asset import EnvironmentAsset
from catalog.model.catalog import load_environment
from catalog.model.discovery import ASSET_FILE
from catalog.records.ledger import ReleasedVersion

DEFINING_SUFFIXES = (".txt", ".yaml", ".yml")  # beside the Dockerfile: requirement and conda files


def released_asset(version: ReleasedVersion) -> EnvironmentAsset | None:
    """The pinned asset of ``version``; None when its asset.yaml is not one of the files it
    lists, or is not a regular file (the ledger check reports that)."""
    asset_file = version.directory / ASSET_FILE
    if ASSET_FILE not in version.record.files or os.path.islink(asset_file) or not os.path.isfile(asset_file):
        return None
    return load_environment(asset_file)


def build_files(asset: EnvironmentAsset | None) -> list[tuple[str, str]]:
    """(path relative to the asset, text) of the build context's text files that define the
    image (the Dockerfile, requirement and conda files), in path order."""
    if asset is None or asset.context is None:
        return []
    files = []
    for path in asset.context.files:
        name = path.name.lower()
        if path in asset.context.symlinks or not (name.endswith("dockerfile") or name.endswith(DEFINING_SUFFIXES)):
            continue
        text = asset.context.text_of(path)
        if text is not None:
            files.append((path.relative_to(asset.directory).as_posix(), text))
    return sorted(files)

