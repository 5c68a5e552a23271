"""The rule registry: every rule has a stable code and name, a severity and a docstring.

A rule is a function ``check(environment, context)`` yielding ``Problem``s. Its
docstring is its documentation: a summary line, what it checks, why it matters and a
bad and a good example; ``catalog rules`` and the site's rules page print it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from catalog.finding import Problem, Severity

RULE_MODULES = ("files", "identity", "naming", "tags", "deprecation", "dockerfile", "build_context", "release")


class Documented:
    """A check whose docstring documents it: a summary line, then Markdown (why, bad, good).
    Lint rules and the build policy's checks both take this shape."""

    code: str
    name: str
    severity: Severity
    check: Callable

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0].strip()

    @property
    def body(self) -> str:
        """The documentation after the summary line (Markdown)."""
        parts = self.doc.split("\n", 1)
        return parts[1].strip() if len(parts) > 1 else ""


@dataclass(frozen=True)
class Rule(Documented):
    code: str
    name: str
    severity: Severity
    check: Callable[..., Iterable[Problem]]
    compares_definitions: bool = False  # reads ctx.equal_to: parallel runs hash the catalog once, among workers


_REGISTRY: dict[str, Rule] = {}


def rule(code: str, name: str, severity: Severity = Severity.ERROR, compares_definitions: bool = False):
    def register(check: Callable[..., Iterable[Problem]]) -> Callable[..., Iterable[Problem]]:
        if code in _REGISTRY or any(r.name == name for r in _REGISTRY.values()):
            raise ValueError(f"rule {code} {name} registered twice")
        _REGISTRY[code] = Rule(code, name, severity, check, compares_definitions)
        return check

    return register


def all_rules() -> list[Rule]:
    import importlib

    for module in RULE_MODULES:  # each registers its rules on first import
        importlib.import_module(f"catalog.lint.rules.{module}")
    return sorted(_REGISTRY.values(), key=lambda r: r.code)


class UnknownRule(ValueError):
    pass


def resolve(selectors: Iterable[str]) -> set[str]:
    """Rule codes for names, codes, code prefixes (``CAT3``) or ``ALL``."""
    rules = all_rules()
    codes: set[str] = set()
    for selector in selectors:
        selector = selector.strip()
        if selector.upper() == "ALL":
            codes.update(r.code for r in rules)
            continue
        matched = {r.code for r in rules if r.name == selector or r.code.startswith(selector.upper())}
        if not matched or not re.fullmatch(r"[A-Za-z0-9-]+", selector):
            raise UnknownRule(f"unknown rule {selector!r}; `catalog rules` lists them")
        codes.update(matched)
    return codes


def choose(select: Iterable[str], ignore: Iterable[str]) -> list[Rule]:
    select = list(select)
    chosen = resolve(select) if select else {r.code for r in all_rules()}
    chosen -= resolve(ignore)
    return [r for r in all_rules() if r.code in chosen]
