"""A pinned copy of an environment: its asset directory with the template files pinned."""

from __future__ import annotations

import os
from pathlib import Path

from catalog.files import NOT_DEFINITION_DIRS
from catalog.pin.resolve import PinPlan

MAX_COPIED_BYTES = 256 << 20  # an asset directory is small; more is a mistake worth stopping for


class CopyRefused(Exception):
    pass


def asset_files(directory: Path) -> dict[str, Path]:
    """Regular files of an asset directory by relative POSIX path; symlinks are not followed
    (lint reports those that leave the asset)."""
    found: dict[str, Path] = {}
    total = 0
    for current, dirnames, filenames in os.walk(directory, followlinks=False):
        dirnames[:] = sorted(name for name in dirnames if name not in NOT_DEFINITION_DIRS)
        for name in sorted(filenames):
            path = Path(current) / name
            if path.is_symlink() or not path.is_file():
                continue
            total += path.stat().st_size
            if total > MAX_COPIED_BYTES:
                raise CopyRefused(f"{directory}: more than {MAX_COPIED_BYTES >> 20} MB of files")
            found[path.relative_to(directory).as_posix()] = path
    return found


def pinned_tree(plan: PinPlan) -> dict[str, bytes]:
    """Every file of the asset, with each template file's text pinned."""
    env = plan.environment
    pinned = {Path(os.path.relpath(file.path, env.directory)).as_posix(): file.pinned.encode("utf-8")
              for file in plan.files}
    tree = {}
    for relative, path in asset_files(env.directory).items():
        tree[relative] = pinned[relative] if relative in pinned else path.read_bytes()
    return tree
