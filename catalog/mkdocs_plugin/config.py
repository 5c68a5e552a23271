"""Options of the ``catalog`` MkDocs plugin (``plugins: - catalog: {...}`` in mkdocs.yml)."""

from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config


class CatalogConfig(Config):
    enabled = c.Type(bool, default=True)
    # The pyproject.toml whose [tool.catalog] names the catalog; default: the nearest
    # one at or above mkdocs.yml. Pages go to mkdocs.yml's docs_dir either way.
    config_file = c.Optional(c.File(exists=True))
    # Rebuild when environment files or build reports change under `mkdocs serve`.
    watch = c.Type(bool, default=True)
