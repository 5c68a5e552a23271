"""What changed from one released version to the next: Dockerfile lines and package versions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from catalog.model.facts import packages_in_file
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


def released_packages(version: ReleasedVersion) -> dict[str, str]:
    """Package name -> pinned version (or specifier) across the released build files."""
    found: dict[str, str] = {}
    for relative in sorted(version.record.files):
        if not relative.startswith("context/") and relative != "Dockerfile":
            continue  # only the build context holds what the image installs
        text = version.file_text(relative)
        if text is None:
            continue
        for package in packages_in_file(relative, text, relative):
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


def dockerfile_text(version: ReleasedVersion) -> str | None:
    names = [name for name in version.record.files if name.rsplit("/", 1)[-1].lower().endswith("dockerfile")]
    return version.file_text(sorted(names, key=len)[0]) if names else None


def version_diff(previous: ReleasedVersion | None, current: ReleasedVersion) -> VersionDiff:
    if previous is None:
        return VersionDiff(None, [], [])
    before, after = dockerfile_text(previous) or "", dockerfile_text(current) or ""
    lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=2))[2:]
    return VersionDiff(
        previous.version, lines, package_changes(released_packages(previous), released_packages(current))
    )
