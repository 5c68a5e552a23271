"""The rules page: every lint rule and build policy check, from their docstrings."""

from __future__ import annotations

from pathlib import Path

from catalog.site.pages.base import PageContext, StaticPage


def render(context: PageContext) -> str:
    from catalog.builds.policy import POLICY
    from catalog.lint.rules import all_rules

    return context.templates.page("rules.md.j2", rules=all_rules(), policy=POLICY)


def sources() -> list:
    """(file, size, mtime) of the rules' and checks' sources: the page changes with their docstrings."""
    import catalog.builds.policy
    import catalog.lint.rules

    files = [*Path(catalog.lint.rules.__file__).parent.glob("*.py"), Path(catalog.builds.policy.__file__)]
    return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)


PAGE = StaticPage("rules.md", render, sources)
