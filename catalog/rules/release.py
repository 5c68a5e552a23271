"""Rules about what an environment releases: its definition and the release ledger."""

from __future__ import annotations

import os
from typing import Iterator

from catalog.finding import Problem, Severity
from catalog.model import EnvironmentAsset
from catalog.rules import rule


@rule("CAT006", "duplicate-definition", Severity.WARNING)
def duplicate_definition(env: EnvironmentAsset, ctx) -> Iterator[Problem]:
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
    shared = ctx.equal_definitions
    if not any(env in group for group in shared.values()):
        return
    same = [other for other in shared.get(env.content_hash, []) if other is not env]
    if not same:
        return
    first = same[0]
    more = f" and {len(same) - 1} more" if len(same) > 1 else ""
    yield Problem(
        env.name_location(),
        f"builds the same image as {first.name or first.directory.name} ({os.path.relpath(first.asset_file)}){more}: "
        f"their definitions hash to {env.content_hash[:19]}…",
    )
