"""The content hash of an environment: what determines its image, and nothing else.

As Azure ML does for its image cache, the hash covers the base image reference, the
Dockerfile's instructions (comments, blank lines and line continuations do not count),
the contents of the build-context files those instructions copy (requirement files and
so the package pins among them), and the platform; not the name, version, description
or tags. Renaming an environment keeps its hash; changing a package pin, or the order
of its dependencies, changes it. Hashing the pinned files gives the hash of a release;
hashing the files as written gives the hash of the working copy's definition.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import posixpath

from catalog.dockerfile_model import parse_dockerfile, parse_dockerfile_text
from catalog.files import file_sha256
from catalog.model.definition import Definition

HASH_VERSION = 1


def context_sources(instruction) -> list[str]:
    """The sources of a COPY or ADD that name build-context files, as written: none from
    another stage (``--from``), a heredoc, a URL, a git repository or a variable."""
    if instruction.keyword not in ("COPY", "ADD") or instruction.has_heredoc or instruction.flag("from") is not None:
        return []
    return [source for source in instruction.arguments[:-1]
            if "$" not in source and "://" not in source and not source.startswith(("git@", "<<"))]


def source_path(source: str) -> str:
    """A COPY source as a path relative to the context's root (``.`` for all of it)."""
    return posixpath.normpath(source.replace("\\", "/")).lstrip("/") or "."


def source_matches(pattern: str, name: str) -> bool:
    """Whether a COPY source (``source_path``) brings in the context file ``name``: Go's
    filepath.Match segment by segment, as COPY matches (wildcards do not cross '/'), and a
    matched directory brings what is below it."""
    parts, name_parts = pattern.split("/"), name.split("/")
    if len(parts) > len(name_parts):
        return False
    return all(fnmatch.fnmatchcase(n, p) for p, n in zip(parts, name_parts, strict=False))


def copied_files(env: Definition, dockerfile_instructions) -> list[str]:
    """Build-context files (relative POSIX paths) that COPY and ADD send into the image."""
    context = env.context
    if context is None:
        return []
    names = sorted(context.relative(path) for path in context.files if path not in context.symlinks
                   and path != context.dockerfile)
    names = [name for name in names if not context.dockerignore.excludes(name)]
    used: set[str] = set()
    for instruction in dockerfile_instructions:
        for source in context_sources(instruction):
            pattern = source_path(source)
            if pattern == ".":
                used.update(names)
                continue
            used.update(name for name in names if source_matches(pattern, name))
    return sorted(used)


def _arguments(instruction) -> list[str]:
    """A shell-form command with its line continuations and runs of blanks made one space:
    re-wrapping a long RUN does not change the image."""
    if instruction.is_json or instruction.keyword not in ("RUN", "CMD", "ENTRYPOINT"):
        return list(instruction.arguments)
    return [" ".join(argument.split()) for argument in instruction.arguments]


def definition(env: Definition, texts: dict[str, str] | None = None, image: str | None = None) -> dict:
    """What the hash is computed from, as plain data.

    ``texts`` replaces the content of build-context files (relative path -> text), as a
    pin does; without it the files are hashed as written. A pre-built environment is its
    image (environment.yaml ``image.name``; ``image``: as pinned).
    """
    texts = texts or {}
    platform = (env.image_os or "linux").lower()
    context = env.context
    if context is None:
        return {"hash-version": HASH_VERSION, "platform": platform, "prebuilt-image": image or env.image_name}
    dockerfile_name = context.relative(context.dockerfile)
    if dockerfile_name in texts:
        parsed = parse_dockerfile_text(context.dockerfile, texts[dockerfile_name])
    else:
        # the model's parse, or (missing, or leading outside the asset) why there is none
        parsed = env.dockerfile or parse_dockerfile(context.dockerfile, context.data_of(context.dockerfile))
    instructions = [[instruction.keyword, "json" if instruction.is_json else "shell", *instruction.flags,
                     *_arguments(instruction)] for instruction in parsed.instructions]
    files = {}
    for name in copied_files(env, parsed.instructions):
        if name in texts:
            data = texts[name].encode("utf-8")
            files[name] = hashlib.sha256(data).hexdigest()
        else:
            files[name] = file_sha256(context.directory / name, MAX_HASHED_BYTES)
    return {"hash-version": HASH_VERSION, "platform": platform, "dockerfile": instructions,
            "dockerfile-error": parsed.error, "files": files}


def rough_key(env: Definition) -> str | None:
    """A cheap key that two environments with the same content hash always share: the
    Dockerfile's words in lower case, without comment lines or line continuations.

    Finding equal hashes in a large catalog compares these first and parses and hashes
    only the environments whose keys collide (no Dockerfile parser, no other files).
    """
    context = env.context
    if context is None:
        return None
    text = context.text_of(context.dockerfile)
    if text is None:
        return None
    words = [word for line in text.lower().splitlines() if not line.lstrip().startswith("#")
             for word in line.split() if word != "\\"]
    return hashlib.sha256("\n".join(words).encode("utf-8", "surrogatepass")).hexdigest()


MAX_HASHED_BYTES = 256 << 20  # a larger file counts by its size: reading it all costs more than it tells


def content_hash(env: Definition, texts: dict[str, str] | None = None, image: str | None = None) -> str:
    canonical = json.dumps(definition(env, texts, image), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
