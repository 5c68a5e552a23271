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

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 200
EPOCH = "1970-01-01T00:00:00Z"
# XML 1.0 cannot carry these characters at all, escaped or not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    updated: str  # RFC 3339, UTC
    href: str  # relative to the feed
    summary: str


def environment_feed_entries(environment, links) -> list[FeedEntry]:
    """The feed entries of one environment (an ``EnvironmentEntry``, with its ``PageLinks``):
    added, each version released (linked to the version's page), deprecated."""
    name = environment.name
    href = links.href
    urn = "urn:envcatalog:environment:" + quote(name, safe="")
    added, _, deprecated, releases = environment.dates
    entries = []
    if added:
        entries.append(FeedEntry(urn, f"New environment: {name}", added, href, environment.description or name))
    for version, released in releases:  # every version in the ledger, dated by its release
        entries.append(FeedEntry(f"{urn}:version:{quote(version, safe='')}", f"{name} version {version}",
                                 released, links.version_href(version), f"{name} version {version} is released."))
    if environment.deprecation is not None and deprecated:
        replacement, delete_on = environment.deprecation
        use = f"Use {replacement} instead." if replacement else "No replacement is named."
        when = f" It will be deleted on {delete_on}." if delete_on else ""
        entries.append(FeedEntry(f"{urn}:deprecated", f"Deprecated: {name}", deprecated, href,
                                 f"{name} is deprecated. {use}{when}"))
    return entries


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
