"""The packages page: every package and version that a verified image ships, with the
environment versions that ship it."""

from __future__ import annotations

from catalog.model.facts import normalize_package
from catalog.site.entry import SiteEntry
from catalog.site.links import PageLinks
from catalog.site.pages.base import CatalogPage, PageContext, compact_json, decoded
from catalog.site.render import natural_key

PATH = "packages.md"


def view(entry: SiteEntry, links: PageLinks, context: PageContext) -> str:
    """Each version whose image was built and passed its checks, with its page and inventory,
    newest version first; "" when none was.

    ``[name, [[version label, href, newest, [[package, version], ...]], ...]]``; ``newest``
    marks the newest version that was verified.
    """
    data = entry.data
    built: list[list] = []
    for version in data["versions"]:
        report = version["build"]
        if report is None or not report.passed or not report.packages:
            continue
        href = links.version_href(version["label"]) if version["released"] else links.href
        built.append([version["label"], href, not built, [[item.name, item.version] for item in report.packages]])
    return compact_json([data["name"], built]) if built else ""


def render(views: list[str], context: PageContext) -> str:
    listings = [listing for listing in decoded(PATH, views) if listing is not None]
    names = sorted({name for name, _ in listings}, key=natural_key)
    # links in raw HTML are relative to the page's URL: packages/ with directory URLs
    return context.templates.page("packages.md.j2", rows=package_rows(listings), environments=names,
                                  root="../" if context.directory_urls else "")


def package_rows(listings: list) -> list[dict]:
    """One row per package and version, with the environment versions that ship it (views in page order)."""
    rows: dict[tuple[str, str], dict] = {}
    for name, built in listings:
        for label, href, newest, packages in built:
            for package, version in packages:
                key = (normalize_package(package), version)
                row = rows.setdefault(key, {"package": package, "version": version, "environments": []})
                row["environments"].append({"name": name, "label": label, "href": href, "newest": newest})
    return [rows[key] for key in sorted(rows, key=lambda k: (k[0], natural_key(k[1])))]


PAGE = CatalogPage(PATH, view, render)
