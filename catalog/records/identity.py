"""What may name an environment, a version and an image before either reaches a path
or a command line.

Names as Azure ML allows them: a letter or digit first, then letters, digits, ``-``,
``_`` and ``.``, at most 255 characters, never ``..``. Versions as positive integers
written canonically (``1``, not ``01``, ``+1`` or ``¹``).
"""

from __future__ import annotations

import re
from typing import TypeGuard

MAX_NAME = 255
MAX_VERSION_DIGITS = 9
_NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_NAME - 1}}}", re.ASCII)
_VERSION = re.compile(rf"[1-9][0-9]{{0,{MAX_VERSION_DIGITS - 1}}}", re.ASCII)
AUTO = "auto"


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot name an environment (and so a directory), or None."""
    if not isinstance(name, str) or not name:
        return "the environment has no name"
    shown = _shown(name)
    if len(name) > MAX_NAME:
        return f"the name {shown} is longer than {MAX_NAME} characters"
    if not _NAME.fullmatch(name) or ".." in name:
        return (f"the name {shown} is not a safe name: a letter or digit first, then letters, digits, "
                "'-', '_' or '.', and no '..'")
    return None


def is_safe_name(name: object) -> TypeGuard[str]:
    return name_problem(name) is None


def is_canonical_version(text: object) -> bool:
    """``"1"``, ``"27"``: a positive integer as written in a directory or file name."""
    return isinstance(text, str) and _VERSION.fullmatch(text) is not None


def parse_version(value: object) -> int | str | None:
    """The version an environment asks for: ``"auto"``, a positive integer, or None when
    the value is neither (lint's version rule and the release read it through this).

    Integers may be written as YAML numbers (``version: 2``) or, as Azure ML specs write
    them, strings (``version: "2"``); either must be canonical.
    """
    if value == AUTO:
        return AUTO
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 10 ** MAX_VERSION_DIGITS else None
    if isinstance(value, str) and is_canonical_version(value):
        return int(value)
    return None


def _shown(text: str) -> str:
    return repr(text[:60] + ("…" if len(text) > 60 else ""))


def image_name_problem(image_name: object, prebuilt: bool) -> str | None:
    """Why environment.yaml's ``image.name`` cannot be built, tagged or recorded, or None.

    An image that is built is a repository (``azureml/curated/sklearn-1.5``, a registry
    host allowed), tagged by the build and the release; a pre-built one is a whole
    reference, checked once its template tags are pinned.
    """
    from catalog.image_ref import reference_problem
    from catalog.template_tags import has_template

    if image_name is None:
        return None
    if not isinstance(image_name, str):
        return "image.name in environment.yaml is not a string"
    if prebuilt and has_template(image_name):
        return None  # checked once pinned
    problem = reference_problem(image_name)
    if problem is None and not prebuilt:
        last = image_name.rsplit("/", 1)[-1]
        if ":" in last or "@" in image_name:
            problem = "an image that is built is named without a tag or digest (the version is its tag)"
    return f"image name {image_name[:80]!r}: {problem}" if problem else None


def identity_problems(name: object, version: object, image_name: object, prebuilt: bool) -> list[str]:
    """Everything that keeps an environment from being released or built, in one list:
    its name, its version (``auto`` or a positive integer) and its image name."""
    problems = []
    problem = name_problem(name)
    if problem:
        problems.append(problem)
    if version is not None and parse_version(version) is None:
        problems.append(f"version {_shown(str(version))} is neither auto nor a positive integer")
    problem = image_name_problem(image_name, prebuilt)
    if problem:
        problems.append(problem)
    return problems
