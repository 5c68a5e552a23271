"""Rules about the asset's files themselves: parse, schema, presence, version field."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from catalog.finding import Problem
from catalog.lint.context import LintContext
from catalog.lint.rules import rule
from catalog.model import EnvironmentAsset
from catalog.records.identity import parse_version
from catalog.schema import check_document
from catalog.template_tags import has_template


@rule("CAT001", "yaml-syntax")
def yaml_syntax(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """A YAML file cannot be read: not UTF-8, not valid YAML, or not a mapping.

    Checks asset.yaml, environment.yaml and spec.yaml: each must be UTF-8 text holding
    exactly one YAML document whose top level is a mapping, with no duplicate keys, no
    custom tags, and bounded nesting and alias expansion.

    **Why:** every other rule, the site and the release tooling read these files; a file
    that does not parse is a release that cannot happen. Duplicate keys are legal YAML
    to some parsers and silently keep only the last value.

    **Bad** (duplicate key):

    ```yaml
    name: sklearn-1.5
    version: auto
    name: sklearn-1.6
    ```

    **Good:**

    ```yaml
    name: sklearn-1.5
    version: auto
    ```
    """
    for doc in env.documents():
        yield from doc.problems


_SCHEMAS = (("asset_doc", "asset"), ("image_doc", "environment"), ("spec_doc", "spec"))


@rule("CAT002", "schema")
def schema(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """A file violates its JSON schema.

    asset.yaml, environment.yaml and spec.yaml are checked against the JSON schemas in
    `schemas/`. The message names the JSON path of the offending value; unknown keys
    are errors because the Azure ML client rejects them.

    **Why:** a misspelt key (`extra_confg`, `os-type`) is silently ignored by YAML and
    only fails at release time, far from the change that caused it.

    **Bad** (spec.yaml):

    ```yaml
    name: "{{asset.name}}"
    image: mcr.microsoft.com/azureml/curated/sklearn-1.5:1
    os-type: linux
    ```

    **Good:**

    ```yaml
    name: "{{asset.name}}"
    image: mcr.microsoft.com/azureml/curated/sklearn-1.5:1
    os_type: linux
    ```
    """
    for attribute, schema_name in _SCHEMAS:
        doc = getattr(env, attribute)
        if doc is not None:
            yield from check_document(doc, schema_name)


def _missing(base: Path, value: object) -> bool:
    return isinstance(value, str) and not has_template(value) and not os.path.lexists(base / value)


@rule("CAT003", "missing-file")
def missing_file(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """A file or directory the asset refers to does not exist.

    Checks the spec, extra_config, description_file, release_paths and test files of
    asset.yaml (relative to it), the build context directory, Dockerfile and
    template_files of environment.yaml, and the conda_file and local build path of the
    spec. The spec, extra_config, description_file and Dockerfile must also lie inside
    the asset directory (symbolic links followed), and the description must be a
    readable UTF-8 text file of at most 1 MB.

    **Why:** a dangling path fails the release or the image build, usually long after
    the file was renamed. The release copies only the asset directory, so a file
    outside it is missing too; it is never read, so that neither lint nor the site
    can publish a file such as `../../private/secrets.yaml`.

    **Bad** (environment.yaml, the Dockerfile is `context/Dockerfile`):

    ```yaml
    image:
      context:
        dir: context
        dockerfile: docker/Dockerfile
    ```

    **Good:**

    ```yaml
    image:
      context:
        dir: context
        dockerfile: Dockerfile
    ```
    """
    asset = env.asset_doc
    base = env.directory
    for key, what in (("spec", "spec"), ("extra_config", "image config"), ("description_file", "description")):
        value = asset.get(key)
        if _missing(base, value):
            yield Problem(asset.location(key), f"{what} file {value!r} does not exist")
        elif isinstance(value, str) and not has_template(value) and not env.contains(base / value):
            yield Problem(asset.location(key), f"{what} file {value!r} is outside the asset directory; it is not read")
    if env.description_error:
        shown = asset.get("description_file")
        yield Problem(asset.location("description_file"), f"description file {shown!r} cannot be read: "
                                                          f"{env.description_error}")
    for index, value in enumerate(asset.get("release_paths") or []):
        if isinstance(value, str) and _missing(base, value.removeprefix("!")):
            yield Problem(asset.location("release_paths", index), f"release path {value!r} does not exist")
    pytest = asset.get("test", "pytest")
    if isinstance(pytest, dict):
        for key in ("pip_requirements", "conda_environment", "tests_dir"):
            if _missing(base, pytest.get(key)):
                yield Problem(asset.location("test", "pytest", key), f"test {key} {pytest[key]!r} does not exist")

    image = env.image_doc
    context = env.context
    if image is not None and context is not None:
        if not os.path.isdir(context.directory):
            written = image.get("image", "context", "dir")
            yield Problem(image.location("image", "context", "dir"), f"build context directory {written!r} does not "
                                                                     "exist")
        elif context.inside_asset:  # a context outside is the build-context rule's to report
            dockerfile_missing = not os.path.isfile(context.dockerfile)
            if (
                not dockerfile_missing
                and not env.contains(context.dockerfile)
                and not os.path.islink(context.dockerfile)
            ):
                yield Problem(
                    image.location("image", "context", "dockerfile"),
                    f"Dockerfile {context.relative(context.dockerfile)!r} is outside the asset directory; it is not "
                    "read",
                )
            if dockerfile_missing:
                keys = (
                    ("image", "context", "dockerfile")
                    if image.has("image", "context", "dockerfile")
                    else ("image", "context")
                )
                yield Problem(image.location(*keys), f"Dockerfile {context.relative(context.dockerfile)!r} does not "
                                                    "exist in the build context")
            for index, value in enumerate(image.get("image", "context", "template_files") or []):
                if dockerfile_missing and isinstance(value, str) and context.directory / value == context.dockerfile:
                    continue  # already reported as the missing Dockerfile
                if _missing(context.directory, value):
                    yield Problem(
                        image.location("image", "context", "template_files", index),
                        f"template file {value!r} does not exist in the build context",
                    )

    spec = env.spec_doc
    if spec is not None and spec.ok:
        conda_file = spec.get("conda_file")
        if _missing(spec.path.parent, conda_file):
            yield Problem(spec.location("conda_file"), f"conda_file {conda_file!r} does not exist")
        build_path = spec.get("build", "path")
        if (
            isinstance(build_path, str)
            and "://" not in build_path
            and "#" not in build_path
            and _missing(spec.path.parent, build_path)
        ):
            yield Problem(spec.location("build", "path"), f"build path {build_path!r} does not exist")


def _is_version(value: object) -> bool:
    return parse_version(value) is not None  # the release reads the version through the same definition


@rule("CAT005", "version")
def version(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """The asset version is neither `auto` nor a positive integer.

    Checks `version` in asset.yaml (or, when asset.yaml has none, a literal `version`
    in the spec).

    **Why:** releases number versions 1, 2, 3…; `auto` lets the release tooling pick
    the next one. Anything else (`1.0`, `0`, `latest`) cannot be released.

    **Bad:**

    ```yaml
    version: 1.2
    ```

    **Good:**

    ```yaml
    version: auto
    ```
    """
    if env.asset_doc.has("version"):
        value, location = env.asset_doc.get("version"), env.asset_doc.location("version")
    elif env.spec_doc is not None and env.spec_doc.has("version") and not has_template(env.spec_version):
        value, location = env.spec_version, env.spec_doc.location("version")
    else:
        return
    if not _is_version(value):
        shown = env.asset_doc.raw_scalar("version") if location.path == env.asset_file else None
        yield Problem(location, f"version {shown or value!r} must be 'auto' or a positive integer")


@rule("CAT008", "unreadable-directory")
def unreadable_directory(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """A directory under a catalog root cannot be read, so the environments in it go unchecked.

    Reported once per directory for the whole run (a permission, a path longer than the
    system allows), never per environment; every other environment is still checked.

    **Why:** an environment nobody can list is an environment nobody linted; a clean
    report would say otherwise.

    **Bad:** `environments/team-b/` is mode 000 in the CI checkout.

    **Good:** the directory is readable by the user that runs `catalog lint`.
    """
    return iter(())  # catalog-wide: catalog.lint.unreadable_findings reports each directory once
