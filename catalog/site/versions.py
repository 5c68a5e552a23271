"""The versions of an environment that the site shows, read from the release ledger.

Released versions come from ``releases/<name>/<version>/`` through
``catalog.release.ledger`` (the one reader of the ledger): their dates, content hashes,
pinned base images, pinned build files, and what changed from the version before.
The working copy is a version of its own, "next (unreleased)", while its definition
differs from the latest release (or nothing is released yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.model import EnvironmentAsset
from catalog.release.diff import version_diff
from catalog.release.ledger import ReleaseLedger, ReleasedVersion

MCR = "mcr.microsoft.com"
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

    def as_json(self, image: str) -> dict:
        return {"label": self.label, "released": self.released, "image": image, "date": self.date,
                "content_hash": self.content_hash, "base_image": self.base_image,
                "changes": None if self.previous is None else {"from": self.previous, "packages": self.packages,
                                                               "dockerfile": self.dockerfile_diff}}


def _released(previous: ReleasedVersion | None, current: ReleasedVersion) -> EnvironmentVersion:
    diff = version_diff(previous, current)
    files = []
    for relative in sorted(current.record.get("files", {})):
        name = relative.rsplit("/", 1)[-1].lower()
        if relative.startswith("context/") and (name.endswith("dockerfile") or name.endswith((".txt", ".yaml", ".yml"))):
            text = current.file_text(relative)
            if text is not None and len(text) <= MAX_SHOWN_FILE:
                files.append((relative, text))
    base = current.record.get("base_image")
    return EnvironmentVersion(
        label=str(current.version), image_tag=str(current.version), released=True, date=current.date,
        content_hash=current.content_hash,
        base_image={"reference": base.get("reference"), "digest": base.get("digest")} if isinstance(base, dict) else None,
        previous=diff.previous,
        packages=[{"name": c.name, "old": c.old, "new": c.new, "kind": c.kind} for c in diff.packages],
        dockerfile_diff=diff.dockerfile, files=files,
    )


def environment_versions(env: EnvironmentAsset, ledger: ReleaseLedger | None = None) -> list[EnvironmentVersion]:
    """The environment's versions, newest first."""
    released = ledger.versions(env.name) if ledger is not None and env.name else []
    versions = [_released(previous, current) for previous, current in zip([None, *released[:-1]], released)]
    versions.reverse()
    latest = released[-1] if released else None
    if latest is None or latest.source_hash != env.content_hash:
        wanted = env.version
        label = f"{wanted} (unreleased)" if isinstance(wanted, int) and not isinstance(wanted, bool) else "next (unreleased)"
        versions.insert(0, EnvironmentVersion(label, UNRELEASED_TAG, False, content_hash=env.content_hash))
    return versions


def image_reference(env: EnvironmentAsset, version: EnvironmentVersion) -> str:
    """Where the published image lives: ``mcr.microsoft.com/azureml/curated/<name>:<tag>``."""
    repository = env.image_name or f"azureml/curated/{env.name}"
    return f"{MCR}/{repository}:{version.image_tag}"
