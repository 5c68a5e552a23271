"""What changed from one released version to the next: Dockerfile lines and package versions."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from catalog.model import EnvironmentAsset
from catalog.model.released import released_asset
from catalog.records.ledger import ReleasedVersion

ADDED, REMOVED, UPGRADED, DOWNGRADED, CHANGED = "added", "removed", "upgraded", "downgraded", "changed"


@dataclass(frozen=True)
class PackageChange:
    name: str
    old: str | None  # the version pinned before (or the specifier, when not pinned with ==)
    new: str | None
    kind: str  # ADDED, REMOVED, UPGRADED, DOWNGRADED or CHANGED


@dataclass(frozen=True)
class VersionDiff:
    previous: int | None  # the version compared with; None for a first release
    dockerfile: list[str]  # unified diff lines of the Dockerfile, without the file header
    packages: list[PackageChange]


def released_packages(asset: EnvironmentAsset | None) -> dict[str, str]:
    """Package name -> pinned version (or specifier) that a released asset's build context declares."""
    found: dict[str, str] = {}
    for package in asset.facts.packages if asset is not None else ():
        found.setdefault(package.name, package.pinned_version or package.specifier or "")
    return found


def package_changes(old: dict[str, str], new: dict[str, str]) -> list[PackageChange]:
    changes = []
    for name in sorted(old.keys() | new.keys()):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if before is None:
            changes.append(PackageChange(name, None, after, ADDED))
        elif after is None:
            changes.append(PackageChange(name, before, None, REMOVED))
        else:
            changes.append(PackageChange(name, before, after, _direction(before, after)))
    return changes


def _direction(before: str, after: str) -> str:
    try:
        return UPGRADED if Version(after) > Version(before) else DOWNGRADED
    except InvalidVersion:
        return CHANGED


def dockerfile_text(asset: EnvironmentAsset | None) -> str:
    return asset.dockerfile.text if asset is not None and asset.dockerfile is not None else ""


def version_diff(previous: ReleasedVersion | None, current: ReleasedVersion,
                 asset_of: Callable[[ReleasedVersion], EnvironmentAsset | None] = released_asset) -> VersionDiff:
    """What changed from ``previous`` to ``current``, each read as the asset tree it is
    (``asset_of``: a caller that compares many versions loads each tree once)."""
    if previous is None:
        return VersionDiff(None, [], [])
    before, after = asset_of(previous), asset_of(current)
    lines = list(difflib.unified_diff(dockerfile_text(before).splitlines(), dockerfile_text(after).splitlines(),
                                      lineterm="", n=2))[2:]
    return VersionDiff(previous.version, lines, package_changes(released_packages(before), released_packages(after)))
