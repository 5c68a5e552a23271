"""Where each environment's pages are, and what they link to, worked out from the whole catalog.

An environment's page is ``environments/<slug>.md`` (its slug is its name, made safe and
unique: see ``catalog.site.paths``), each released version's page sits beside it, and a
deprecated environment's page links to its replacement's. The links of every environment
are settled from the names of the whole catalog before any page is rendered.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from catalog.site.paths import assign_slugs

ENVIRONMENTS_DIR = "environments"


class Naming(NamedTuple):
    """What the rest of the catalog needs to know of an environment to link to it."""

    name: str
    deprecated: bool
    replacement: str | None  # the environment a deprecated one names as its replacement


def environment_href(slug: str, directory_urls: bool) -> str:
    """The URL of an environment page from a page at the site root (raw HTML links)."""
    return f"{ENVIRONMENTS_DIR}/{slug}/" if directory_urls else f"{ENVIRONMENTS_DIR}/{slug}.html"


def version_page(environment_page: str, label: str) -> str:
    """A released version's page: ``environments/<slug>/<version>.md``, beside its environment's page."""
    return f"{environment_page.removesuffix('.md')}/{label}.md"


class PageLinks(NamedTuple):
    """What an environment's page and fragments need from the rest of the catalog: when any
    of these changes, its pages are rendered again."""

    slug: str
    replacement_slug: str | None
    today: str | None  # today's date for a deprecated environment (its page counts the days left)
    directory_urls: bool

    @property
    def today_date(self) -> datetime.date | None:
        return datetime.date.fromisoformat(self.today) if self.today else None

    @property
    def page(self) -> str:
        return f"{ENVIRONMENTS_DIR}/{self.slug}.md"

    @property
    def href(self) -> str:
        return environment_href(self.slug, self.directory_urls)

    def version_page(self, label: str) -> str:
        return version_page(self.page, label)

    def version_href(self, label: str) -> str:
        """The URL of a released version's page from a page at the site root."""
        return (f"{ENVIRONMENTS_DIR}/{self.slug}/{label}/" if self.directory_urls
                else f"{ENVIRONMENTS_DIR}/{self.slug}/{label}.html")

    @property
    def replacement_href(self) -> str | None:
        """The replacement's page, from this environment's page (a sibling)."""
        if self.replacement_slug is None:
            return None
        return f"../{self.replacement_slug}/" if self.directory_urls else f"{self.replacement_slug}.html"

    @property
    def replacement_page(self) -> str | None:
        return f"{ENVIRONMENTS_DIR}/{self.replacement_slug}.md" if self.replacement_slug else None


def catalog_links(namings: dict[str, Naming], today: datetime.date, directory_urls: bool) -> dict[str, PageLinks]:
    """The links of every environment (keyed by asset file), from the names of all of them.

    A replacement named by several environments (duplicate names) is the one whose slug
    sorts first; a replacement the catalog does not hold gets no link.
    """
    slugs = assign_slugs([(key, naming.name) for key, naming in namings.items()])
    first_by_name: dict[str, str] = {}
    for key in sorted(namings, key=slugs.__getitem__):
        first_by_name.setdefault(namings[key].name, key)
    day = today.isoformat()
    links = {}
    for key, naming in namings.items():
        target = first_by_name.get(naming.replacement) if naming.deprecated and naming.replacement else None
        links[key] = PageLinks(slugs[key], slugs[target] if target else None, day if naming.deprecated else None,
                               directory_urls)
    return links
