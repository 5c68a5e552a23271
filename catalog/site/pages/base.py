"""What a page of the site is: its view of each environment, and how it is rendered from them.

A catalog page (the home table, ``catalog.json``, the feed, the tags, packages and
deprecations pages) is made from one *view* per environment: the text the page shows of
that environment (a table row, a JSON object, a list item), computed when the environment
is parsed and kept in the site's cache. The page is rendered again only when a view of it
changed, environments came or went, or (for a ``daily`` page) the day changed. Static pages
depend on no environment.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from catalog.site.entry import SiteEntry
from catalog.site.links import PageLinks
from catalog.site.render import Templates


@dataclass(frozen=True)
class PageContext:
    """What every page of one run is rendered with."""

    templates: Templates
    today: datetime.date
    site_name: str
    site_url: str | None
    directory_urls: bool


@dataclass(frozen=True)
class CatalogPage:
    """A page about the whole catalog, rendered from every environment's view of it."""

    path: str  # in the output directory
    view: Callable[[SiteEntry, PageLinks, PageContext], str]  # an environment's share; "" when it has none
    render: Callable[[list[str], PageContext], str | bytes]  # the views in the home table's order
    daily: bool = False  # shows days counted from today


@dataclass(frozen=True)
class StaticPage:
    """A page that shows no environment (the rules page, the site's own CSS and JavaScript)."""

    path: str
    render: Callable[[PageContext], str | bytes]
    sources: Callable[[], list] = list  # what it is made from besides the templates: render again when it changes


def compact_json(value: Any) -> str:
    """A view that is JSON, on one line."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_LAST_DECODED: dict[str, dict[str, Any]] = {}  # page -> view -> decoded, from the last time it was rendered


def decoded(page: str, views: list[str]) -> list[Any]:
    """A page's JSON views decoded (an empty view is None), reusing what the page's last
    rendering in this process decoded: ``mkdocs serve`` renders a page again after each
    edit of one environment, and all other views are as they were."""
    last = _LAST_DECODED.get(page, {})
    found = {text: last[text] if text in last else json.loads(text) if text else None for text in views}
    _LAST_DECODED[page] = found
    return [found[text] for text in views]
