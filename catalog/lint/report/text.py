"""``path:line:col: CODE rule-name message``, then a summary line."""

from __future__ import annotations

from pathlib import Path

from catalog.finding import Severity, plural
from catalog.lint.report import display_path


def render(result, cwd: Path) -> str:
    lines = []
    for finding in result.findings:
        location = finding.location
        where = display_path(location.path, cwd)
        if location.line is not None:
            where += f":{location.line}"
            if location.column is not None:
                where += f":{location.column}"
        prefix = "warning: " if finding.severity is Severity.WARNING else ""
        lines.append(f"{where}: {finding.code} {finding.rule} {prefix}{finding.message}")
    checked = plural(result.environments, "environment")
    if not result.environments:
        lines.append("Nothing to lint: no environment owns the given files.")
    elif result.findings:
        lines.append(f"Found {plural(result.errors, 'error')} and {plural(result.warnings, 'warning')} in {checked}.")
    else:
        lines.append(f"All clean: {checked} checked.")
    return "\n".join(lines) + "\n"
