"""Rules about what an environment releases: its definition and the release ledger."""

from __future__ import annotations

import os
from collections.abc import Iterator

from catalog.finding import Location, Problem, Severity
from catalog.lint.context import LintContext
from catalog.lint.rules import rule
from catalog.model import EnvironmentAsset


@rule("CAT006", "duplicate-definition", Severity.WARNING, compares_definitions=True)
def duplicate_definition(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """Two environments build the same image: their definitions have the same content hash.

    The content hash covers what determines the image: the Dockerfile's instructions
    (base image included), the build-context files they copy and the platform; not the
    name, version, description or tags (`catalog hash` prints it). Looks at the whole
    catalog.

    **Why:** two entries for one image split users and double the work of patching it;
    usually one is a copy that was meant to change (a framework bump that never
    happened).

    **Bad:** `sklearn-1.5` and `sklearn-1.5-copy` with the same Dockerfile and
    requirements.txt.

    **Good:** one environment, or the copy changed the way it was meant to.
    """
    if env.context is None or env.dockerfile is None:
        return
    group = ctx.equal_to(env)  # indexed once for the catalog: a group of thousands costs each member O(1)
    if len(group) < 2:
        return
    first = group[1] if group[0] is env else group[0]
    more = f" and {len(group) - 2} more" if len(group) > 2 else ""
    yield Problem(
        env.name_location(),
        f"builds the same image as {first.display_name} ({os.path.relpath(first.asset_file)}){more}: "
        f"their definitions hash to {env.content_hash[:19]}…",
    )


@rule("CAT007", "ledger")
def ledger(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """The release ledger does not match its files, or a changed environment reuses a released version.

    Each `releases/<name>/<version>/release.json` lists the SHA-256 of every released
    file; a file changed, added or removed since is reported, and so is a record that
    cannot be read (damaged, too large, a symbolic link, a path leaving the release), a
    version directory not named by a canonical number (`01`), and a staging directory an
    interrupted release left behind. An environment whose
    asset.yaml names an explicit version that is already in the ledger must still
    have the definition that version was released with (the same content hash).

    **Why:** a released version must say exactly what it contains: users pin it, and
    the image under that tag does not change. Editing a release, or changing an
    environment without raising its explicit version, breaks that promise.

    **Bad:** `asset.yaml` says `version: 3`, version 3 is in the ledger, and
    requirements.txt was changed since.

    **Good:** `version: 4` (or `version: auto`), then `catalog release`.
    """
    if env.name is None or not ctx.has_ledger:
        return
    entries = ctx.ledger.versions(env.name)
    for problem in ctx.ledger.problems:
        if problem.name is None and problem.path == ctx.ledger.root:  # the whole ledger is unreadable
            yield Problem(Location(problem.path), problem.message)
    for problem in ctx.ledger.problems_of(env.name):
        yield Problem(Location(problem.path), problem.message)
    for entry in entries:
        mismatches = entry.mismatches()
        if mismatches:
            more = f" (and {len(mismatches) - 1} more)" if len(mismatches) > 1 else ""
            yield Problem(Location(entry.release_file),
                          f"version {entry.version} does not match its files: {mismatches[0]}{more}; "
                          "a release is never edited, release a new version instead")
    version = env.requested_version
    if isinstance(version, int):
        released = next((entry for entry in entries if entry.version == version), None)
        if released is not None and released.source_hash not in (None, env.content_hash):
            yield Problem(env.asset_doc.location("version") if env.asset_doc.has("version") else env.name_location(),
                          f"version {version} is already released with another definition; raise the version "
                          "(or use auto) before releasing this change")


@rule("CAT009", "build-report")
def build_report(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """A build report of the environment cannot be read.

    `build-reports/<name>/<version>.json` must be a regular file (not a symbolic link,
    in no linked directory), at most 4 MB, valid JSON that
    `schemas/build-report.schema.json` accepts and that names this environment and
    version; anything else in the directory is reported too. The site leaves such a
    report out, and the next build does not trust it.

    **Why:** build reports are the evidence the site publishes; one that was damaged,
    or replaced by a link to another file, must not be shown as a verified build.

    **Bad:** `build-reports/sklearn-1.5/next.json` is a link to another repository's report.

    **Good:** the report `catalog build` wrote, or none (run `catalog build` again).
    """
    if env.name is None or not ctx.has_build_reports:
        return
    for problem in ctx.build_reports.of_environment(env.name).problems:
        yield Problem(Location(problem.path), problem.message)
