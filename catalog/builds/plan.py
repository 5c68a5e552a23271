"""What to build: each environment pinned and hashed, named by its version, and left
alone when its last passing build was of the same definition.

The version of a build is the released version whose content hash equals the pinned
definition's (any release, so a definition reverted to an old release builds as that
release), or ``next`` for a definition not released yet. The image is tagged
``<image name>:<version>``, and also with the version asset.yaml names when that is
another number.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from catalog.model import EnvironmentAsset
from catalog.pin.resolve import PinPlan
from catalog.records.build_report import NEXT, BuildReports
from catalog.records.identity import is_safe_name
from catalog.records.ledger import ReleasedVersion, ReleaseLedger
from catalog.release.plan import identity_refusal, pinned_base, pinned_hash

BUILD, SKIP, FAIL = "build", "skip", "fail"


@dataclass
class BuildTarget:
    environment: EnvironmentAsset
    action: str  # BUILD, SKIP or FAIL
    reason: str
    pin: PinPlan | None = None
    content_hash: str | None = None
    version: str = NEXT
    tags: list[str] = field(default_factory=list)
    base_reference: str | None = None  # the final stage's base image, pinned
    released_base_digest: str | None = None  # the base image digest the release of this version pinned

    @property
    def name(self) -> str:
        return self.environment.display_name

    def line(self) -> str:
        if self.action == BUILD:
            return f"{self.name}: to build as {self.tags[0]} ({self.reason})"
        if self.action == SKIP:
            return f"{self.name}: skipped ({self.reason})"
        return f"{self.name}: failed: {self.reason}"


def released_version(ledger: ReleaseLedger, name: str, digest: str) -> ReleasedVersion | None:
    """The newest released version of ``name`` whose definition hashes to ``digest``."""
    for entry in reversed(ledger.versions(name)):
        if entry.content_hash == digest:
            return entry
    return None


def plan_target(plan: PinPlan, ledger: ReleaseLedger, reports: BuildReports, rebuild_all: bool,
                relative_to: str | None = None) -> BuildTarget:
    env = plan.environment
    if env.context is None:
        return BuildTarget(env, SKIP, "a pre-built image: no build context to build")
    refusal = identity_refusal(env)
    name = env.name
    if refusal or not is_safe_name(name):
        return BuildTarget(env, FAIL, f"refused: {refusal}")
    if plan.errors:
        first = plan.errors[0]
        more = f" (and {len(plan.errors) - 1} more)" if len(plan.errors) > 1 else ""
        return BuildTarget(env, FAIL, f"cannot pin {first.where(relative_to)}: {first.message}{more}", plan)
    digest = pinned_hash(plan)
    released = released_version(ledger, name, digest)
    version = str(released.version) if released is not None else NEXT
    image = env.image_repository
    tags = [f"{image}:{version}"]
    wanted = env.requested_version
    if isinstance(wanted, int) and str(wanted) != version:
        tags.append(f"{image}:{wanted}")
    target = BuildTarget(env, BUILD, "", plan, digest, version, tags)
    last = None if rebuild_all else reports.last_passed(name)
    if last is not None and last.content_hash == digest:
        target.action = SKIP
        target.reason = f"unchanged since its build of {last.finished_at} passed (version {last.asset_version})"
        return target  # deciding nothing needs building reads no more than this: no facts, no spec
    # the environment's facts (the spec, every declared package) are read only for what is built
    target.base_reference = pinned_base(env, plan)
    if released is not None and released.record.base_image is not None:
        target.released_base_digest = released.record.base_image.digest
    if last is not None:
        target.reason = f"changed since its last passing build ({last.finished_at})"
    else:
        target.reason = "every build requested" if rebuild_all else "no passing build yet"
    return target


def plan_builds(plans: list[PinPlan], ledger: ReleaseLedger, reports: BuildReports, rebuild_all: bool,
                relative_to: str | None = None) -> list[BuildTarget]:
    return [plan_target(plan, ledger, reports, rebuild_all, relative_to) for plan in plans]


def environments_changed(envs: list[EnvironmentAsset], changed: list[Path]) -> list[EnvironmentAsset]:
    """The environments that hold one of the ``changed`` files."""
    directories = {os.path.realpath(env.directory): env for env in envs}
    hit: set[str] = set()
    for path in changed:
        probe = os.path.realpath(path.parent) if not path.is_dir() else os.path.realpath(path)
        while True:
            if probe in directories:
                hit.add(probe)
                break
            parent = os.path.dirname(probe)
            if parent == probe:
                break
            probe = parent
    return [env for env in envs if os.path.realpath(env.directory) in hit]
