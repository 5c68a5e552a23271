"""The versions of an environment that the site shows.

There is no release ledger yet: an environment's only version is the one in its
asset.yaml, and ``auto`` means the next release, not yet published. When the ledger
exists, ``environment_versions`` reads it instead; nothing else needs to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.model import EnvironmentAsset

MCR = "mcr.microsoft.com"
UNRELEASED_TAG = "latest"


@dataclass(frozen=True)
class EnvironmentVersion:
    label: str  # as shown: "3", or "next (unreleased)"
    image_tag: str  # the tag to pull
    released: bool


def environment_versions(env: EnvironmentAsset) -> list[EnvironmentVersion]:
    """The environment's versions, newest first."""
    version = env.version
    if isinstance(version, int) and not isinstance(version, bool) and version > 0:
        return [EnvironmentVersion(str(version), str(version), True)]
    return [EnvironmentVersion("next (unreleased)", UNRELEASED_TAG, False)]


def image_reference(env: EnvironmentAsset, version: EnvironmentVersion) -> str:
    """Where the published image lives: ``mcr.microsoft.com/azureml/curated/<name>:<tag>``."""
    repository = env.image_name or f"azureml/curated/{env.name}"
    return f"{MCR}/{repository}:{version.image_tag}"
