"""A released version's page: its image, pinned base, build, inventory and what changed."""

from __future__ import annotations

from catalog.site.entry import SiteEntry
from catalog.site.links import PageLinks
from catalog.site.pages.base import PageContext


def render_all(entry: SiteEntry, links: PageLinks, context: PageContext) -> list[tuple[str, str]]:
    """(page, Markdown) of each released version: ``environments/<slug>/<version>.md``."""
    data = entry.data
    released = [version for version in data["versions"] if version["released"]]  # newest first
    pages = []
    for position, version in enumerate(released):
        pages.append((links.version_page(version["label"]), context.templates.page(
            "version.md.j2", entry=data, version=version, links=links,
            files=entry.version_files.get(version["label"], []),
            newer=released[position - 1]["label"] if position else None,
            older=released[position + 1]["label"] if position + 1 < len(released) else None,
            latest=released[0]["label"])))
    return pages
