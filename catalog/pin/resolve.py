"""Find the template tags of an environment's template files and write their values in.

``plan_pins`` reads each template file once and says which lookup each tag needs;
``apply_answers`` writes the answers in. Files are only ever read through the model's
build context (bounded, regular files inside the asset).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from catalog.image_ref import parse_image_reference
from catalog.model import EnvironmentAsset
from catalog.pin.http import LookupFailed
from catalog.pin.lookups import ImageAnswer, ImageQuery, PackageQuery
from catalog.template_tags import (
    BUILD_FILE_TAGS,
    LATEST_IMAGE_TAG,
    AfterImage,
    find_template_tags,
    line_and_column,
    place_build_file_tag,
)


@dataclass
class TagUse:
    """One template tag in one file, and the lookup that answers it."""

    file: Path
    line: int
    column: int
    text: str  # the tag as written
    start: int
    end: int
    query: ImageQuery | PackageQuery
    separator: str = ""  # ':' or '@' before an image tag
    value: str | None = None  # the text that replaces the tag (and its ':' for a digest)
    replaces_separator: bool = False


@dataclass
class PinnedFile:
    path: Path
    relative: str | None  # to the build context; None for the image config of a pre-built image
    original: str
    uses: list[TagUse] = field(default_factory=list)

    @property
    def pinned(self) -> str:
        """The text with every answered tag replaced."""
        text = self.original
        for use in sorted(self.uses, key=lambda u: u.start, reverse=True):
            if use.value is None:
                continue
            start = use.start - 1 if use.replaces_separator else use.start
            text = text[:start] + use.value + text[use.end:]
        return text


@dataclass(frozen=True)
class PinError:
    """What could not be pinned, and where."""

    path: Path
    line: int | None
    column: int | None
    message: str

    def where(self, relative_to: str | None = None) -> str:
        import os

        where = os.path.relpath(self.path, relative_to) if relative_to is not None else str(self.path)
        if self.line is not None:
            where += f":{self.line}:{self.column}"
        return where


@dataclass
class PinPlan:
    environment: EnvironmentAsset
    files: list[PinnedFile]
    errors: list[PinError] = field(default_factory=list)

    @property
    def uses(self) -> list[TagUse]:
        return [use for pinned in self.files for use in pinned.uses]

    @property
    def texts(self) -> dict[str, str]:
        """Build-context relative path -> pinned text, for the content hash."""
        return {pinned.relative: pinned.pinned for pinned in self.files if pinned.relative is not None}

    @property
    def image_name(self) -> str | None:
        """A pre-built environment's image (environment.yaml ``image.name``), pinned."""
        env = self.environment
        name = env.image_name
        if env.context is not None or name is None:
            return name
        for use in self.uses:
            if use.file == env.image_config_path and use.value is not None and use.text in name:
                written = use.separator + use.text if use.replaces_separator else use.text
                name = name.replace(written, use.value, 1)
        return name


def plan_pins(env: EnvironmentAsset, index_url: str) -> PinPlan:
    plan = PinPlan(env, [])
    context = env.context
    if context is None:
        _plan_image_config(plan, index_url)
        return plan
    if not context.inside_asset:
        plan.errors.append(PinError(context.directory, None, None, "the build context is outside the asset directory "
                                    "(image.context.dir leads out of it); only a context inside the asset is released "
                                    "and built"))
        return plan
    for path in context.template_files:
        relative = context.relative(path)
        text = context.text_of(path) if path.is_file() and path not in context.symlinks else None
        if text is None:
            plan.errors.append(PinError(path, None, None, "template file cannot be read (missing, a symlink, binary or "
                                                          "too large)"))
            continue
        pinned = PinnedFile(path, relative, text)
        for tag in find_template_tags(text):
            if tag.name not in BUILD_FILE_TAGS:
                continue
            line, column = line_and_column(text, tag.start)
            before = text[text.rfind("\n", 0, tag.start) + 1 : tag.start]
            use = _use(path, line, column, tag, before, index_url)
            if isinstance(use, str):
                plan.errors.append(PinError(path, line, column, f"{tag.text}: {use}"))
            else:
                pinned.uses.append(use)
        plan.files.append(pinned)
    return plan


def _plan_image_config(plan: PinPlan, index_url: str) -> None:
    """A pre-built image named with a template tag (``image: {name: "mcr.microsoft.com/…:{{latest-image-tag}}"}``)
    is pinned in the released environment.yaml, as a Dockerfile's FROM is."""
    env = plan.environment
    name = env.image_name
    if env.image_doc is None or name is None or "{{" not in name:
        return
    doc = env.image_doc
    line = doc.location("image", "name").line
    pinned = PinnedFile(doc.path, None, doc.text)
    for tag in find_template_tags(doc.text):
        tag_line, column = line_and_column(doc.text, tag.start)
        if tag_line != line:
            continue
        before = doc.text[doc.text.rfind("\n", 0, tag.start) + 1 : tag.start]
        if tag.name != LATEST_IMAGE_TAG:
            plan.errors.append(PinError(doc.path, tag_line, column, f"{tag.text}: only {{{{latest-image-tag}}}} is "
                                        "resolved in a pre-built image's name"))
            continue
        use = _use(doc.path, tag_line, column, tag, before.replace('"', "").replace("'", ""), index_url)
        if isinstance(use, str):
            plan.errors.append(PinError(doc.path, tag_line, column, f"{tag.text}: {use}"))
        else:
            pinned.uses.append(use)
    if pinned.uses:
        plan.files.append(pinned)


def _use(path: Path, line: int, column: int, tag, before: str, index_url: str) -> TagUse | str:
    place = place_build_file_tag(tag, before)
    if isinstance(place, str):
        return place
    if isinstance(place, AfterImage):
        reference = parse_image_reference(place.image + ":x")
        image = ImageQuery(reference.registry, reference.repository, tag.argument)
        return TagUse(path, line, column, tag.text, tag.start, tag.end, image, place.separator)
    package = PackageQuery(index_url, place.package, tag.argument == "pre")
    return TagUse(path, line, column, tag.text, tag.start, tag.end, package)


def apply_answers(plan: PinPlan, answer) -> None:
    """Write each use's value with ``answer(query)``; failures become plan errors."""
    for use in plan.uses:
        try:
            result = answer(use.query)
        except LookupFailed as exc:
            plan.errors.append(PinError(use.file, use.line, use.column, f"{use.text}: {use.query.describe()}: {exc}"))
            continue
        if isinstance(result, ImageAnswer):
            if result.tag is not None:
                use.value = result.tag if use.separator == ":" else ":" + result.tag
                use.replaces_separator = use.separator == "@"
            elif result.digest is not None:
                use.value = "@" + result.digest
                use.replaces_separator = True
            else:
                plan.errors.append(PinError(use.file, use.line, use.column,
                                            f"{use.text}: {use.query.describe()}: the answer names no tag, no digest"))
        else:
            use.value = str(result)
