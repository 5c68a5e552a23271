"""Decide what to release, and make the release the ledger records.

For each environment: check its identity (name, version, image name), pin it, hash the
pinned definition, and compare with its latest released version. Unchanged: nothing to
do. Changed: a new version, the previous plus one for ``version: auto`` (starting at 1),
or the version asset.yaml (or the spec) names; a version already released with another
definition is refused, and so is any environment whose ledger entries cannot all be
read (a damaged ``release.json`` is never written over as a new version).
"""

from __future__ import annotations

import datetime
import os
import weakref
from dataclasses import dataclass
from pathlib import Path

from catalog.image_ref import MCR_REGISTRY, parse_image_reference, published_reference, reference_problem
from catalog.model import EnvironmentAsset
from catalog.model.content_hash import content_hash
from catalog.pin.lookups import ImageQuery, PackageQuery
from catalog.pin.resolve import PinPlan
from catalog.records.identity import AUTO, identity_problems
from catalog.records.ledger import (
    Deprecation,
    PinnedBase,
    PinnedPackage,
    ReleaseLedger,
    ReleaseRecord,
    file_digests,
    release_date,
)
from catalog.template_tags import find_template_tags

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
        return self.environment.display_name

    def line(self) -> str:
        if self.action == NEW:
            return f"{self.name}: new version {self.version} ({self.reason})"
        if self.action == UNCHANGED:
            return f"{self.name}: unchanged ({self.reason})"
        return f"{self.name}: {self.action}: {self.reason}"


def identity_refusal(env: EnvironmentAsset) -> str | None:
    """Why ``env`` may not be released or built whatever lint is told to ignore, or None
    (worked out once per environment: the command and the decision both ask)."""
    if env not in _REFUSALS:
        _REFUSALS[env] = _identity_refusal(env)
    return _REFUSALS[env]


_REFUSALS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _identity_refusal(env: EnvironmentAsset) -> str | None:
    problems = identity_problems(env.name, env.version, env.image_name, env.context is None)
    if env.name is not None and env.version is None:
        problems.append("the environment has no version (version: auto, or a number, in asset.yaml)")
    if not problems:
        return None
    where = os.path.relpath(env.asset_file)
    return f"{where}: " + "; ".join(problems)


def pinned_hash(plan: PinPlan) -> str:
    """The content hash of the definition as pinned."""
    return content_hash(plan.environment, plan.texts, plan.image_name)


def decide(plan: PinPlan, ledger: ReleaseLedger) -> ReleaseDecision:
    env = plan.environment
    refusal = identity_refusal(env)
    if refusal:
        return ReleaseDecision(env, REFUSED, None, refusal, plan)
    damaged = [problem for problem in ledger.problems_of(env.name) if not problem.stale]
    if damaged:
        first = damaged[0]
        return ReleaseDecision(env, REFUSED, None, f"{os.path.relpath(first.path)}: {first.message}: repair or remove "
                               "it; nothing was written", plan)
    if plan.errors:
        return ReleaseDecision(env, FAILED, None, f"{len(plan.errors)} template tags could not be pinned", plan)
    if env.context is None and plan.image_name is not None:
        problem = reference_problem(plan.image_name)
        if problem:
            return ReleaseDecision(env, REFUSED, None, f"the pinned image {plan.image_name[:80]!r}: {problem}", plan)
    digest = pinned_hash(plan)
    latest = ledger.latest(env.name)
    wanted = env.requested_version
    if isinstance(wanted, int):
        existing = ledger.version(env.name, wanted)
        if existing is not None:
            if existing.content_hash == digest:
                return ReleaseDecision(env, UNCHANGED, wanted, f"version {wanted} holds this definition", plan, digest)
            return ReleaseDecision(
                env,
                REFUSED,
                wanted,
                f"version {wanted} is already released with another definition "
                f"({existing.content_hash}); raise the version in asset.yaml or use auto",
                plan,
                digest,
            )
        if latest is not None and wanted < latest.version:
            return ReleaseDecision(env, REFUSED, wanted, f"version {wanted} is older than the released version "
                                   f"{latest.version}; versions only go up", plan, digest)
        return ReleaseDecision(env, NEW, wanted, f"{digest[:19]}…", plan, digest)
    assert wanted == AUTO
    if latest is not None and latest.content_hash == digest:
        return ReleaseDecision(
            env, UNCHANGED, latest.version, f"version {latest.version} holds this definition", plan, digest
        )
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


def spec_values(decision: ReleaseDecision, release_dir: Path, base_dir: Path, commit: str | None,
                remote: str | None) -> dict[str, str | None]:
    env = decision.environment
    context = env.context
    values = {
        "asset.name": env.name,
        "asset.version": str(decision.version),
        "asset.repo.url": remote,
        "asset.repo.commit_hash": commit,
        "image.name": decision.pin.image_name,
        "image.publish.hostname": MCR_REGISTRY if env.publish_location == "mcr" else None,
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
            values = spec_values(decision, release_dir, base_dir, commit, remote)
            tree[relative] = render_spec(env.spec_doc.text, values).encode("utf-8")
    return tree


def make_release(decision: ReleaseDecision, ledger: ReleaseLedger, base_dir: Path, lookups, when: datetime.datetime,
                 commit: str | None, remote: str | None) -> Path:
    """Write the decided release into the ledger; returns its directory."""
    version, _ = _new_version(decision)
    target = ledger.version_directory(decision.name, version)
    files = release_files(decision, target, base_dir, commit, remote)
    record = release_record(decision, files, when, commit, lookups)
    return ledger.write(record, files)


def _new_version(decision: ReleaseDecision) -> tuple[int, str]:
    """The version number and content hash of a decision to release."""
    if decision.version is None or decision.content_hash is None:
        raise ValueError(f"{decision.name}: only a decided new version is released")  # a bug, not the user's
    return decision.version, decision.content_hash


def release_record(decision: ReleaseDecision, files: dict[str, bytes], when: datetime.datetime, commit: str | None,
                   lookups) -> ReleaseRecord:
    version, digest = _new_version(decision)
    env = decision.environment
    facts = env.facts
    base = None
    if facts.base_image is not None:
        reference = pinned_base_reference(decision)
        base_image_digest, endpoint = base_digest(reference, decision.pin, lookups)
        base = PinnedBase(facts.base_image.written, reference, base_image_digest, endpoint)
    packages = tuple(PinnedPackage(use.query.project, use.value, lookups.endpoint(use.query))
                     for use in decision.pin.uses if isinstance(use.query, PackageQuery) and use.value)
    image_name = decision.pin.image_name
    return ReleaseRecord(
        name=decision.name,
        version=version,
        date=release_date(when),
        content_hash=digest,
        source_hash=env.content_hash,
        image=published_reference(image_name, str(version)) if image_name else None,
        base_image=base,
        source_commit=commit,
        deprecation=Deprecation(
            env.deprecated, facts.delete_on.isoformat() if facts.delete_on else None, facts.replacement
        ),
        packages=packages,
        files=file_digests(files),
    )


def base_digest(reference: str | None, plan: PinPlan, lookups) -> tuple[str | None, str | None]:
    """(the digest of the pinned base image, the registry endpoint that told it, or that
    answered the base image's template tag when the digest is written or unknown)."""
    if reference is None:
        return None, None
    digest, endpoint = lookups.image_digest(reference)
    if endpoint is None:
        parsed = parse_image_reference(reference)
        image_use = next((use for use in plan.uses if isinstance(use.query, ImageQuery)
                          and (use.query.registry, use.query.repository) == (parsed.registry, parsed.repository)), None)
        endpoint = lookups.endpoint(image_use.query) if image_use is not None else None
    return digest, endpoint  # without a digest, the release still records the tag it was built from


def pinned_base_reference(decision: ReleaseDecision) -> str | None:
    """The final stage's base image reference, as pinned."""
    return pinned_base(decision.environment, decision.pin)


def pinned_base(env: EnvironmentAsset, plan: PinPlan) -> str | None:
    base = env.facts.base_image
    if base is None or env.context is None:
        return None
    for use in plan.uses:
        if use.file == env.context.dockerfile and use.line == base.line and use.value and use.text in base.written:
            written = use.separator + use.text if use.replaces_separator else use.text
            return base.written.replace(written, use.value)
    return base.reference
