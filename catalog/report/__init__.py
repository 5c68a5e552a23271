"""Reporters: each turns one ``LintResult`` into one output format."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

FORMATS = {"text": "text", "json": "json_report", "sarif": "sarif", "github": "github"}


def plural(count: int, word: str) -> str:
    """``1 environment``, ``2 environments``: how every summary line counts."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def display_path(path: Path, cwd: Path) -> str:
    """A path relative to the working directory, with forward slashes."""
    return Path(os.path.relpath(path, cwd)).as_posix()


def render(result, fmt: str, cwd: Path) -> str:
    module = importlib.import_module(f"catalog.report.{FORMATS[fmt]}")
    return module.render(result, cwd)
