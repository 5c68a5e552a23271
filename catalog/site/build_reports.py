"""Build reports: what the latest build of an environment found (schemas/build-report.schema.json).

Reports live in one directory (``build-reports/`` by default, ``build-reports`` in
[tool.catalog]), one file per environment named ``<environment name>.json``.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

from catalog.files import UnreadableFile, read_text

MAX_REPORT_BYTES = 256 * 1024


def report_path(directory: Path, name: str | None) -> Path | None:
    """The report file of environment ``name``, or None when the name cannot be a file name."""
    if not name or name.startswith(".") or any(c in name for c in "/\\\0") or len(name) > 200:
        return None
    return directory / f"{name}.json"


def read_build_report(path: Path | None, name: str) -> tuple[dict | None, str | None]:
    """(report, None) for a valid report, (None, None) when there is none, (None, why) when broken."""
    from catalog.schema import schema_errors

    if path is None or not os.path.lexists(path):
        return None, None
    try:
        data = json.loads(read_text(path, MAX_REPORT_BYTES))
    except UnreadableFile as exc:
        return None, f"{path}: {exc}"
    except ValueError as exc:
        return None, f"{path}: not valid JSON: {exc}"
    for _, message in schema_errors(data, "build-report"):
        return None, f"{path}: {message}"
    if data["environment"] != name:
        return None, f"{path}: reports environment {data['environment']!r}, expected {name!r}"
    for key in ("started_at", "finished_at"):
        if key in data and parse_time(data[key]) is None:
            return None, f"{path}: $.{key}: {data[key]!r} is not an RFC 3339 date-time with a time zone"
    return data, None


def parse_time(text: str) -> datetime.datetime | None:
    try:
        value = datetime.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo is not None else None
