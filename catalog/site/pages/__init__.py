"""The pages of the site, one module each, and the registries that list them.

``ENVIRONMENT_PAGES`` renders an environment's own pages (its page, then one per released
version); ``PAGES`` are the pages about the whole catalog, each rendered from every
environment's view of it (see ``base``); ``STATIC_PAGES`` show no environment. Adding a
page is a module here, its template in site_templates/pages/, and a line below.
"""

from __future__ import annotations

from catalog.site.entry import SiteEntry
from catalog.site.links import PageLinks
from catalog.site.pages import (
    assets,
    catalog_json,
    deprecations,
    environment,
    feed,
    home,
    packages,
    rules,
    tags,
    version,
)
from catalog.site.pages.base import CatalogPage, PageContext, StaticPage

PAGES: tuple[CatalogPage, ...] = (home.PAGE, catalog_json.PAGE, feed.PAGE, deprecations.PAGE, tags.PAGE, packages.PAGE)
STATIC_PAGES: tuple[StaticPage, ...] = (rules.PAGE, *assets.PAGES)


def environment_pages(entry: SiteEntry, links: PageLinks, context: PageContext) -> list[tuple[str, str]]:
    """(path, Markdown) of an environment's own pages: its page, then one per released version."""
    return [(links.page, environment.render(entry, links, context)), *version.render_all(entry, links, context)]


__all__ = ["PAGES", "STATIC_PAGES", "CatalogPage", "PageContext", "StaticPage", "environment_pages"]
