"""The environment model: every command reads a catalog through these classes.

``discovery`` finds asset directories, ``asset`` is one environment (its files parsed
once, its ``facts`` and ``content_hash`` worked out on first use), ``catalog`` is all of
them with their indexes.
"""

from catalog.model.asset import CURATED_REPOSITORY, FLAG_TAGS, EnvironmentAsset, PytestTests
from catalog.model.build_context import BuildContext
from catalog.model.catalog import Catalog, load_catalog, load_environment
from catalog.model.discovery import ASSET_FILE, ENVIRONMENT_TYPE, SKIPPED_DIRS, find_asset_files, is_other_asset_type

__all__ = [
    "ASSET_FILE", "CURATED_REPOSITORY", "ENVIRONMENT_TYPE", "FLAG_TAGS", "SKIPPED_DIRS", "BuildContext", "Catalog",
    "EnvironmentAsset", "PytestTests", "find_asset_files", "is_other_asset_type", "load_catalog", "load_environment",
]
