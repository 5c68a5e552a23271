"""The machine-readable report; its shape is part of the interface (version 1)."""

from __future__ import annotations

import json
from pathlib import Path

from catalog.lint.report import display_path


def render(result, cwd: Path) -> str:
    document = {
        "version": 1,
        "environments": result.environments,
        "errors": result.errors,
        "warnings": result.warnings,
        "findings": [
            {
                "rule": finding.rule,
                "code": finding.code,
                "severity": finding.severity.value,
                "path": display_path(finding.location.path, cwd),
                "line": finding.location.line,
                "column": finding.location.column,
                "environment": finding.environment,
                "message": finding.message,
            }
            for finding in result.findings
        ],
    }
    return json.dumps(document, indent=2) + "\n"
