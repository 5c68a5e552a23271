"""``catalog.json``: every environment's entry, for scripts (schemas/catalog.schema.json)."""

from __future__ import annotations

import json

from catalog.records.build_report import BuildReport
from catalog.site.entry import SiteEntry
from catalog.site.links import PageLinks
from catalog.site.pages.base import CatalogPage, PageContext

PATH = "catalog.json"


def view(entry: SiteEntry, links: PageLinks, context: PageContext) -> str:
    """The environment's object, on one line (build reports as their records write them)."""
    return json.dumps({**entry.data, "page": links.href}, ensure_ascii=False, separators=(",", ":"),
                      default=_record_json)


def _record_json(value: object) -> object:
    if isinstance(value, BuildReport):
        return value.to_json()
    raise TypeError(f"{type(value).__name__} is not JSON")


def render(views: list[str], context: PageContext) -> str:
    return '{"version": 1, "environments": [\n' + ",\n".join(views) + "\n]}\n"


PAGE = CatalogPage(PATH, view, render)
