"""Rules about the Dockerfile: it parses, and what it builds FROM."""

from __future__ import annotations

from collections.abc import Iterator

from catalog.finding import Location, Problem
from catalog.image_ref import MCR_REGISTRY, ImageReference, parse_image_reference
from catalog.lint.context import LintContext
from catalog.lint.rules import rule
from catalog.model import CURATED_REPOSITORY, EnvironmentAsset

KNOWN_INSTRUCTIONS = frozenset(
    {
        "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
        "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
    }
)


def _base_images(env: EnvironmentAsset) -> Iterator[tuple[Location, str, ImageReference]]:
    """Registry images the Dockerfile builds FROM (stages and unresolvable ARGs left out)."""
    parsed = env.dockerfile
    if parsed is None:
        return
    for image in parsed.base_images:
        if image.stage_reference or image.reference is None or not image.reference.strip():
            continue
        yield Location(parsed.path, image.line, image.column), image.reference, parse_image_reference(image.reference)


@rule("CAT307", "dockerfile-syntax")
def dockerfile_syntax(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """The Dockerfile cannot be read or parsed, lacks a FROM image, or uses an unknown instruction.

    The Dockerfile is parsed with BuildKit's own parser, so what fails here fails in
    `docker build` too.

    **Why:** a Dockerfile that does not parse is an image that does not build.

    **Bad:**

    ```dockerfile
    FORM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}
    ```

    **Good:**

    ```dockerfile
    FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}
    ```
    """
    parsed = env.dockerfile
    if parsed is None:
        return
    if parsed.error:
        yield Problem(Location(parsed.path, parsed.error_line, 1 if parsed.error_line else None), parsed.error)
        return
    for instruction in parsed.instructions:
        if instruction.keyword not in KNOWN_INSTRUCTIONS:
            yield Problem(Location(parsed.path, instruction.line, 1), f"unknown instruction {instruction.keyword}")
        elif instruction.keyword == "FROM" and not instruction.arguments:
            yield Problem(Location(parsed.path, instruction.line, 1), "FROM names no image (FROM <image>[:tag] [AS "
                                                                      "<stage>])")
    if not any(instruction.keyword == "FROM" for instruction in parsed.instructions):
        yield Problem(Location(parsed.path, 1, 1), "the Dockerfile has no FROM instruction")


@rule("CAT301", "curated-base")
def curated_base(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """The Dockerfile builds FROM a curated image (`mcr.microsoft.com/azureml/curated/…`).

    However it is written: any letter case, CRLF line ends, leading spaces, parser
    directives, `FROM --platform=…`, or through an `ARG` default.

    **Why:** curated images are products, rebuilt and re-tagged on their own schedule;
    building one curated environment on another chains their releases and their
    vulnerabilities. Build from a base image instead.

    **Bad:**

    ```dockerfile
    ARG BASE=mcr.microsoft.com/azureml/curated/sklearn-1.5:3
    FROM ${BASE}
    ```

    **Good:**

    ```dockerfile
    FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}
    ```
    """
    for location, written, reference in _base_images(env):
        if reference.registry == MCR_REGISTRY and reference.repository.lower().startswith(
            f"{CURATED_REPOSITORY}/"
        ):
            yield Problem(location, f"builds FROM the curated image {written!r}; build from a base image instead")


@rule("CAT302", "unpinned-base")
def unpinned_base(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """FROM an image without a tag, digest or template tag: an implicit `latest`.

    An explicit `:latest` is reported too.

    **Why:** `latest` moves. The same Dockerfile builds a different image tomorrow,
    and nothing records which one was released. Pin a tag or digest, or use
    `{{latest-image-tag}}`, which `catalog pin` resolves to a fixed tag.

    **Bad:**

    ```dockerfile
    FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04
    ```

    **Good:**

    ```dockerfile
    FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}
    ```
    """
    for location, written, reference in _base_images(env):
        if not reference.pinned:
            how = "the tag latest" if reference.tag == "latest" else "no tag or digest (an implicit latest)"
            yield Problem(location, f"FROM {written!r} has {how}; pin a tag, a digest or {{{{latest-image-tag}}}}")


@rule("CAT303", "base-registry")
def base_registry(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """FROM a registry outside the allow-list (default `mcr.microsoft.com`).

    The list is `allowed-registries` in the configuration (the `azureml-assets` preset
    also allows `nvcr.io` and `docker.io`). An image without a registry host comes from
    Docker Hub (`docker.io`).

    **Why:** base images from arbitrary registries are not patched on the platform's
    schedule and may not be reachable from the build network.

    **Bad:**

    ```dockerfile
    FROM ubuntu:22.04
    ```

    **Good:**

    ```dockerfile
    FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}
    ```
    """
    allowed = {registry.lower() for registry in ctx.config.allowed_registries}
    for location, written, reference in _base_images(env):
        if reference.registry not in allowed:
            yield Problem(
                location,
                f"FROM {written!r} pulls from {reference.registry}, which is not an allowed registry "
                f"({', '.join(sorted(allowed))}); to allow it, add {reference.registry!r} to allowed-registries "
                "in [tool.catalog]",
            )
