"""The site's own JavaScript and CSS (the home table's filters, the page styles)."""

from __future__ import annotations

from catalog.site.pages.base import PageContext, StaticPage

ASSETS = ("catalog.js", "catalog.css")


def _asset(name: str) -> StaticPage:
    def render(context: PageContext) -> bytes:
        return (context.templates.directory / "assets" / name).read_bytes()

    return StaticPage(f"assets/catalog/{name}", render)


PAGES = tuple(_asset(name) for name in ASSETS)
