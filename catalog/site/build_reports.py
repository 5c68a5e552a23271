"""Build reports: what each build of an environment found (schemas/build-report.schema.json).

``catalog build`` writes one report per environment and version into the reports
directory (``build-reports/`` by default, ``build-reports`` in [tool.catalog]):

    build-reports/<environment name>/<version>.json    version: the released number, or "next"
    build-reports/logs/<environment name>-<version>.log

Everything that reads reports (the site, and the build deciding what is up to date)
reads them through this module: ``environment_reports`` gives an environment's reports,
newest first by ``finished_at``.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from pathlib import Path

from catalog.files import UnreadableFile, read_text

MAX_REPORT_BYTES = 4 * 1024 * 1024  # an inventory of a few thousand packages fits
LOGS_DIR = "logs"
NEXT = "next"  # the version of a definition that is not released
_VERSION = re.compile(r"[1-9][0-9]{0,8}|next")


def _usable_name(name: str | None) -> bool:
    return bool(name) and not name.startswith(".") and not any(c in name for c in "/\\\0") and len(name) <= 200


def report_path(directory: Path, name: str | None) -> Path | None:
    """The directory of environment ``name``'s reports (what the site watches for it), or
    None when the name cannot be a file name."""
    return directory / name if _usable_name(name) else None


def version_report_path(directory: Path, name: str | None, version: str) -> Path | None:
    """``<directory>/<name>/<version>.json``; None for a name or version that cannot be a file name."""
    if not _usable_name(name) or not _VERSION.fullmatch(str(version)):
        return None
    return directory / name / f"{version}.json"


def log_path(directory: Path, name: str, version: str) -> Path:
    return directory / LOGS_DIR / f"{name}-{version}.log"


def read_report_file(path: Path, name: str, validate: bool = True) -> tuple[dict | None, str | None]:
    """(report, None) for a valid report, (None, None) when there is none, (None, why) when broken.

    ``validate=False`` checks only what deciding on a rebuild reads (environment, status,
    finished_at, content_hash): the full schema check costs more than the rest of that decision.
    """
    from catalog.schema import schema_errors

    if not os.path.lexists(path):
        return None, None
    try:
        data = json.loads(read_text(path, MAX_REPORT_BYTES))
    except UnreadableFile as exc:
        return None, f"{path}: {exc}"
    except ValueError as exc:
        return None, f"{path}: not valid JSON: {exc}"
    if validate:
        for _, message in schema_errors(data, "build-report"):
            return None, f"{path}: {message}"
    elif not isinstance(data, dict) or not all(isinstance(data.get(key), str) for key in ("environment", "status", "finished_at")):
        return None, f"{path}: not a build report"
    if data["environment"] != name:
        return None, f"{path}: reports environment {data['environment']!r}, expected {name!r}"
    for key in ("started_at", "finished_at"):
        if key in data and parse_time(data[key]) is None:
            return None, f"{path}: $.{key}: {data[key]!r} is not an RFC 3339 date-time with a time zone"
    expected = path.stem
    if data.get("asset_version", expected) != expected:
        return None, f"{path}: reports version {data.get('asset_version')!r}, expected {expected!r}"
    return data, None


def environment_reports(directory: Path | None, name: str, validate: bool = True) -> tuple[list[dict], list[str]]:
    """(every valid report of ``name``, newest first by finished_at; problems with the others)."""
    if directory is None or not directory.is_dir() or directory.is_symlink():
        return [], []
    try:
        with os.scandir(directory) as scan:
            files = sorted(entry.name for entry in scan if entry.name.endswith(".json") and not entry.name.startswith("."))
    except OSError as exc:
        return [], [f"{directory}: cannot read: {exc.strerror or exc}"]
    reports, problems = [], []
    for file in files:
        if not _VERSION.fullmatch(file[:-5]):
            problems.append(f"{directory / file}: not a report name (<version>.json, the version a number or next)")
            continue
        report, problem = read_report_file(directory / file, name, validate)
        if report is not None:
            reports.append(report)
        elif problem:
            problems.append(problem)
    reports.sort(key=lambda report: parse_time(report["finished_at"]), reverse=True)
    return reports, problems


def last_passed_report(directory: Path, name: str) -> dict | None:
    """The newest report of a build that passed, read quickly (for deciding what to rebuild)."""
    reports, _ = environment_reports(report_path(directory, name), name, validate=False)
    return next((report for report in reports if report.get("status") == "passed"), None)


def parse_time(text: str) -> datetime.datetime | None:
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00") if isinstance(text, str) else text)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo is not None else None
