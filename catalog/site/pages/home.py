"""The home page: every environment in one filterable table."""

from __future__ import annotations

from markupsafe import Markup

from catalog.site.entry import SiteEntry
from catalog.site.links import PageLinks
from catalog.site.pages.base import CatalogPage, PageContext, compact_json, decoded
from catalog.site.render import natural_key, tag_label

FACETS = (  # (key, label): the home page's filters
    ("os", "OS"),
    ("platform", "Platform"),
    ("python", "Python"),
    ("framework", "Framework"),
    ("compute", "CPU/GPU"),
    ("purpose", "Purpose"),
    ("status", "Status"),
)
# (key, label, class): the table's columns; the class sets a column's width.
COLUMNS = (("name", "Environment", "name"), ("version", "Latest version", "version"), ("os", "OS", "os"),
           ("python", "Python", "python"), ("framework", "Framework", "framework"),
           ("compute", "CPU/GPU", "compute"), ("purpose", "Purpose", "purpose"), ("status", "Status", "status"),
           ("verified", "Last verified build", "verified"))
NO_VALUE = "(none)"

PATH = "index.md"


def facet_values(entry: dict) -> dict[str, list[str]]:
    """The values the home page filters an environment by (the table's data attributes)."""
    framework = entry["framework"]["name"] if entry["framework"] else ""
    return {
        "os": [entry["os"] or NO_VALUE],
        "platform": [entry["platform"] or NO_VALUE],
        "python": [entry["python"] or NO_VALUE],
        "framework": [framework or NO_VALUE],
        "compute": [entry["compute"]],
        "purpose": list(entry["purposes"]),
        "status": [entry["status"]],
    }


def view(entry: SiteEntry, links: PageLinks, context: PageContext) -> str:
    """[its row in the table, [its values of each facet, in FACETS order]]."""
    data = entry.data
    facets = facet_values(data)
    row = context.templates.html.get_template("fragments/home-row.html.j2").render(
        e=data, facets=facets, href=links.href, slug=links.slug,
        tags=" ".join(tag_label(key, value) for key, value in data["tags"].items())).strip()
    return compact_json([row, [facets[key] for key, _ in FACETS]])


def render(views: list[str], context: PageContext) -> str:
    rows = decoded(PATH, views)
    counts: list[dict[str, int]] = [{} for _ in FACETS]
    for _, values in rows:
        for index, facet in enumerate(values):
            for value in facet:
                counts[index][value] = counts[index].get(value, 0) + 1
    facets = [(key, label, sorted(counts[i], key=natural_key)) for i, (key, label) in enumerate(FACETS)]
    deprecated = counts[[key for key, _ in FACETS].index("status")].get("deprecated", 0)
    table = context.templates.fragment("home-table.html.j2", facets=facets, columns=COLUMNS, count=len(rows),
                                       rows=Markup("\n".join(row for row, _ in rows)))
    return context.templates.page("home.md.j2", table=table, count=len(rows), deprecated=deprecated)


PAGE = CatalogPage(PATH, view, render)
