"""The directory a build reads: the environment's pinned copy, with its Dockerfile
adjusted for this machine.

The copy is what ``catalog pin`` would write (the content hash is of that); only the
Dockerfile handed to the builder, kept outside the build context, differs: a FROM of a
registry that has a mirror ([tool.catalog.pin] registry-mirrors) names the mirror, and
a builder may add what it needs (docker mounts the CA bundle as a secret).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from catalog.dockerfile_model import parse_dockerfile_text
from catalog.pin.copy import asset_files, pinned_tree
from catalog.pin.resolve import PinPlan

_FROM = re.compile(r"^(?P<head>[ \t]*from[ \t]+(?:--\S+[ \t]+)*)(?P<image>\S+)", re.IGNORECASE | re.MULTILINE)
_ARG = re.compile(r"^(?P<head>[ \t]*arg[ \t]+\w+=[\"']?)(?P<image>[^\s\"']+)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Mirror:
    registry: str  # the host a FROM names, e.g. mcr.microsoft.com
    prefix: str  # what replaces it: host[:port][/path]
    plain_http: bool


def mirrors_from(settings: dict[str, str]) -> list[Mirror]:
    found = []
    for registry, url in settings.items():
        scheme, _, rest = url.partition("://")
        found.append(Mirror(registry.lower(), rest.rstrip("/"), scheme.lower() == "http"))
    return found


def insecure_hosts(mirrors: list[Mirror]) -> tuple[str, ...]:
    return tuple(sorted({mirror.prefix.split("/", 1)[0] for mirror in mirrors if mirror.plain_http}))


def mirror_references(text: str, mirrors: list[Mirror]) -> str:
    """FROM lines (and ARG defaults that FROM lines use) naming a mirrored registry name the mirror."""

    def replace(match: re.Match) -> str:
        image = match.group("image")
        host, slash, rest = image.partition("/")
        for mirror in mirrors:
            if slash and host.lower() == mirror.registry:
                return match.group("head") + f"{mirror.prefix}/{rest}"
        return match.group(0)

    return _ARG.sub(replace, _FROM.sub(replace, text))


@dataclass
class BuildCopy:
    context: Path
    dockerfile: Path  # outside the context: the builder's own copy


def write_build_copy(plan: PinPlan, work: Path, mirrors: list[Mirror], prepare) -> BuildCopy:
    """Write the pinned copy under ``work/asset`` and the builder's Dockerfile beside it.

    ``prepare(text, run_lines)`` is the builder's last word on the Dockerfile."""
    env = plan.environment
    context = env.context
    if context is None:
        raise ValueError(f"{env.name}: a pre-built image has no build copy")  # planned as a skip, never built
    asset = work / "asset"
    sources = asset_files(env.directory)
    for relative, data in pinned_tree(plan).items():
        path = asset / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if relative in sources:
            shutil.copymode(sources[relative], path)  # a script the Dockerfile runs stays executable
    context_dir = asset / context.directory.relative_to(env.directory)
    dockerfile_relative = context.dockerfile.relative_to(env.directory)
    text = (asset / dockerfile_relative).read_text(encoding="utf-8")
    text = mirror_references(text, mirrors)
    parsed = parse_dockerfile_text(asset / dockerfile_relative, text)
    text = prepare(text, [instruction.line for instruction in parsed.instructions if instruction.keyword == "RUN"])
    dockerfile = work / "Dockerfile.build"
    dockerfile.write_text(text, encoding="utf-8")
    return BuildCopy(context_dir, dockerfile)
