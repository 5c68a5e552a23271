"""Rules about the build context: its files, COPY sources, template tags, package indexes."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from catalog.files import MAX_TEXT_BYTES, looks_binary
from catalog.finding import Location, Problem, Severity
from catalog.lint.context import LintContext
from catalog.lint.rules import rule
from catalog.model import EnvironmentAsset
from catalog.model.content_hash import context_sources, source_matches, source_path
from catalog.template_tags import BUILD_FILE_TAGS, SPEC_TAGS, find_template_tags, line_and_column, place_build_file_tag

EXTRA_INDEX_URL_PATTERN = r"extra[-_]index[-_]url"
EXTRA_INDEX_URL = re.compile(EXTRA_INDEX_URL_PATTERN, re.IGNORECASE)
EXTRA_INDEX_URL_BYTES = re.compile(EXTRA_INDEX_URL_PATTERN.encode(), re.IGNORECASE)
_CHUNK = 1 << 20
_EXTRA_INDEX_MESSAGE = "extra-index-url lets a public package shadow a private one; use a single --index-url"
_TAG_NAME = re.compile(r"[a-z][a-z0-9._-]*")


def _regular_files(env: EnvironmentAsset) -> Iterator[Path]:
    context = env.context
    if context is None:
        return
    for path in context.files:
        if path not in context.symlinks:
            yield path


def _larger_than(path: Path, size: int) -> bool:
    try:
        return os.path.getsize(path) > size
    except OSError:
        return False


def _scan_large_file(path: Path) -> Iterator[int]:
    """Line numbers of extra-index-url in a file too large to keep in memory."""
    line = 1
    tail = b""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8192)
            if looks_binary(head):
                return
            handle.seek(0)
            while chunk := handle.read(_CHUNK):
                data = tail + chunk
                for match in EXTRA_INDEX_URL_BYTES.finditer(data):
                    if match.end() > len(tail):
                        yield line + data.count(b"\n", 0, match.start()) - tail.count(b"\n")
                line += chunk.count(b"\n")
                tail = data[-32:]
    except OSError:
        return


@rule("CAT304", "extra-index-url")
def extra_index_url(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """`extra-index-url` appears in environment.yaml or the build context.

    Matches `--extra-index-url`, `extra-index-url =` in pip.conf and
    `PIP_EXTRA_INDEX_URL`, in any letter case. Binary files are skipped.

    **Why:** with an extra index, pip takes whichever index offers the higher version.
    Anyone who publishes a package of the same name on PyPI can then get their code
    into the image (dependency confusion). Use `--index-url` with a single mirror
    that proxies PyPI instead.

    **Bad** (requirements.txt):

    ```text
    --extra-index-url https://pkgs.example.com/simple
    contoso-ml-utils==1.4.0
    ```

    **Good:**

    ```text
    --index-url https://pkgs.example.com/simple
    contoso-ml-utils==1.4.0
    ```
    """
    sources: list[tuple[Path, str | None]] = []
    if env.image_doc is not None:
        sources.append((env.image_doc.path, env.image_doc.text))
    context = env.context
    if context is not None:
        sources.extend((path, context.text_of(path)) for path in _regular_files(env))
    for path, text in sources:
        if text is None:
            if _larger_than(path, MAX_TEXT_BYTES):
                for line in sorted(set(_scan_large_file(path))):
                    yield Problem(Location(path, line, None), _EXTRA_INDEX_MESSAGE)
            continue
        seen: set[int] = set()
        for match in EXTRA_INDEX_URL.finditer(text):
            line, column = line_and_column(text, match.start())
            if line not in seen:
                seen.add(line)
                yield Problem(Location(path, line, column), _EXTRA_INDEX_MESSAGE)


def _strings(value: Any, keys: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, str):
        yield keys, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, keys + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, keys + (index,))


def _check_build_file_tag(tag, text: str) -> str | None:
    """Why ``tag`` cannot stand where it is (``template_tags.place_build_file_tag``), or None."""
    line_start = text.rfind("\n", 0, tag.start) + 1
    place = place_build_file_tag(tag, text[line_start : tag.start])
    return f"{tag.text}: {place}" if isinstance(place, str) else None  # worded as pin words it


@rule("CAT305", "template-tag")
def template_tag(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """A template tag is unknown, misplaced, or has a regular expression that does not compile.

    The spec may use `{{asset.name}}`, `{{asset.version}}`, `{{asset.repo.url}}`,
    `{{asset.repo.commit_hash}}`, `{{asset.repo.build_context.path}}`,
    `{{image.name}}`, `{{image.context.path}}`, `{{image.dockerfile.path}}` and
    `{{image.publish.hostname}}`. Files listed in `template_files` may use
    `{{latest-image-tag}}` or `{{latest-image-tag:REGEX}}` after an image reference,
    and `{{latest-pypi-version}}` or `{{latest-pypi-version:pre}}` after `==` or `~=`.
    A template tag in a context file not listed in `template_files` is never resolved.

    **Why:** an unresolved tag ends up verbatim in the image or the published spec,
    and the build or the release fails.

    **Bad** (spec.yaml):

    ```yaml
    build:
      path: "{{image.context.dir}}"
    ```

    **Good:**

    ```yaml
    build:
      path: "{{asset.repo.url}}#{{asset.repo.commit_hash}}:{{asset.repo.build_context.path}}"
    ```
    """
    spec = env.spec_doc
    if spec is not None and spec.ok:
        for keys, value in _strings(spec.data):
            for tag in find_template_tags(value):
                if tag.inner.strip() in SPEC_TAGS:
                    continue
                if tag.name in BUILD_FILE_TAGS:
                    message = f"{tag.text} is resolved only in build context template_files, not in the spec"
                else:
                    message = (f"unknown template tag {tag.text} (the spec may use "
                               f"{', '.join('{{' + t + '}}' for t in sorted(SPEC_TAGS))})")
                yield Problem(spec.location(*keys), message)
    context = env.context
    if context is None:
        return
    templates = {os.path.normpath(path) for path in context.template_files}
    for path in _regular_files(env):
        text = context.text_of(path)
        if not text or "{{" not in text:
            continue
        listed = os.path.normpath(path) in templates
        for tag in find_template_tags(text):
            line, column = line_and_column(text, tag.start)
            location = Location(path, line, column)
            known = tag.name in BUILD_FILE_TAGS or tag.inner.strip() in SPEC_TAGS
            if not listed:
                if known:
                    yield Problem(location, f"{tag.text} is in {context.relative(path)}, which is not in "
                                            "template_files, so it is never resolved")
                continue
            if tag.inner.strip() in SPEC_TAGS:
                yield Problem(location, f"{tag.text} is a spec template tag; it is not resolved in build files")
            elif tag.name in BUILD_FILE_TAGS:
                wrong = _check_build_file_tag(tag, text)
                if wrong:
                    yield Problem(location, wrong)
            elif _TAG_NAME.fullmatch(tag.name):
                yield Problem(location, f"unknown template tag {tag.text} (build files may use "
                                        f"{{{{latest-image-tag}}}} and {{{{latest-pypi-version}}}})")


def _publishes_itself(image: object) -> bool:
    """Whether the spec's image is the one this environment builds and publishes
    (``{{image.publish.hostname}}/{{image.name}}:{{asset.version}}``), a standard layout."""
    return isinstance(image, str) and "{{image.name}}" in image.replace(" ", "")


def _within(path: Path, root: Path) -> bool:
    try:
        Path(path).relative_to(root)
        return True
    except ValueError:
        return False


def _resolve(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # symlink loops
        return None


@rule("CAT306", "build-context")
def build_context(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """The build context is outside the asset, leaks out through a symlink, or lacks a COPY source.

    Checks that the context directory lies inside the asset directory; that every
    `COPY`/`ADD` source exists in the context and is not excluded by `.dockerignore`;
    that no symlink in the context leads outside it (or loops); that every directory
    of the context can be listed and `.dockerignore` can be read and holds only
    patterns `docker build` accepts; and that the spec builds from a context exactly
    when environment.yaml has one. Nothing outside the asset directory is read.

    **Why:** the release copies the asset directory and the builder sends only the
    context: anything outside it, or excluded from it, is missing at build time.

    **Bad** (context/.dockerignore says `*.txt`):

    ```dockerfile
    COPY requirements.txt /tmp/requirements.txt
    ```

    **Good** (.dockerignore re-includes it with `!requirements.txt`, or does not
    exclude it).
    """
    context = env.context
    image = env.image_doc
    spec = env.spec_doc
    if spec is not None and spec.ok and image is not None and image.ok:
        if spec.has("build") and context is None:
            yield Problem(spec.location("build"), "the spec builds from a context, but environment.yaml has no "
                                                  "image.context")
        if (
            spec.has("image")
            and not spec.has("build")
            and context is not None
            and not _publishes_itself(spec.get("image"))
        ):
            yield Problem(
                spec.location("image"),
                "environment.yaml has a build context, but the spec uses a pre-built image: the context is never built",
                Severity.WARNING,
            )
    if context is None or image is None or not os.path.isdir(context.directory):
        return
    context_root = _resolve(context.directory)
    if context_root is None:
        return
    if not context.inside_asset:
        yield Problem(image.location("image", "context", "dir"), "the build context directory is outside the asset "
                                                                 "directory")
        return  # not listed, not read
    for directory, reason in context.unreadable:
        yield Problem(Location(directory), f"cannot list directory {context.relative(directory)!r} of the build "
                                           f"context: {reason}")
    for line, message in context.dockerignore.problems:
        yield Problem(Location(context.directory / ".dockerignore", line, 1 if line else None), message)
    for path in sorted(context.symlinks):
        target = _resolve(path)
        if target is None:
            yield Problem(Location(path), "symlink loop in the build context")
        elif not _within(target, context_root):
            yield Problem(Location(path), f"symlink {context.relative(path)!r} leads outside the build context")
    yield from _copy_sources(env, context_root)


def _copy_sources(env: EnvironmentAsset, context_root: Path) -> Iterator[Problem]:
    parsed = env.dockerfile
    context = env.context
    if parsed is None or parsed.error or context is None:
        return
    relative_files: list[str] | None = None
    lines = parsed.lines
    for instruction in parsed.instructions:
        sources = context_sources(instruction)
        source_line = lines[instruction.line - 1] if sources and 0 < instruction.line <= len(lines) else ""
        for source in sources:
            column = source_line.find(source) + 1 if source in source_line else 1
            location = Location(parsed.path, instruction.line, column)
            normal = source_path(source)
            if normal == ".." or normal.startswith("../"):
                yield Problem(location, f"{instruction.keyword} source {source!r} is outside the build context")
                continue
            if any(char in normal for char in "*?["):
                if relative_files is None:
                    relative_files = [context.relative(path) for path in context.files]
                matches = [name for name in relative_files if source_matches(normal, name)]
                if not matches:
                    yield Problem(location, f"{instruction.keyword} source {source!r} matches nothing in the build "
                                            "context")
                elif all(context.dockerignore.excludes(name) for name in matches):
                    yield Problem(location, f"{instruction.keyword} source {source!r} matches only files excluded by "
                                            ".dockerignore")
                continue
            if normal == ".":
                continue
            if not os.path.lexists(context_root / normal):
                yield Problem(location, f"{instruction.keyword} source {source!r} does not exist in the build context")
            elif context.dockerignore.excludes(normal):
                yield Problem(location, f"{instruction.keyword} source {source!r} is excluded by .dockerignore")
