"""What the site says about one environment: the one conversion of the model for the site.

``site_entry`` turns an ``EnvironmentAsset`` into a ``SiteEntry``: the environment's
entry in catalog.json (plain JSON values, schemas/catalog.schema.json), plus the texts
its page shows (description, spec, Dockerfile, build-context files). Every page reads
an environment through its ``SiteEntry`` (``catalog.site.pages``).
Only files inside the environment's own directory are shown: a path or symbolic link
leading elsewhere could publish any file of the machine that builds the site.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path

from catalog.model import Catalog, EnvironmentAsset
from catalog.model.facts import tags_as_written
from catalog.site.history import CatalogHistory
from catalog.site.links import Naming
from catalog.site.versions import environment_versions, image_reference
from catalog.template_tags import LATEST_IMAGE_TAG, find_template_tags

MAX_SHOWN_FILES = 20
MAX_SHOWN_BYTES = 128 * 1024
_LANGUAGES = {".py": "python", ".sh": "bash", ".yaml": "yaml", ".yml": "yaml", ".json": "json",
              ".toml": "toml", ".cfg": "ini", ".ini": "ini", ".r": "r", ".ps1": "powershell"}


@dataclass
class ShownFile:
    path: str  # relative to the build context
    text: str | None  # None: not shown
    language: str = "text"
    note: str = ""  # why it is not shown


@dataclass
class SiteEntry:
    data: dict  # its entry in catalog.json, without the page link
    description_markdown: str | None = None
    spec: ShownFile | None = None
    dockerfile: ShownFile | None = None
    context_files: list[ShownFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    provisional_dates: bool = False  # some dates are unknown now, but git may tell them later
    version_files: dict[str, list[tuple[str, str]]] = field(
        default_factory=dict
    )  # released label -> pinned build files


def naming(env: EnvironmentAsset) -> Naming:
    """What other environments' pages need of this one to link to it."""
    return Naming(env.display_name, env.deprecated, env.facts.replacement if env.deprecated else None)


def site_entry(env: EnvironmentAsset, catalog: Catalog, history: CatalogHistory) -> SiteEntry:
    """The environment as the site shows it, with its releases and builds from ``catalog``'s records."""
    name = env.display_name
    tags = tags_as_written(env)
    facts = env.facts
    found = catalog.build_reports.of_environment(name)
    ledger = catalog.ledger
    versions = environment_versions(env, ledger, found.reports)
    released = [v for v in versions if v.released]
    framework = facts.framework
    deprecation = None
    if env.deprecated:
        day = env.facts.delete_on
        deprecation = {"replacement": env.facts.replacement, "delete_on": day.isoformat() if day else None}
    dates, provisional = _dates(env, history)
    if released:  # the ledger dates a release; git only dates the line that asked for it
        dates["version"] = released[0].date
    entry = {
        "name": name,
        "directory": history.relative(env.directory),
        "description": env.description or "",
        "status": "deprecated" if env.deprecated else "preview" if "Preview" in tags else "active",
        "latest_version": released[0].label if released else None,
        "versions": [v.as_json(image_reference(env, v)) for v in versions],
        "content_hash": env.content_hash,
        "image": {
            "name": env.image_name,
            "reference": image_reference(env, released[0] if released else versions[0]),
            "os": env.image_os,
            "visibility": env.publish_visibility,
            "prebuilt": env.context is None,
        },
        "os": facts.os,
        "platform": facts.platform,
        "python": facts.python,
        "framework": {"name": framework.name, "version": framework.version} if framework else None,
        "compute": facts.compute,
        "base_image": _base_image(facts.base_image),
        "purposes": _purposes(env, tags),
        "categories": env.categories,
        "tags": tags,
        "deprecation": deprecation,
        "build": found.reports[0] if found.reports else None,
        "dates": dates,
    }
    shown = SiteEntry(entry, provisional_dates=provisional,
                               version_files={v.label: v.files for v in versions if v.released})
    for doc in env.documents():  # a file that does not parse leaves its part of the page empty: say so
        for parse_problem in doc.problems:
            shown.problems.append(f"{history.relative(doc.path)}:{parse_problem.location.line or 1}: "
                                   f"{parse_problem.message} (run `catalog lint`)")
    # records that cannot be read: one line each, the first few (the page shows none of their content)
    unreadable = [*found.problems, *ledger.problems_of(env.name)]
    shown.problems += [f"{history.relative(problem.path)}: {problem.message}" for problem in unreadable[:3]]
    _add_texts(shown, env)
    return shown


def _base_image(base) -> dict | None:
    """The image the Dockerfile builds FROM, as written, with its template tag explained."""
    if base is None:
        return None
    template = next(iter(find_template_tags(base.reference or base.written)), None)
    return {
        "written": base.written,
        "reference": base.reference if base.reference != base.written else None,
        "template_tag": None if template is None else {"text": template.text, "explanation": _explain(template)},
    }


def _explain(template) -> str:
    if template.name != LATEST_IMAGE_TAG:
        return "a template tag, replaced when the environment is released"
    if template.argument:
        return (f'resolved to the newest tag of this image matching the regular expression "{template.argument}" '
                "when the environment is released")
    return "resolved to the newest tag of this image when the environment is released"


def _purposes(env: EnvironmentAsset, tags: dict[str, str]) -> list[str]:
    purposes = []
    if "Training" in tags or "Training" in env.categories:
        purposes.append("Training")
    inference_config = env.spec_doc is not None and env.spec_doc.has("inference_config")
    if "Inferencing" in tags or "Inference" in env.categories or inference_config:
        purposes.append("Inference")
    return purposes or [c for c in env.categories if c not in ("Training", "Inference")] or ["General"]


def _dates(env: EnvironmentAsset, history: CatalogHistory) -> tuple[dict, bool]:
    """When the environment, its version and its deprecation were committed (for the feed).

    None where git cannot tell: uncommitted work, a shallow clone's cut, a catalog that
    is not a git repository. The second value says git may know later (look again when
    HEAD moves).
    """
    added, provisional = history.file_added(env.asset_file)
    dates = {"added": added, "version": None, "deprecated": None}
    version_line = env.asset_doc.location("version").line if env.asset_doc.has("version") else None
    if isinstance(env.version, int) and version_line:
        dates["version"], late = history.line_committed(env.asset_file, version_line)
        provisional = provisional or late
    if env.deprecated and env.spec_doc is not None:
        line = env.spec_doc.key_location("tags", "Deprecated").line
        if line:
            dates["deprecated"], late = history.line_committed(env.spec_doc.path, line)
            provisional = provisional or late
    return {key: _iso(value) for key, value in dates.items()}, provisional


def _iso(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _shown(inside, path: Path, relative: str, reader) -> ShownFile:
    language = "dockerfile" if path.name.lower().endswith("dockerfile") else _LANGUAGES.get(path.suffix.lower(), "text")
    if not inside(path):
        return ShownFile(relative, None, note="outside the environment directory, not shown")
    text = reader(path)
    if text is None:
        return ShownFile(relative, None, note="binary or unreadable, not shown")
    if len(text) > MAX_SHOWN_BYTES:
        return ShownFile(relative, None, note=f"{len(text) // 1024} kB, too large to show")
    return ShownFile(relative, text, language)


def _add_texts(shown: SiteEntry, env: EnvironmentAsset) -> None:
    inside = env.contains  # the model's own check: what it would not read is not shown
    if env.description_path is not None and inside(env.description_path):
        shown.description_markdown = env.description_text
    if env.spec_doc is not None:
        shown.spec = _shown(inside, env.spec_doc.path, env.spec_doc.path.name, lambda _: env.spec_doc.text)
    context = env.context
    if context is None:
        return
    if context.dockerfile.is_file() or os.path.islink(context.dockerfile):
        shown.dockerfile = _shown(inside, context.dockerfile, context.relative(context.dockerfile), context.text_of)
    others = [p for p in context.files if p != context.dockerfile]
    for path in others[:MAX_SHOWN_FILES]:
        shown.context_files.append(_shown(inside, path, context.relative(path), context.text_of))
    if len(others) > MAX_SHOWN_FILES:
        shown.context_files.append(ShownFile(f"… {len(others) - MAX_SHOWN_FILES} more files", None, note="not shown"))
