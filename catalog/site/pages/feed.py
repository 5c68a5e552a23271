"""The Atom feed (RFC 4287) of new environments, new versions and deprecations.

Entry ids are URNs built from the environment name (and version), so an entry keeps its
id across builds; dates are git commit times, so rebuilding an unchanged catalog gives
the same feed, byte for byte. What git cannot date (uncommitted work, a shallow clone,
a catalog that is not a repository) has no entry: a feed that called every environment
of a fresh checkout new would be wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote
from xml.etree import ElementTree

from catalog.site.entry import SiteEntry
from catalog.site.links import PageLinks
from catalog.site.pages.base import CatalogPage, PageContext, compact_json, decoded

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 200
EPOCH = "1970-01-01T00:00:00Z"
# XML 1.0 cannot carry these characters at all, escaped or not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

PATH = "feed.xml"


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    updated: str  # RFC 3339, UTC
    href: str  # relative to the feed
    summary: str


def view(entry: SiteEntry, links: PageLinks, context: PageContext) -> str:
    """The environment's feed entries (added, each version released, deprecated), as JSON lists."""
    return compact_json([[item.id, item.title, item.updated, item.href, item.summary]
                         for item in environment_feed_entries(entry.data, links)])


def environment_feed_entries(data: dict, links: PageLinks) -> list[FeedEntry]:
    """The feed entries of one environment (its catalog.json entry): added, each version
    released (linked to the version's page), deprecated."""
    name = data["name"]
    href = links.href
    urn = "urn:envcatalog:environment:" + quote(name, safe="")
    dates = data["dates"]
    entries = []
    if dates["added"]:
        entries.append(FeedEntry(urn, f"New environment: {name}", dates["added"], href, data["description"] or name))
    for version in reversed(data["versions"]):  # every version in the ledger, dated by its release
        if version["released"] and version["date"]:
            label = version["label"]
            title = f"{name} version {label}"
            entries.append(FeedEntry(f"{urn}:version:{quote(label, safe='')}", title, version["date"],
                                     links.version_href(label), f"{title} is released."))
    deprecation = data["deprecation"]
    if deprecation is not None and dates["deprecated"]:
        replacement, delete_on = deprecation["replacement"], deprecation["delete_on"]
        use = f"Use {replacement} instead." if replacement else "No replacement is named."
        when = f" It will be deleted on {delete_on}." if delete_on else ""
        entries.append(FeedEntry(f"{urn}:deprecated", f"Deprecated: {name}", dates["deprecated"], href,
                                 f"{name} is deprecated. {use}{when}"))
    return entries


def render(views: list[str], context: PageContext) -> bytes:
    entries = [FeedEntry(*item) for items in decoded(PATH, views) for item in items]
    return atom_feed(entries, context.site_name, context.site_url)


def atom_feed(entries: list[FeedEntry], title: str, site_url: str | None) -> bytes:
    """The feed document: the newest ``MAX_ENTRIES`` entries, newest first."""
    ElementTree.register_namespace("", ATOM)
    newest = sorted(entries, key=lambda e: (e.updated, e.id), reverse=True)[:MAX_ENTRIES]
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    if site_url:
        feed.set("{http://www.w3.org/XML/1998/namespace}base", site_url.rstrip("/") + "/")
    _text(feed, "id", (site_url.rstrip("/") + "/feed.xml") if site_url else "urn:envcatalog:feed")
    _text(feed, "title", title)
    _text(feed, "updated", newest[0].updated if newest else EPOCH)
    author = ElementTree.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", title)
    ElementTree.SubElement(feed, f"{{{ATOM}}}link", rel="self", href="feed.xml")
    ElementTree.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href="./")
    for entry in newest:
        element = ElementTree.SubElement(feed, f"{{{ATOM}}}entry")
        _text(element, "id", entry.id)
        _text(element, "title", entry.title)
        _text(element, "updated", entry.updated)
        ElementTree.SubElement(element, f"{{{ATOM}}}link", rel="alternate", href=entry.href)
        _text(element, "summary", entry.summary)
    ElementTree.indent(feed)
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _text(parent: ElementTree.Element, tag: str, text: str) -> None:
    clean = _NOT_XML.sub("", text)
    ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}").text = clean


PAGE = CatalogPage(PATH, view, render)
