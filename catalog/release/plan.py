"""Decide what to release, and write releases into the ledger.

For each environment: pin it, hash the pinned definition, and compare with its latest
released version. Unchanged: nothing to do. Changed: a new version, the previous plus
one for ``version: auto`` (starting at 1), or the version asset.yaml names; a version
already released with another definition is refused.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from catalog.model import EnvironmentAsset
from catalog.pin.lookups import PackageQuery
from catalog.pin.resolve import PinPlan
from catalog.release.content_hash import content_hash
from catalog.release.ledger import ReleaseLedger, release_record
from catalog.template_tags import find_template_tags

MCR_HOSTNAME = "mcr.microsoft.com"
UNCHANGED, NEW, REFUSED, FAILED = "unchanged", "new", "refused", "failed"


@dataclass
class ReleaseDecision:
    environment: EnvironmentAsset
    action: str  # UNCHANGED, NEW, REFUSED or FAILED
    version: int | None
    reason: str
    pin: PinPlan
    content_hash: str | None = None

    @property
    def name(self) -> str:
        return self.environment.name or self.environment.directory.name

    def line(self) -> str:
        if self.action == NEW:
            return f"{self.name}: new version {self.version} ({self.reason})"
        if self.action == UNCHANGED:
            return f"{self.name}: unchanged ({self.reason})"
        return f"{self.name}: {self.action}: {self.reason}"


def pinned_texts(plan: PinPlan) -> dict[str, str]:
    """Build-context relative path -> pinned text, for the content hash."""
    return {pinned.relative: pinned.pinned for pinned in plan.files}


def decide(plan: PinPlan, ledger: ReleaseLedger) -> ReleaseDecision:
    env = plan.environment
    if plan.errors:
        return ReleaseDecision(env, FAILED, None, f"{len(plan.errors)} template tags could not be pinned", plan)
    if env.name is None:
        return ReleaseDecision(env, FAILED, None, "the environment has no name", plan)
    digest = content_hash(env, pinned_texts(plan))
    latest = ledger.latest(env.name)
    wanted = env.version
    if isinstance(wanted, bool) or not (wanted == "auto" or (isinstance(wanted, int) and wanted > 0)):
        return ReleaseDecision(env, FAILED, None, f"version {wanted!r} is neither auto nor a positive integer", plan, digest)
    if isinstance(wanted, int):
        existing = ledger.version(env.name, wanted)
        if existing is not None:
            if existing.content_hash == digest:
                return ReleaseDecision(env, UNCHANGED, wanted, f"version {wanted} holds this definition", plan, digest)
            return ReleaseDecision(env, REFUSED, wanted, f"version {wanted} is already released with another definition "
                                   f"({existing.content_hash}); raise the version in asset.yaml or use auto", plan, digest)
        if latest is not None and wanted < latest.version:
            return ReleaseDecision(env, REFUSED, wanted, f"version {wanted} is older than the released version "
                                   f"{latest.version}; versions only go up", plan, digest)
        return ReleaseDecision(env, NEW, wanted, f"{digest[:19]}…", plan, digest)
    if latest is not None and latest.content_hash == digest:
        return ReleaseDecision(env, UNCHANGED, latest.version, f"version {latest.version} holds this definition", plan, digest)
    version = latest.version + 1 if latest is not None else 1
    reason = f"{digest[:19]}…" + (f", was {latest.content_hash[:19]}… in version {latest.version}" if latest else "")
    return ReleaseDecision(env, NEW, version, reason, plan, digest)


def render_spec(text: str, values: dict[str, str | None]) -> str:
    """The spec with the ``{{asset.*}}`` and ``{{image.*}}`` tags it knows replaced;
    unknown tags are left as written."""
    for tag in reversed(find_template_tags(text)):
        value = values.get(tag.name) if tag.argument is None else None
        if value is not None:
            text = text[: tag.start] + value + text[tag.end :]
    return text


def spec_values(env: EnvironmentAsset, version: int, release_dir: Path, base_dir: Path,
                commit: str | None, remote: str | None) -> dict[str, str | None]:
    context = env.context
    values = {
        "asset.name": env.name,
        "asset.version": str(version),
        "asset.repo.url": remote,
        "asset.repo.commit_hash": commit,
        "image.name": env.image_name,
        "image.publish.hostname": MCR_HOSTNAME if env.publish_location == "mcr" else None,
    }
    if context is not None:
        context_dir = Path(os.path.relpath(context.directory, env.directory)).as_posix()
        values["image.context.path"] = context_dir
        values["image.dockerfile.path"] = context.relative(context.dockerfile)
        values["asset.repo.build_context.path"] = Path(os.path.relpath(release_dir / context_dir, base_dir)).as_posix()
    return values


def release_files(decision: ReleaseDecision, release_dir: Path, base_dir: Path, commit: str | None,
                  remote: str | None) -> dict[str, bytes]:
    """The files of the release directory: the pinned asset, its spec rendered."""
    from catalog.pin.copy import pinned_tree

    env = decision.environment
    tree = pinned_tree(decision.pin)
    if env.spec_doc is not None and env.spec_path is not None:
        relative = Path(os.path.relpath(env.spec_path, env.directory)).as_posix()
        if relative in tree:
            values = spec_values(env, decision.version, release_dir, base_dir, commit, remote)
            tree[relative] = render_spec(env.spec_doc.text, values).encode("utf-8")
    return tree


def record_for(decision: ReleaseDecision, files: dict[str, bytes], when: datetime.datetime,
               commit: str | None, base_digest: str | None) -> dict:
    env = decision.environment
    facts = env.facts
    base = None
    if facts.base_image is not None:
        base = {"written": facts.base_image.written, "reference": pinned_base_reference(decision), "digest": base_digest}
    packages = [{"name": use.query.project, "version": use.value}
                for use in decision.pin.uses if isinstance(use.query, PackageQuery) and use.value]
    return release_record(
        name=decision.name, version=decision.version, date=when, content_hash=decision.content_hash,
        source_hash=env.content_hash, image=f"{MCR_HOSTNAME}/{env.image_name}:{decision.version}" if env.image_name else None,
        base_image=base, source_commit=commit,
        deprecation={"deprecated": env.deprecated, "delete_on": facts.delete_on.isoformat() if facts.delete_on else None,
                     "replacement": facts.replacement},
        packages=packages, files=files,
    )


def pinned_base_reference(decision: ReleaseDecision) -> str | None:
    """The final stage's base image reference, as pinned."""
    env = decision.environment
    base = env.facts.base_image
    if base is None:
        return None
    for use in decision.pin.uses:
        if use.file == env.context.dockerfile and use.line == base.line and use.value and use.text in base.written:
            written = use.separator + use.text if use.replaces_separator else use.text
            return base.written.replace(written, use.value)
    return base.reference
