"""Where generated files go: safe slugs for environment names, and paths kept inside the output.

Environment names are user input; a name such as ``../../etc/x`` or ``CON`` must still
give a page inside the output directory, and two names must never share a page.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from catalog.files import Within  # the output directory is checked as assets are

MAX_SLUG = 100
_UNSAFE = re.compile(r"[^a-z0-9.-]+")
_PLAIN = re.compile(r"[a-z0-9][a-z0-9.-]{0,99}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9.-]{0,119}")
_RESERVED = frozenset({"index", "readme"})  # MkDocs makes these the section's index page


class UnsafePath(ValueError):
    """A generated path that would leave the output directory."""


def slug_for(name: str | None) -> str:
    """A file-name-safe slug: the name itself when it is a plain curated name."""
    name = name or ""
    if _PLAIN.fullmatch(name) and ".." not in name and not name.endswith(".") and name not in _RESERVED:
        return name
    slug = _UNSAFE.sub("-", name.lower()).strip(".-")
    slug = re.sub(r"\.{2,}", ".", slug)[:MAX_SLUG - 9].strip(".-")
    # a hash keeps distinct names apart after the lossy mapping above
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slug}-{digest}" if slug else f"environment-{digest}"


def is_slug(text: object) -> bool:
    """Whether ``text`` is a slug ``assign_slugs`` could have given (a page name inside the output)."""
    return (isinstance(text, str) and _SLUG.fullmatch(text) is not None and ".." not in text
            and text not in _RESERVED)


def assign_slugs(keys_and_names: list[tuple[str, str | None]]) -> dict[str, str]:
    """A unique slug for each key (an asset file), in a stable order.

    The environment whose key sorts first keeps the plain slug; later ones with the
    same slug (duplicate names, a lint error) get ``-2``, ``-3``.
    """
    taken: set[str] = set()
    last_count: dict[str, int] = {}  # per base: where to go on counting (3,000 copies of a name)
    slugs: dict[str, str] = {}
    for key, name in sorted(keys_and_names, key=lambda item: (item[1] or "", item[0])):
        base = slug_for(name)
        slug, count = base, last_count.get(base, 1)
        while slug in taken:
            count += 1
            slug = f"{base}-{count}"
        last_count[base] = count
        taken.add(slug)
        slugs[key] = slug
    return slugs


def inside(root: Path, relative: str, within: Within | None = None) -> Path:
    """``root / relative``, refusing anything that leads outside ``root``.

    Symbolic links inside the output are followed too, so a planted link cannot
    redirect a write. ``within`` (for ``root``) remembers directories already checked.
    """
    if not relative or relative.startswith(("/", "\\")) or "\0" in relative:
        raise UnsafePath(f"refusing to write {relative!r}: not a relative path")
    if any(part in ("", ".", "..") for part in relative.split("/")):
        raise UnsafePath(f"refusing to write {relative!r}: not a plain relative path")
    target = root / relative
    if not (within or Within(root))(target):
        raise UnsafePath(f"refusing to write {relative!r}: it leads outside {root}")
    return target
