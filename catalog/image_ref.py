"""Container image references: ``registry/repository:tag@digest``."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.template_tags import find_template_tags

DEFAULT_REGISTRY = "docker.io"


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
    for tag in reversed(find_template_tags(text)):
        placeholder = placeholder[: tag.start] + "\x00" + placeholder[tag.end :]
        templated = True
    digest = None
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
