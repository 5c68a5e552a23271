"""Commands of ``catalog`` that live in modules of their own; each registers itself on ``catalog.cli.cli``."""
