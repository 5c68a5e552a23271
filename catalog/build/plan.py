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
from catalog.release.content_hash import content_hash
from catalog.release.ledger import ReleaseLedger
from catalog.release.plan import ReleaseDecision, pinned_base_reference, pinned_texts
from catalog.site.build_reports import NEXT, last_passed_report

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

    @property
    def name(self) -> str:
        return self.environment.name or self.environment.directory.name

    def line(self) -> str:
        if self.action == BUILD:
            return f"{self.name}: to build as {self.tags[0]} ({self.reason})"
        if self.action == SKIP:
            return f"{self.name}: skipped ({self.reason})"
        return f"{self.name}: failed: {self.reason}"


def image_name(env: EnvironmentAsset) -> str:
    return env.image_name or f"azureml/curated/{env.name or env.directory.name}"


def released_version(ledger: ReleaseLedger, name: str, digest: str) -> int | None:
    """The newest released version of ``name`` whose definition hashes to ``digest``."""
    for entry in reversed(ledger.versions(name)):
        if entry.content_hash == digest:
            return entry.version
    return None


def plan_target(plan: PinPlan, ledger: ReleaseLedger, reports_dir: Path, rebuild_all: bool,
                relative_to: str | None = None) -> BuildTarget:
    env = plan.environment
    if env.context is None:
        return BuildTarget(env, SKIP, "a pre-built image: no build context to build")
    if env.name is None:
        return BuildTarget(env, FAIL, f"{os.path.relpath(env.asset_file, relative_to or os.curdir)}: the environment has no name")
    if plan.errors:
        first = plan.errors[0]
        more = f" (and {len(plan.errors) - 1} more)" if len(plan.errors) > 1 else ""
        return BuildTarget(env, FAIL, f"cannot pin {first.where(relative_to)}: {first.message}{more}", plan)
    digest = content_hash(env, pinned_texts(plan))
    released = released_version(ledger, env.name, digest)
    version = str(released) if released is not None else NEXT
    image = image_name(env)
    tags = [f"{image}:{version}"]
    if isinstance(env.version, int) and not isinstance(env.version, bool) and str(env.version) != version:
        tags.append(f"{image}:{env.version}")
    target = BuildTarget(env, BUILD, "", plan, digest, version, tags)
    last = None if rebuild_all else last_passed_report(reports_dir, env.name)
    if last is not None and last.get("content_hash") == digest:
        target.action = SKIP
        target.reason = f"unchanged since its build of {last['finished_at']} passed (version {last.get('asset_version')})"
        return target  # deciding nothing needs building reads no more than this: no facts, no spec
    # the environment's facts (the spec, every declared package) are read only for what is built
    target.base_reference = pinned_base_reference(ReleaseDecision(env, "build", None, "", plan))
    if last is not None:
        target.reason = f"changed since its last passing build ({last['finished_at']})"
    else:
        target.reason = "every build requested" if rebuild_all else "no passing build yet"
    return target


def plan_builds(plans: list[PinPlan], ledger: ReleaseLedger, reports_dir: Path, rebuild_all: bool,
                relative_to: str | None = None) -> list[BuildTarget]:
    return [plan_target(plan, ledger, reports_dir, rebuild_all, relative_to) for plan in plans]


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
