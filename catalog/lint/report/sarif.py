"""SARIF 2.1.0, for code-scanning dashboards."""

from __future__ import annotations

import json
from pathlib import Path

from catalog import __version__
from catalog.lint.report import display_path

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning"}


def render(result, cwd: Path) -> str:
    rules = result.rules
    index = {rule.code: position for position, rule in enumerate(rules)}
    driver_rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.summary},
            "help": {"text": rule.body or rule.summary, "markdown": rule.body or rule.summary},
            "defaultConfiguration": {"level": _LEVELS[rule.severity.value]},
        }
        for rule in rules
    ]
    results = []
    for finding in result.findings:
        region = {}
        if finding.location.line is not None:
            region["startLine"] = finding.location.line
            if finding.location.column is not None:
                region["startColumn"] = finding.location.column
        physical = {"artifactLocation": {"uri": display_path(finding.location.path, cwd), "uriBaseId": "%SRCROOT%"}}
        if region:
            physical["region"] = region
        entry = {
            "ruleId": finding.code,
            "level": _LEVELS[finding.severity.value],
            "message": {"text": finding.message},
            "locations": [{"physicalLocation": physical}],
        }
        if finding.code in index:
            entry["ruleIndex"] = index[finding.code]
        if finding.environment:
            entry["properties"] = {"environment": finding.environment}
        results.append(entry)
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "envcatalog",
                        "version": __version__,
                        "rules": driver_rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": cwd.resolve().as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"
