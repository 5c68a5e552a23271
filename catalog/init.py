"""``catalog init``: the minimal configuration that gives a repository lint and a catalog site.

Three things: a ``[tool.catalog]`` table in pyproject.toml, a four-line mkdocs.yml and
an empty ``docs/``. Nothing the repository already has is overwritten.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from catalog.config import DEFAULT_PRESET, PRESETS

# Where curated environments usually live: our own layout, then azureml-assets'.
ROOT_CANDIDATES = ("environments", "assets")
MKDOCS_YML = """\
site_name: {site_name}
theme: material
plugins: [catalog, search]
"""


class InitRefused(Exception):
    """A file the configuration would go in is there already."""


@dataclass
class InitPlan:
    directory: Path
    writes: dict[Path, str] = field(default_factory=dict)  # file -> its whole new text
    created_dirs: list[Path] = field(default_factory=list)


def guess_roots(directory: Path) -> list[str]:
    found = [name for name in ROOT_CANDIDATES if (directory / name).is_dir()]
    return found[:1] or [ROOT_CANDIDATES[0]]


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"  # a JSON string is a TOML basic string


def catalog_table(roots: list[str], preset: str) -> str:
    lines = ["[tool.catalog]", f"roots = {_toml_list(roots)}"]
    if preset != DEFAULT_PRESET:
        lines.append(f'preset = "{preset}"')
    lines.append(f'# allowed-registries = {_toml_list(list(PRESETS[preset]["allowed-registries"]))}')
    lines.append(f'# required-tags = {_toml_list(list(PRESETS[preset]["required-tags"]))}')
    return "\n".join(lines) + "\n"


def plan_init(directory: Path, roots: list[str] | None, preset: str, site_name: str) -> InitPlan:
    """What init would write; refuses when any of it is there already."""
    from catalog.config import ConfigError, read_toml

    plan = InitPlan(directory)
    pyproject = directory / "pyproject.toml"
    table = catalog_table(roots or guess_roots(directory), preset)
    if os.path.lexists(pyproject):
        try:
            existing = read_toml(pyproject)
        except ConfigError as exc:
            raise InitRefused(str(exc)) from None
        if "catalog" in existing.get("tool", {}):
            raise InitRefused(f"{pyproject} already has a [tool.catalog] table")
        text = pyproject.read_text(encoding="utf-8")
        plan.writes[pyproject] = text + ("" if text.endswith("\n") or not text else "\n") + "\n" + table
    else:
        plan.writes[pyproject] = table
    mkdocs_yml = directory / "mkdocs.yml"
    if os.path.lexists(mkdocs_yml) or os.path.lexists(directory / "mkdocs.yaml"):
        raise InitRefused(f"{mkdocs_yml} is there already; add `catalog` to its plugins instead")
    plan.writes[mkdocs_yml] = MKDOCS_YML.format(site_name=json.dumps(site_name))
    docs = directory / "docs"
    if not os.path.lexists(docs):
        plan.created_dirs.append(docs)
        # git keeps no empty directory, and MkDocs refuses a missing docs_dir
        plan.writes[docs / ".gitkeep"] = ""
    elif not docs.is_dir():
        raise InitRefused(f"{docs} is not a directory")
    return plan


def carry_out(plan: InitPlan) -> None:
    from catalog.atomic import write_text_atomic

    for directory in plan.created_dirs:
        directory.mkdir(parents=True)
    for path, text in plan.writes.items():
        write_text_atomic(path, text)
