"""Container image references: ``registry/repository:tag@digest``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalog.template_tags import find_template_tags

DEFAULT_REGISTRY = "docker.io"
MCR_REGISTRY = "mcr.microsoft.com"  # where curated images are published


@dataclass(frozen=True, slots=True)
class ImageReference:
    registry: str  # docker.io when the reference names none
    repository: str
    tag: str | None
    digest: str | None
    templated_tag: bool  # the tag (or digest) is a template tag, resolved at pin time

    @property
    def pinned(self) -> bool:
        return self.templated_tag or self.digest is not None or (self.tag is not None and self.tag != "latest")


def parse_image_reference(text: str) -> ImageReference:
    """Parse a reference; template tags are kept whole, whatever their regex holds."""
    placeholder = text
    templated = False
    for template in reversed(find_template_tags(text)):
        placeholder = placeholder[: template.start] + "\x00" + placeholder[template.end :]
        templated = True
    digest: str | None = None
    if "@" in placeholder:
        placeholder, digest = placeholder.split("@", 1)
    tag = None
    last_slash = placeholder.rfind("/")
    colon = placeholder.rfind(":")
    if colon > last_slash:
        placeholder, tag = placeholder[:colon], placeholder[colon + 1 :]
    first, _, rest = placeholder.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first.lower(), rest
    else:
        registry, repository = DEFAULT_REGISTRY, placeholder
        if "/" not in repository:
            repository = f"library/{repository}"
    templated_tag = templated and (("\x00" in (tag or "")) or ("\x00" in (digest or "")))
    return ImageReference(registry, repository, tag, digest, templated_tag)


# The OCI distribution spec's grammar. Anything a registry answers is used only if it
# matches: a "tag" holding a newline would become a Dockerfile instruction of its own.
TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REPOSITORY = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?"
)
MAX_REFERENCE = 512


def is_tag(text: object) -> bool:
    return isinstance(text, str) and TAG.fullmatch(text) is not None


def is_digest(text: object) -> bool:
    return isinstance(text, str) and DIGEST.fullmatch(text) is not None


def is_repository(text: object) -> bool:
    return isinstance(text, str) and len(text) <= 255 and REPOSITORY.fullmatch(text) is not None


def reference_problem(text: str) -> str | None:
    """Why ``text`` is not a plain image reference (``[registry/]repository[:tag][@digest]``,
    no template tag), or None."""
    if not isinstance(text, str) or not text or len(text) > MAX_REFERENCE:
        return "not an image reference"
    rest, _, digest = text.partition("@")
    if digest and not is_digest(digest):
        return f"the digest {digest[:80]!r} is not sha256: and 64 hex digits"
    slash, colon = rest.rfind("/"), rest.rfind(":")
    tag = None
    if colon > slash:
        rest, tag = rest[:colon], rest[colon + 1:]
    if tag is not None and not is_tag(tag):
        return f"the tag {tag[:80]!r} is not a valid image tag"
    first, sep, remainder = rest.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        if not _HOST.fullmatch(first):
            return f"the registry {first[:80]!r} is not a host name"
        rest = remainder
    if not is_repository(rest):
        return f"the repository {rest[:80]!r} is not a valid repository name (lower case, digits, '.', '_', '-', '/')"
    return None


def names_registry(image_name: str) -> bool:
    """Whether an image name begins with a registry host (``mcr.microsoft.com/…``, ``localhost:5000/…``)."""
    first, slash, _ = image_name.partition("/")
    return bool(slash) and ("." in first or ":" in first or first == "localhost")


def published_reference(image_name: str, tag: str) -> str:
    """Where an environment's image is published: ``mcr.microsoft.com/<image name>:<tag>``.

    A name that holds its registry (a pre-built image named in full) is used as it is,
    with ``tag`` only when it has no tag or digest of its own.
    """
    if not names_registry(image_name):
        return f"{MCR_REGISTRY}/{image_name}:{tag}"
    last = image_name.rsplit("/", 1)[-1]
    return image_name if ":" in last or "@" in image_name else f"{image_name}:{tag}"
