"""The ``catalog`` MkDocs plugin: generates the catalog's pages before each build."""

from catalog.mkdocs_plugin.plugin import CatalogPlugin

__all__ = ["CatalogPlugin"]
