"""The versions of an environment that the site shows, read from the release ledger.

Released versions come from ``releases/<name>/<version>/`` through
``catalog.records.ledger`` (the one reader of the ledger): their dates, content hashes,
pinned base images, pinned build files, and what changed from the version before.
The working copy is a version of its own, "next (unreleased)", while its definition
differs from the latest release (or nothing is released yet).

Each version carries the build report of its image (``catalog build`` names a report
by the version it built: ``<number>.json``, or ``next.json`` for the working copy), and
the package changes from the version before as read from the two images' inventories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from catalog.image_ref import published_reference
from catalog.model import EnvironmentAsset
from catalog.model.facts import normalize_package
from catalog.model.released import build_files, released_asset
from catalog.records.build_report import NEXT, BuildReport, parse_time
from catalog.records.identity import is_canonical_version
from catalog.records.ledger import RELEASE_FILE, ReleasedVersion, ReleaseLedger
from catalog.release.diff import package_changes, version_diff

UNRELEASED_TAG = "latest"
MAX_SHOWN_FILE = 128 * 1024


@dataclass(frozen=True)
class EnvironmentVersion:
    label: str  # as shown: "3", or "next (unreleased)"
    image_tag: str  # the tag to pull
    released: bool
    date: str | None = None
    content_hash: str | None = None
    base_image: dict | None = None  # {"reference", "digest"} as pinned
    previous: int | None = None  # the version the changes are from
    packages: list[dict] = field(default_factory=list)  # {"name", "old", "new", "kind"}
    dockerfile_diff: list[str] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)  # (path, text) of the pinned build files
    build: BuildReport | None = None  # the build report of this version's image
    built_changes: dict | None = None  # {"from", "packages"}: the inventory against the version before's
    unreadable: str | None = None  # why its release record cannot be read (nothing else is shown of it)
    image: str | None = None  # the published image, as the release recorded it

    def as_json(self, image: str) -> dict:
        document = {"label": self.label, "released": self.released, "image": image, "date": self.date,
                    "content_hash": self.content_hash, "base_image": self.base_image,
                    "changes": None if self.previous is None else {"from": self.previous, "packages": self.packages,
                                                                   "dockerfile": self.dockerfile_diff},
                    "build": self.build, "built_changes": self.built_changes}
        if self.unreadable is not None:
            document["unreadable"] = self.unreadable
        return document


def _released(previous: ReleasedVersion | None, current: ReleasedVersion,
              asset_of: Callable[[ReleasedVersion], EnvironmentAsset | None]) -> EnvironmentVersion:
    diff = version_diff(previous, current, asset_of)
    files = [(relative, text) for relative, text in build_files(asset_of(current)) if len(text) <= MAX_SHOWN_FILE]
    base = current.record.base_image
    return EnvironmentVersion(
        label=str(current.version), image_tag=str(current.version), released=True, date=current.date,
        content_hash=current.content_hash, image=current.record.image,
        base_image={"reference": base.reference, "digest": base.digest} if base is not None else None,
        previous=diff.previous,
        packages=[{"name": c.name, "old": c.old, "new": c.new, "kind": c.kind} for c in diff.packages],
        dockerfile_diff=diff.dockerfile, files=files,
    )


def environment_versions(env: EnvironmentAsset, ledger: ReleaseLedger,
                         reports: list[BuildReport]) -> list[EnvironmentVersion]:
    """The environment's versions, newest first, each with its build report from ``reports``
    (the environment's completed reports, newest first). A version whose release record
    cannot be read is listed as such, with nothing read from its directory."""
    released = ledger.versions(env.name)
    assets = {version.version: released_asset(version) for version in released}  # each tree in two comparisons

    def asset_of(version: ReleasedVersion) -> EnvironmentAsset | None:
        return assets[version.version]

    versions = [
        _released(previous, current, asset_of)
        for previous, current in zip([None, *released[:-1]], released, strict=False)
    ]
    versions.extend(_unreadable(env, ledger))
    versions.sort(key=lambda version: int(version.label))
    versions.reverse()
    latest = released[-1] if released else None
    # the newest build of ``next``, unless what it built was released since (then it is that version's build)
    next_build = next((report for report in reports if report.asset_version == NEXT), None)
    if next_build is not None and next_build.content_hash in {v.content_hash for v in versions}:
        next_build = None
    wanted = env.requested_version
    label = f"{wanted} (unreleased)" if isinstance(wanted, int) else "next (unreleased)"
    if latest is None or latest.source_hash != env.content_hash:
        versions.insert(0, EnvironmentVersion(label, UNRELEASED_TAG, False, content_hash=env.content_hash,
                                              build=next_build))
    elif next_build is not None and next_build.content_hash and _finished_after(next_build, latest.date):
        # The working copy is written as the latest release, but its template tags pin to
        # newer values now: a build of that since the release is of the version a release
        # would make next.
        versions.insert(0, EnvironmentVersion(label, UNRELEASED_TAG, False, content_hash=next_build.content_hash,
                                              build=next_build))
    return _with_builds(versions, reports)


def _unreadable(env: EnvironmentAsset, ledger: ReleaseLedger) -> list[EnvironmentVersion]:
    """Versions whose release.json cannot be read: shown by number, with nothing from their directory."""
    found = []
    for problem in ledger.problems_of(env.name):
        if problem.path.name == RELEASE_FILE and is_canonical_version(problem.path.parent.name):
            number = problem.path.parent.name
            found.append(EnvironmentVersion(number, number, False, unreadable=problem.message))
    return found


def _finished_after(report: BuildReport, day: str | None) -> bool:
    finished, released = parse_time(report.finished_at), parse_time(day or "")
    return finished is not None and (released is None or finished > released)


def _with_builds(versions: list[EnvironmentVersion], reports: list[BuildReport]) -> list[EnvironmentVersion]:
    """Each released version with its newest build report, and every version's inventory
    compared with that of the nearest older version that was built.

    A released version without a report of its own takes the newest report whose content
    hash is its own: the build of the working copy that was then released as it.
    """
    by_name: dict[str, BuildReport] = {}
    by_hash: dict[str, BuildReport] = {}
    for each in reports:  # newest first: the first one of each kind wins
        by_name.setdefault(each.asset_version, each)
        if each.content_hash:
            by_hash.setdefault(each.content_hash, each)
    found = [version.build if not version.released
             else by_name.get(version.label) or (by_hash.get(version.content_hash) if version.content_hash else None)
             for version in versions]
    with_builds = []
    for position, (version, report) in enumerate(zip(versions, found, strict=False)):
        older = next(
            ((v, r) for v, r in zip(versions[position + 1 :], found[position + 1 :], strict=False) if r is not None),
            None,
        )
        changes = None
        if report is not None and older is not None and report.packages and older[1].packages:
            changes = {"from": older[0].label, "packages": [
                {"name": c.name, "old": c.old, "new": c.new, "kind": c.kind}
                for c in package_changes(inventory(older[1]), inventory(report))]}
        with_builds.append(replace(version, build=report, built_changes=changes))
    return with_builds


def inventory(report: BuildReport | None) -> dict[str, str]:
    """Package name (normalized) -> version, as the build read them from the image."""
    found: dict[str, str] = {}
    for item in (report.packages or ()) if report is not None else ():
        found.setdefault(normalize_package(item.name), item.version)
    return found


def image_reference(env: EnvironmentAsset, version: EnvironmentVersion) -> str:
    """Where the published image lives: ``mcr.microsoft.com/azureml/curated/<name>:<tag>``
    (for a released version, as its release recorded it)."""
    if version.image:
        return version.image
    return published_reference(env.image_repository, version.image_tag)
