"""envcatalog: lint, document and verify a repository of curated environments."""

__version__ = "0.1.0"
