"""The curated naming convention, token by token."""

from __future__ import annotations

import re
from collections.abc import Iterator

from catalog.finding import Problem, Severity
from catalog.lint.context import LintContext
from catalog.lint.rules import rule
from catalog.model import EnvironmentAsset
from catalog.model.facts import GPU_TOKEN

NAME_PATTERN = re.compile(r"[a-z][a-z0-9.-]{0,254}")
FORBIDDEN_TOKEN_PREFIXES = ("azure", "aml", "microsoft", "environment", "ubuntu", "cpu")
FRAMEWORKS = frozenset(
    {
        "pytorch", "tensorflow", "sklearn", "lightgbm", "xgboost", "onnxruntime", "catboost",
        "jax", "keras", "mxnet", "deepspeed", "horovod", "pyspark",
    }
)
VERSION_TOKEN = re.compile(r"\d+(\.\d+)*")
OS_TOKEN = re.compile(r"(centos|debian|win)([\d.]*)")
PYTHON_TOKEN = re.compile(r"py\d+")

FRAMEWORK, OS, PYTHON, GPU = range(4)
CATEGORY_NAMES = {FRAMEWORK: "framework-version", OS: "OS", PYTHON: "Python", GPU: "GPU"}


def naming_problems(name: str, python_tag: str | None = None) -> Iterator[tuple[str, Severity | None]]:
    """(message, severity) for each way ``name`` breaks the convention.

    ``python_tag`` is the environment's Python tag as written, if it has one.
    """
    if not NAME_PATTERN.fullmatch(name):
        yield (
            f"name {name!r} must be lower case letters, digits, '.' and '-', starting with a letter "
            "(no underscores or capitals)",
            None,
        )
        return
    tokens = name.split("-")
    if "" in tokens:
        yield f"name {name!r} has an empty token ('--' or a trailing '-')", None
        return
    categorized: list[tuple[int, str]] = []  # (category, token) in name order
    trailing_rest = False
    order_reported = False
    has_gpu = has_cuda_or_nccl = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        category = None
        for prefix in FORBIDDEN_TOKEN_PREFIXES:
            if token.startswith(prefix):
                yield f"token {token!r} starts with {prefix!r}, which names may not use", None
                break
        if token in FRAMEWORKS:
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is None or not VERSION_TOKEN.fullmatch(following):
                shown = f"not {following!r}" if following else "not the end of the name"
                yield f"framework {token!r} must be followed by its version ({token}-2.5), {shown}", None
            else:
                index += 1
            category = FRAMEWORK
        elif match := OS_TOKEN.fullmatch(token):
            if not match.group(2):
                yield f"OS token {token!r} needs a version ({token}11)", None
            category = OS
        elif PYTHON_TOKEN.fullmatch(token):
            if python_tag is not None:
                advice = f"the Python tag says it ({python_tag})"
            else:
                advice = "say it in a Python tag instead"
            yield f"token {token!r} puts the Python version in the name; {advice}", Severity.WARNING
            category = PYTHON
        elif match := GPU_TOKEN.fullmatch(token):
            if match.group("kind") == "gpu":
                has_gpu = True
            else:
                has_cuda_or_nccl = True
                if not match.group("version"):
                    yield f"token {token!r} needs a version ({token}12.1)", None
            category = GPU
        if category is None:
            if categorized:
                trailing_rest = True
        else:
            out_of_order = trailing_rest or (categorized and categorized[-1][0] > category)
            if out_of_order and not order_reported:
                before = categorized[-1][1] if not trailing_rest else tokens[index - 1]
                yield (
                    f"token {token!r} is out of order after {before!r}: the order is "
                    "framework-version, OS, Python, GPU, then the rest",
                    None,
                )
                order_reported = True
            categorized.append((category, token))
        index += 1
    if has_gpu and has_cuda_or_nccl:
        yield "a name with a cuda or nccl token must not also say 'gpu'", None


@rule("CAT105", "naming")
def naming(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """The name breaks the curated naming convention.

    Names match `^[a-z][a-z0-9.-]{0,254}$`. Split on `-`, no token may start with
    `azure`, `azureml`, `aml`, `microsoft`, `environment`, `ubuntu` or `cpu` (token
    by token, so `streamlit-1.40` is fine). A framework token (`pytorch`,
    `tensorflow`, `sklearn`, `lightgbm`, `xgboost`, `onnxruntime`, …) is followed by its
    version token; `centos`, `debian` and `win` carry a version (`debian11`); `cuda` and
    `nccl` carry a version and never appear with `gpu`. A `py312`-style token is a
    warning. Tokens go in the order framework-version, OS, Python, GPU, then the rest
    (descriptive tokens may also lead, as in `minimal-py312-inference`). Names matching
    the configured `naming-skip` pattern are exempt.

    **Why:** users find environments by name; one convention makes names predictable
    and sortable, and keeps facts that belong in tags (CPU, Ubuntu) out of names.

    **Bad:**

    ```yaml
    name: pytorch-1.12-cuda11.6-py39
    ```

    **Good:**

    ```yaml
    name: pytorch-1.12-cuda11.6
    ```
    """
    name = env.name
    if name is None:
        return
    skip = ctx.config.naming_skip
    if skip is not None and skip.search(name):
        return
    for message, severity in naming_problems(name, env.facts.python):
        yield Problem(env.name_location(), message, severity)
