"""Releases: the content hash of an environment's definition, and the ledger of released versions."""
