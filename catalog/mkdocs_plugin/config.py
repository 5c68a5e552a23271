"""Options of the ``catalog`` MkDocs plugin (``plugins: - catalog: {...}`` in mkdocs.yml)."""

from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config


class CatalogConfig(Config):
    enabled = c.Type(bool, default=True)
    # The pyproject.toml whose [tool.catalog] names the catalog; default: the nearest
    # one at or above mkdocs.yml.
    config_file = c.Optional(c.File(exists=True))
    # Where the generated pages are kept between builds (relative to mkdocs.yml), outside
    # docs_dir: MkDocs reads them from here, and the docs directory stays the user's.
    cache_dir = c.Type(str, default=".cache/plugin/catalog")
    # Rebuild when environment files or build reports change under `mkdocs serve`.
    watch = c.Type(bool, default=True)
