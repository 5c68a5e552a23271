"""Reporters: each turns one ``LintResult`` into one output format."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

# format -> the module of this package that writes it: the CLI offers these
FORMATS = {"text": "text", "json": "json_report", "sarif": "sarif", "github": "github"}


def display_path(path: Path, cwd: Path) -> str:
    """A path relative to the working directory, with forward slashes."""
    return Path(os.path.relpath(path, cwd)).as_posix()


def render(result, fmt: str, cwd: Path) -> str:
    module = importlib.import_module(f"catalog.lint.report.{FORMATS[fmt]}")
    return module.render(result, cwd)
