"""Rules about the spec's tags: which must be there and what their values look like."""

from __future__ import annotations

import datetime
import re
from typing import Iterator

from catalog.finding import Problem
from catalog.model import FLAG_TAGS, EnvironmentAsset
from catalog.rules import rule

_PYTHON = (re.compile(r"\d+\.\d+(\.\d+)?"), "a version like 3.10 or 3.12.8")
_FRAMEWORK = (re.compile(r"\d+\.\d+(\.\d+)?"), "a version like 2.5 or 2.5.1")
_DOTTED = (re.compile(r"\d+(\.\d+)+"), "a dotted version like 12.1 or 8.9.7")
TAG_FORMATS: dict[str, tuple[re.Pattern, str]] = {
    "OS": (re.compile(r"[A-Z][A-Za-z]*\d+(\.\d+)*"), "an OS name and version like Ubuntu22.04"),
    "Python": _PYTHON,
    "PyTorch": _FRAMEWORK,
    "TensorFlow": _FRAMEWORK,
    "ScikitLearn": _FRAMEWORK,
    "OnnxRuntime": _FRAMEWORK,
    "DeepSpeed": _FRAMEWORK,
    "Cuda": _DOTTED,
    "CuDnn": _DOTTED,
    "Nccl": _DOTTED,
    "OpenMpi": _DOTTED,
}


@rule("CAT201", "required-tag")
def required_tag(env: EnvironmentAsset, ctx) -> Iterator[Problem]:
    """The spec lacks a required tag (by default `OS` and `Python`).

    The list is `required-tags` in the configuration.

    **Why:** the site's filters and users' searches run on these tags; an environment
    without them cannot be found by OS or Python version.

    **Bad:**

    ```yaml
    tags:
      ScikitLearn: "1.5"
    ```

    **Good:**

    ```yaml
    tags:
      OS: Ubuntu22.04
      Python: "3.10"
      ScikitLearn: "1.5"
    ```
    """
    if env.spec_doc is None or not env.spec_doc.ok:
        return
    tags = env.tags
    missing = [tag for tag in ctx.config.required_tags if tag not in tags]
    if missing:
        where = env.tag_location() if env.spec_doc.has("tags") else env.spec_doc.location()
        names = ", ".join(missing)
        yield Problem(where, f"spec has no {names} tag{'s' if len(missing) > 1 else ''}")


def _describe(value: object, raw: str | None) -> str:
    if value is None:
        return "has no value"
    if isinstance(value, bool):
        return f"is the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        written = f" (written {raw})" if raw is not None and raw != str(value) else ""
        return f"is the number {value}{written}"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "is a date"
    return f"is a {type(value).__name__}"


@rule("CAT202", "tag-value")
def tag_value(env: EnvironmentAsset, ctx) -> Iterator[Problem]:
    """A tag value is not a string, or not in its tag's format.

    Every value must be a string. Known tags have formats: `OS` like `Ubuntu22.04`;
    `Python` like `3.10` or `3.12.8`; `PyTorch`, `TensorFlow`, `ScikitLearn`, `OnnxRuntime` and
    `DeepSpeed` like `2.5`; `Cuda`, `CuDnn`, `Nccl` and `OpenMpi` dotted versions. The
    flags `Preview`, `Training`, `Inferencing` and `Deprecated` take an empty value.

    **Why:** YAML reads an unquoted `Python: 3.10` as the number 3.1, and the Azure ML
    client then publishes "3.1". A flag with a value shows up in the UI as a stray
    label.

    **Bad:**

    ```yaml
    tags:
      Python: 3.10
      Training: yes
    ```

    **Good:**

    ```yaml
    tags:
      Python: "3.10"
      Training: ""
    ```
    """
    doc = env.spec_doc
    if doc is None:
        return
    for key, value in env.tags.items():
        location = doc.location("tags", key)
        if not isinstance(value, str):
            raw = doc.raw_scalar("tags", key)
            fix = '""' if key in FLAG_TAGS else f'"{raw if raw is not None else value}"'
            yield Problem(location, f"tag {key} {_describe(value, raw)}; tag values are strings: write {key}: {fix}")
            continue
        if key in FLAG_TAGS:
            if value != "":
                yield Problem(location, f"tag {key} is a flag and takes an empty value, not {value!r}: write {key}: \"\"")
            continue
        if key in TAG_FORMATS:
            pattern, expected = TAG_FORMATS[key]
            if not pattern.fullmatch(value):
                yield Problem(location, f"tag {key} must be {expected}, not {value!r}")
