"""GitHub Actions workflow commands: one ``::error``/``::warning`` annotation per finding."""

from __future__ import annotations

from pathlib import Path

from catalog.lint.report import display_path


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(result, cwd: Path) -> str:
    lines = []
    for finding in result.findings:
        location = finding.location
        properties = [f"file={escape_property(display_path(location.path, cwd))}"]
        if location.line is not None:
            properties.append(f"line={location.line}")
            if location.column is not None:
                properties.append(f"col={location.column}")
        properties.append(f"title={escape_property(f'{finding.code} {finding.rule}')}")
        lines.append(f"::{finding.severity.value} {','.join(properties)}::{escape_data(finding.message)}")
    return "".join(line + "\n" for line in lines)
