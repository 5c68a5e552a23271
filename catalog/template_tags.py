"""Template tags: ``{{asset.name}}`` in specs, ``{{latest-image-tag:REGEX}}`` in build files.

A tag's argument may itself hold braces (``{{latest-image-tag:monthly\\.\\d{6}}}``), so
tags are found by scanning with brace depth instead of with a regular expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SPEC_TAGS = frozenset(
    {
        "asset.name",
        "asset.version",
        "asset.repo.url",
        "asset.repo.commit_hash",
        "asset.repo.build_context.path",
        "image.name",
        "image.context.path",
        "image.dockerfile.path",
        "image.publish.hostname",
    }
)
LATEST_IMAGE_TAG = "latest-image-tag"
LATEST_PYPI_VERSION = "latest-pypi-version"
BUILD_FILE_TAGS = frozenset({LATEST_IMAGE_TAG, LATEST_PYPI_VERSION})


@dataclass(frozen=True, slots=True)
class TemplateTag:
    text: str  # the whole tag, braces included
    name: str  # before the first colon
    argument: str | None  # after the first colon
    start: int  # offsets into the scanned text
    end: int

    @property
    def inner(self) -> str:
        return self.text[2:-2]


def find_template_tags(text: str) -> list[TemplateTag]:
    tags: list[TemplateTag] = []
    position = text.find("{{")
    while position != -1:
        end = _closing(text, position + 2)
        if end == -1:
            break
        inner = text[position + 2 : end].strip()
        name, colon, argument = inner.partition(":")
        tags.append(TemplateTag(text[position : end + 2], name.strip(), argument if colon else None, position, end + 2))
        position = text.find("{{", end + 2)
    return tags


def _closing(text: str, index: int) -> int:
    """Index of the ``}}`` closing a tag whose body starts at ``index``, or -1."""
    depth = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "\n":
            return -1  # tags never span lines
        if char == "}" and depth == 0 and text.startswith("}}", index):
            return index
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        index += 1
    return -1


def has_template(value: object) -> bool:
    return isinstance(value, str) and "{{" in value and bool(find_template_tags(value))


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


# What a build-file tag must follow on its line: an image reference and its separator,
# or a package name with == or ~= (extras allowed).
_IMAGE_BEFORE = re.compile(r"(?P<image>[A-Za-z0-9][A-Za-z0-9._:/-]*[A-Za-z0-9._-])(?P<separator>[:@])$")
_PACKAGE_BEFORE = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<operator>==|~=)\s*$")


@dataclass(frozen=True, slots=True)
class AfterImage:
    """A ``latest-image-tag`` after ``image`` and its ``:`` or ``@``."""

    image: str
    separator: str


@dataclass(frozen=True, slots=True)
class AfterPackage:
    """A ``latest-pypi-version`` after ``package==`` or ``package~=``."""

    package: str


def place_build_file_tag(tag: TemplateTag, before: str) -> AfterImage | AfterPackage | str:
    """Where ``tag`` stands, given the text before it on its line; or why it cannot stand
    there. Lint reports the reason and pin refuses the tag with it: one detector."""
    if tag.name == LATEST_IMAGE_TAG:
        image = _IMAGE_BEFORE.search(before)
        if image is None:
            return "must follow an image reference (image:{{latest-image-tag}})"
        if tag.argument is not None:
            try:
                re.compile(tag.argument)
            except re.error as exc:
                return f"the regular expression does not compile: {exc}"
        return AfterImage(image.group("image"), image.group("separator"))
    if tag.name == LATEST_PYPI_VERSION:
        if tag.argument not in (None, "pre"):
            return "the only option of latest-pypi-version is 'pre'"
        package = _PACKAGE_BEFORE.search(before)
        if package is None:
            return "must follow package== or package~= (package=={{latest-pypi-version}})"
        return AfterPackage(package.group("name"))
    return f"{tag.text} is not a build-file template tag"
