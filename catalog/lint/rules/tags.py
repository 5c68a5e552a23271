"""Rules about the spec's tags: which must be there and what their values look like."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

from catalog.finding import Problem, Severity
from catalog.lint.context import LintContext
from catalog.lint.rules import rule
from catalog.model import FLAG_TAGS, EnvironmentAsset
from catalog.model.facts import (
    GPU_TAG_KEYS,
    cuda_from_tags,
    cuda_version_of_token,
    gpu_tokens,
    normalize_key,
    parse_os_tag,
)

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
def required_tag(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
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
def tag_value(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
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
                yield Problem(location, f"tag {key} is a flag and takes an empty value, not {value!r}: write {key}: "
                                        "\"\"")
            continue
        if key in TAG_FORMATS:
            pattern, expected = TAG_FORMATS[key]
            if not pattern.fullmatch(value):
                yield Problem(location, f"tag {key} must be {expected}, not {value!r}")


def _same_version(claimed: str, actual: str) -> bool:
    """``12`` agrees with ``12.6``; ``12.1`` does not."""
    claimed_parts, actual_parts = claimed.split("."), actual.split(".")
    return actual_parts[: len(claimed_parts)] == claimed_parts or claimed_parts[: len(actual_parts)] == actual_parts


@rule("CAT204", "base-image-drift", Severity.WARNING)
def base_image_drift(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """A tag or the name contradicts the base image the Dockerfile builds from.

    Compares what the spec says with what the final stage's `FROM` image is called:
    the `OS` tag with the distribution in the image name (`ubuntu20.04`,
    `ubuntu2204`, `ubuntu:24.04`); a GPU, CUDA or cuDNN tag with an image that has no
    CUDA (and an image with CUDA under a spec that gives its `OS` but no GPU tag); and
    the CUDA version of the tags or the name (`Cuda: 12.1`, `GPU: Cuda12`,
    `cuda12.1`) with the image's (`cuda12.4`, `cu126`). Versions agree when one is a
    prefix of the other (`Cuda12` and `cu126`).

    **Why:** specs drift after a base-image bump: the image moves to Ubuntu 22.04 or
    CUDA 12.6 and the tags still say Ubuntu 20.04 or CUDA 11, so users pick an
    environment by facts that are no longer true.

    **Bad:**

    ```yaml
    tags:
      OS: Ubuntu22.04   # FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04
    ```

    **Good:**

    ```yaml
    tags:
      OS: Ubuntu20.04
    ```
    """
    facts = env.facts
    base = facts.base_image
    if base is None or base.reference is None or env.spec_doc is None or not env.spec_doc.ok:
        return
    shown = f"the base image {base.reference!r} (Dockerfile line {base.line})"
    tags = env.tags
    os_tag = tags.get("OS")
    if isinstance(os_tag, str) and base.os is not None:
        claimed = parse_os_tag(os_tag)
        if claimed is not None and not claimed.same_release(base.os):
            yield Problem(env.tag_location("OS"), f"tag OS says {claimed} but {shown} is {base.os}")
    gpu_tag = next((key for key in tags if isinstance(key, str) and normalize_key(key) in GPU_TAG_KEYS), None)
    if gpu_tag is not None and not base.gpu:
        yield Problem(env.tag_location(gpu_tag), f"tag {gpu_tag} says GPU but {shown} has no CUDA")
    elif gpu_tag is None and base.gpu and "OS" in tags:
        cuda = f"a CUDA {base.cuda}" if base.cuda else "a GPU"
        yield Problem(env.tag_location(), f"{shown} is {cuda} image but no tag says so (a GPU or Cuda tag)")
    tag_cuda = cuda_from_tags(env)
    if tag_cuda and base.cuda and not _same_version(tag_cuda, base.cuda):
        key = next((k for k in tags if isinstance(k, str) and normalize_key(k) in ("cuda", "cudaversion", "gpu")), None)
        yield Problem(env.tag_location(key), f"tags say CUDA {tag_cuda} but {shown} has CUDA {base.cuda}")
    for match in gpu_tokens(env.name or ""):
        name_cuda = cuda_version_of_token(match)
        if name_cuda and base.cuda and not _same_version(name_cuda, base.cuda):
            yield Problem(env.name_location(), f"the name says {match.group(0)} but {shown} has CUDA {base.cuda}")
