"""Run the chosen rules over the target environments and collect their findings."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from catalog.config import Config
from catalog.finding import Finding, Location, Severity, internal_error
from catalog.lint.context import LintContext
from catalog.lint.rules import Rule
from catalog.lint.suppressions import Suppressions
from catalog.model import Catalog, EnvironmentAsset


@dataclass
class LintResult:
    findings: list[Finding]
    environments: int
    rules: list[Rule] = field(default_factory=list)
    targets: list[EnvironmentAsset] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)


PARALLEL_MIN_TARGETS = 200  # below this, starting workers costs more than it saves
MAX_FINDINGS_PER_FILE = 20  # of one rule; the rest are counted in one more finding


def lint(
    catalog: Catalog,
    targets: list[EnvironmentAsset],
    config: Config,
    rules: list[Rule],
    today: datetime.date | None = None,
) -> LintResult:
    context = LintContext(catalog, config, today or datetime.date.today())
    workers = min(os.cpu_count() or 1, 4)
    if len(targets) >= PARALLEL_MIN_TARGETS and workers > 1 and _fork_is_safe():
        findings = _check_in_workers(targets, rules, context, workers)
    else:
        findings = _check(targets, rules, context)
    findings.sort(key=Finding.sort_key)
    return LintResult(findings, len(targets), rules, list(targets))


UNREADABLE_DIRECTORY = "CAT008"


def unreadable_findings(unreadable: list[tuple[Path, str]], rules: list[Rule]) -> list[Finding]:
    """One finding per directory that could not be listed (rule ``unreadable-directory``):
    the environments in it went unchecked, so the run is not clean."""
    rule = next((rule for rule in rules if rule.code == UNREADABLE_DIRECTORY), None)
    if rule is None:
        return []
    found: dict[str, str] = {}
    for directory, reason in unreadable:
        found.setdefault(os.path.abspath(directory), reason)
    return [Finding(rule.name, rule.code, rule.severity, Location(Path(directory)), None,
                    f"cannot read directory: {reason}; the environments in it are not checked")
            for directory, reason in found.items()]


def merge_results(results: list[LintResult], extra: Iterable[Finding] = ()) -> LintResult:
    """One result of several lint runs (catalogs of their own) and catalog-level findings."""
    findings = [finding for result in results for finding in result.findings] + list(extra)
    findings.sort(key=Finding.sort_key)
    rules = results[0].rules if results else []
    return LintResult(findings, sum(result.environments for result in results), rules,
                      [env for result in results for env in result.targets])


def _check(targets: list[EnvironmentAsset], rules: list[Rule], context: LintContext) -> list[Finding]:
    suppressions = Suppressions(context.config)
    findings: list[Finding] = []
    for environment in targets:
        suppressions.remember(environment)
        for rule in rules:
            findings.extend(_bounded(_rule_findings(rule, environment, context, suppressions), rule))
    return findings


def _rule_findings(rule: Rule, environment: EnvironmentAsset, context: LintContext,
                   suppressions: Suppressions) -> Iterator[Finding]:
    """What ``rule`` finds on ``environment``; a bug in the rule is one more finding, not the end of the run."""
    try:
        for problem in rule.check(environment, context):
            finding = Finding(
                rule=rule.name,
                code=rule.code,
                severity=problem.severity or rule.severity,
                location=problem.location,
                environment=environment.name,
                message=problem.message,
            )
            if not suppressions.suppressed(finding):
                yield finding
    except Exception as exc:  # noqa: BLE001 - a bug in a rule is a finding, not the end of the run
        message = internal_error(f"checking {rule.name} on", environment.asset_file, exc)
        yield Finding(rule.name, rule.code, Severity.ERROR, Location(environment.asset_file), None, message)


def _bounded(findings: Iterable[Finding], rule: Rule) -> list[Finding]:
    """The first MAX_FINDINGS_PER_FILE findings of a rule in each file, then one that counts the rest.

    A generated or pasted file can hold thousands of the same mistake; a report of
    thousands of lines hides everything else.
    """
    kept: list[Finding] = []
    shown: dict[Path, int] = {}
    hidden: dict[Path, tuple[Finding, int, bool]] = {}  # the first hidden finding, how many, any error
    for finding in findings:
        path = finding.location.path
        shown[path] = shown.get(path, 0) + 1
        if shown[path] <= MAX_FINDINGS_PER_FILE:
            kept.append(finding)
            continue
        first, count, error = hidden.get(path, (finding, 0, False))
        hidden[path] = (first, count + 1, error or finding.severity is Severity.ERROR)
    for first, count, error in hidden.values():
        message = (f"{count} more {rule.name} finding{'s' if count > 1 else ''} in this file not shown "
                   f"(only the first {MAX_FINDINGS_PER_FILE} are)")
        kept.append(replace(first, message=message, severity=Severity.ERROR if error else Severity.WARNING))
    return kept


def _fork_is_safe() -> bool:
    from catalog.forking import fork_is_safe  # imports multiprocessing: only for large runs

    return fork_is_safe()


def _check_in_workers(targets, rules, context: LintContext, workers: int) -> list[Finding]:
    """Workers are forked after the catalog's YAML is loaded, so each one sees the whole
    catalog (catalog-wide rules need it) without loading it again.

    Rules that compare definitions need every environment's rough key (reading every
    Dockerfile): each worker works out those of a share of the catalog first, and the
    parent hands every worker all of them, so no worker reads the whole catalog's
    Dockerfiles. The few environments whose keys collide are then hashed where needed.
    """
    from catalog.forking import map_forked_rounds, map_forked_shares
    from catalog.model.content_hash import rough_key

    catalog = context.catalog
    context.by_image_name, catalog.named("")  # build shared indexes once, before forking
    if not any(rule.compares_definitions for rule in rules):
        return map_forked_shares(lambda index, shares: _check(targets[index::shares], rules, context), workers)
    chosen = {id(env) for env in targets}
    others = [env for env in catalog.environments if id(env) not in chosen]

    def keys(index: int, shares: int) -> list[tuple[str, str | None]]:
        # its own targets, whose Dockerfiles it reads for the rules anyway, and a share of the rest
        return [(str(env.asset_file), rough_key(env)) for env in (*targets[index::shares], *others[index::shares])]

    def check(index: int, shares: int, rough: dict[str, str | None]) -> list[Finding]:
        catalog.adopt_rough_keys(rough)
        return _check(targets[index::shares], rules, context)

    _, findings = map_forked_rounds(keys, check, dict, workers)
    return findings
