"""The tags page: one section per tag key, listing the environments of each value.

Its anchors are those Material's tags plugin makes, so an environment page's tag links
land on the right section under MkDocs and Zensical alike.
"""

from __future__ import annotations

from catalog.site.entry import SiteEntry
from catalog.site.links import PageLinks
from catalog.site.pages.base import CatalogPage, PageContext, compact_json, decoded
from catalog.site.render import natural_key, tag_anchor, tag_label
from catalog.site.untrusted import SafeMarkdown, escape_text

PATH = "tags.md"


def view(entry: SiteEntry, links: PageLinks, context: PageContext) -> str:
    """[its list item, [[key, value], ...] its tags as written].

    The item is a Markdown link to the page's source (``environments/<slug>.md``), which
    MkDocs and Zensical both resolve from the tags page; they treat links in raw HTML
    differently.
    """
    data = entry.data
    return compact_json([f"- [{escape_text(data['name'])}]({links.page})", list(data["tags"].items())])


def render(views: list[str], context: PageContext) -> str:
    return context.templates.page("tags.md.j2", sections=tag_sections(decoded(PATH, views)))


def tag_sections(listings: list) -> list[dict]:
    """One section per tag key, from each environment's decoded view in page order.

    Keys (and values) whose anchors coincide share a section, so every anchor an
    environment page links to is there exactly once.
    """
    members: dict[tuple, list[int]] = {}  # (key, value) -> positions in page order
    for position, (_, tags) in enumerate(listings):
        for key, value in tags:
            members.setdefault((key, value), []).append(position)
    sections: dict[str, dict] = {}
    for (key, value), positions in members.items():
        anchor = tag_anchor(key)
        section = sections.get(anchor)
        if section is None:
            section = sections[anchor] = {"anchor": anchor, "labels": [], "plain": [], "values": {}, "count": 0}
        if key not in section["labels"]:
            section["labels"].append(key)
        section["count"] += len(positions)
        if not value:
            section["plain"].append(positions)
            continue
        label = tag_label(key, value)
        group = section["values"].setdefault(
            tag_anchor(label), {"anchor": tag_anchor(label), "labels": [], "items": []}
        )
        group["labels"].append(label)
        group["items"].append(positions)

    def items(lists: list[list[int]]) -> SafeMarkdown:
        positions = lists[0] if len(lists) == 1 else sorted(set().union(*lists))
        return SafeMarkdown("\n".join(listings[position][0] for position in positions))  # escaped already

    def label_order(label: str) -> tuple:
        return natural_key(label), label

    ordered = []
    for section in sections.values():
        section["labels"].sort(key=label_order)
        section["plain"] = items(section["plain"]) if section["plain"] else ""
        for group in section["values"].values():
            group["labels"].sort(key=label_order)
            group["items"] = items(group["items"])
        section["values"] = sorted(section["values"].values(), key=lambda g: label_order(g["labels"][0]))
        ordered.append(section)
    return sorted(ordered, key=lambda s: label_order(s["labels"][0]))


PAGE = CatalogPage(PATH, view, render)
