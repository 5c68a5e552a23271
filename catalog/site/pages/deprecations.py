"""The deprecations page: deprecated environments by the day they will be deleted, with days left."""

from __future__ import annotations

import datetime

from catalog.site.entry import SiteEntry
from catalog.site.links import PageLinks
from catalog.site.pages.base import CatalogPage, PageContext, compact_json, decoded

PATH = "deprecations.md"


def view(entry: SiteEntry, links: PageLinks, context: PageContext) -> str:
    """[name, page, replacement, DeleteOn, the replacement's page] of a deprecated environment."""
    deprecation = entry.data["deprecation"]
    if deprecation is None:
        return ""
    return compact_json([entry.data["name"], links.page, deprecation["replacement"], deprecation["delete_on"],
                         links.replacement_page])


def render(views: list[str], context: PageContext) -> str:
    deprecated = [item for item in decoded(PATH, views) if item is not None]
    groups: dict[str, list[dict]] = {"past": [], "upcoming": [], "undated": []}
    for name, page, replacement, day, replacement_page in sorted(deprecated, key=lambda d: (d[3] or "9999", d[0])):
        days = (datetime.date.fromisoformat(day) - context.today).days if day else None
        item = {"name": name, "page": page, "delete_on": day, "days": days, "replacement": replacement,
                "replacement_page": replacement_page}
        groups["undated" if days is None else "past" if days < 0 else "upcoming"].append(item)
    return context.templates.page("deprecations.md.j2", today=context.today.isoformat(), **groups)


PAGE = CatalogPage(PATH, view, render, daily=True)
