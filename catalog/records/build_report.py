"""Build reports: what each build of an environment found (``schemas/build-report.schema.json``).

``catalog build`` writes one report per environment and version; the site and the
next build's plan read them back. This module is the only reader and writer of their
files and the only place that turns a name and version into their paths:

    build-reports/<name>/<version>.json               the last completed build of that version
    build-reports/<name>/<version>.interrupted.json   a later build of it that was interrupted
    build-reports/logs/<name>-<version>.log           the log of the completed build
    build-reports/logs/<name>-<version>.interrupted.log

``<version>`` is a released version number, or ``next`` for a definition not released
yet. An interrupted build never replaces a completed report: the site keeps showing the
last verified build. ``BuildReport``'s fields are the schema's properties, one for one
(a test holds the two together).
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from catalog.records.identity import is_canonical_version, is_safe_name
from catalog.records.store import RecordProblem, RecordRefused, RecordTree, RecordUnreadable, remove_stale_staging

REPORT_FORMAT = 2
SCHEMA = "build-report"
MAX_REPORT_BYTES = 4 * 1024 * 1024  # an inventory of a few thousand packages fits
LOGS_DIR = "logs"
NEXT = "next"  # the version of a definition that is not released
PASSED, FAILED, SKIPPED, INTERRUPTED = "passed", "failed", "skipped", "interrupted"
INTERRUPTED_SUFFIX = ".interrupted"
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def is_report_version(version: object) -> bool:
    """A version a report may be of: a canonical number, or ``next``."""
    return version == NEXT or is_canonical_version(version)


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # passed, failed or skipped
    detail: str


@dataclass(frozen=True)
class InstalledPackage:
    name: str
    version: str
    source: str  # pip or conda


@dataclass(frozen=True)
class PolicyFinding:
    rule: str
    severity: str  # error or warning
    message: str


@dataclass(frozen=True)
class BaseImage:
    reference: str
    digest: str | None = None  # the digest the build started from
    released_digest: str | None = None  # the digest the release pinned, when it differs from ``digest``

    @property
    def moved(self) -> bool:
        """The build started from another image than the released version pinned."""
        return self.released_digest is not None and self.digest is not None and self.released_digest != self.digest


@dataclass(frozen=True)
class PushedImage:
    reference: str
    digest: str | None = None


@dataclass(frozen=True)
class CheckCounts:
    status: str
    passed: int | None = None
    failed: int | None = None
    skipped: int | None = None


@dataclass(frozen=True)
class BuildReport:
    """One build of one version of an environment, as written to and read from disk."""

    environment: str
    asset_version: str
    status: str  # passed, failed or interrupted
    finished_at: str  # RFC 3339, UTC
    version: int = REPORT_FORMAT
    started_at: str | None = None
    duration_seconds: float | None = None
    builder: str | None = None
    commit: str | None = None
    content_hash: str | None = None
    image: str | None = None
    image_tags: tuple[str, ...] | None = None
    image_digest: str | None = None
    image_size_bytes: int | None = None
    base_image: BaseImage | None = None
    pushed: tuple[PushedImage, ...] | None = None
    checks: tuple[Check, ...] | None = None
    tests: CheckCounts | None = None
    packages: tuple[InstalledPackage, ...] | None = None
    policy: tuple[PolicyFinding, ...] | None = None
    log: str | None = None  # relative to the reports directory
    log_url: str | None = None
    message: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def interrupted(self) -> bool:
        return self.status == INTERRUPTED

    @property
    def finished(self) -> datetime.datetime:
        return parse_time(self.finished_at) or datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)

    def to_json(self) -> dict[str, Any]:
        """The report's JSON document; absent values are left out."""
        document: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None:
                continue  # absent (a list that is there, even empty, is written)
            document[item.name] = _plain(value)
        return document

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BuildReport:
        """A report from a document that passed the schema (``read`` checks it first)."""
        base = data.get("base_image")
        tests = data.get("tests")
        return cls(
            environment=data["environment"], asset_version=data["asset_version"], status=data["status"],
            finished_at=data["finished_at"], version=data["version"], started_at=data.get("started_at"),
            duration_seconds=data.get("duration_seconds"), builder=data.get("builder"), commit=data.get("commit"),
            content_hash=data.get("content_hash"), image=data.get("image"),
            image_tags=_items(data, "image_tags", str), image_digest=data.get("image_digest"),
            image_size_bytes=data.get("image_size_bytes"),
            base_image=BaseImage(**base) if base else None,
            pushed=_items(data, "pushed", PushedImage),
            checks=_items(data, "checks", Check),
            tests=CheckCounts(**tests) if tests else None,
            packages=_items(data, "packages", InstalledPackage),
            policy=_items(data, "policy", PolicyFinding),
            log=data.get("log"), log_url=data.get("log_url"), message=data.get("message"),
        )


def _items(data: dict[str, Any], key: str, kind: type) -> tuple | None:
    """A list field as a tuple of its record type; None when the document has no such list."""
    if key not in data:
        return None
    return tuple(item if kind is str else kind(**item) for item in data[key])


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return {item.name: _plain(getattr(value, item.name)) for item in fields(value)
                if getattr(value, item.name) is not None}
    return value


@dataclass(frozen=True)
class ReportSummary:
    """What deciding on a rebuild reads of a report, checked on its own (the whole schema
    check of thousands of reports costs more than the rest of that decision)."""

    asset_version: str
    status: str
    finished_at: str
    content_hash: str | None


@dataclass
class EnvironmentReports:
    """An environment's completed reports, newest first; its interrupted builds; and why
    any other report file there could not be read."""

    reports: list[BuildReport] = field(default_factory=list)
    interrupted: list[BuildReport] = field(default_factory=list)
    problems: list[RecordProblem] = field(default_factory=list)


class BuildReports:
    """The reports directory (``build-reports`` in [tool.catalog], or ``--report-dir``)."""

    def __init__(self, root: Path, top: Path | None = None) -> None:
        self.root = Path(root)
        self.tree = RecordTree(self.root, top)

    # --- paths: the only place a name and version become one ---------------------------

    def directory(self, name: object) -> Path | None:
        """The directory of ``name``'s reports; None when the name cannot name a directory."""
        return self.root / name if is_safe_name(name) else None

    def path(self, name: str, version: str, interrupted: bool = False) -> Path:
        self._check(name, version)
        return self.root / name / f"{version}{INTERRUPTED_SUFFIX if interrupted else ''}.json"

    def log_path(self, name: str, version: str, interrupted: bool = False) -> Path:
        self._check(name, version)
        return self.root / LOGS_DIR / f"{name}-{version}{INTERRUPTED_SUFFIX if interrupted else ''}.log"

    def relative(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.root)).as_posix()

    def log_of(self, report: BuildReport) -> Path | None:
        """The log a report names (its schema allows only ``logs/<file>.log``)."""
        return self.root / report.log if report.log else None

    @staticmethod
    def _check(name: str, version: str) -> None:
        if not is_safe_name(name) or not is_report_version(version):
            raise RecordRefused(f"{name!r} version {version!r} cannot name a build report")

    # --- reading -------------------------------------------------------------------------

    def read(self, path: Path, name: str) -> BuildReport:
        """The report in ``path`` of environment ``name``; ``RecordUnreadable`` when it is not one."""
        from catalog.schema import schema_errors

        data = self.tree.read_json(path, MAX_REPORT_BYTES)
        for _, message in schema_errors(data, SCHEMA):
            raise RecordUnreadable(path, f"{message}")
        if data["environment"] != name:
            raise RecordUnreadable(path, f"reports environment {_short(data['environment'])}, expected {name!r}")
        expected = path.name[: -len(".json")].removesuffix(INTERRUPTED_SUFFIX)
        if data["asset_version"] != expected:
            raise RecordUnreadable(path, f"reports version {_short(data['asset_version'])}, expected {expected!r}")
        if (data["status"] == INTERRUPTED) != path.name.endswith(f"{INTERRUPTED_SUFFIX}.json"):
            raise RecordUnreadable(path, f"status {data['status']!r} does not belong in this file")
        for key in ("started_at", "finished_at"):
            if key in data and parse_time(data[key]) is None:
                raise RecordUnreadable(path, f"$.{key}: {_short(data[key])} is not an RFC 3339 date-time with a time "
                                             "zone")
        return BuildReport.from_json(data)

    def of_environment(self, name: str | None) -> EnvironmentReports:
        found = EnvironmentReports()
        directory = self.directory(name)
        if name is None or directory is None or not os.path.lexists(directory):
            return found
        if not self.tree.is_real_directory(directory):
            found.problems.append(RecordProblem(directory, "a symbolic link or not a directory; its reports are not "
                                                           "read", name))
            return found
        try:
            with os.scandir(directory) as scan:
                names = sorted(entry.name for entry in scan if not entry.name.startswith("."))
        except OSError as exc:
            found.problems.append(RecordProblem(directory, f"cannot read: {exc.strerror or exc}", name))
            return found
        for file in names:
            version = file[: -len(".json")].removesuffix(INTERRUPTED_SUFFIX) if file.endswith(".json") else None
            if version is None or not is_report_version(version):
                found.problems.append(RecordProblem(directory / file, "not a report name (<version>.json, the "
                                                    "version a number or next)", name))
                continue
            try:
                report = self.read(directory / file, name)
            except RecordUnreadable as exc:
                found.problems.append(RecordProblem(exc.path, exc.reason, name))
                continue
            (found.interrupted if report.interrupted else found.reports).append(report)
        found.reports.sort(key=lambda report: report.finished, reverse=True)
        found.interrupted.sort(key=lambda report: report.finished, reverse=True)
        return found

    def last_passed(self, name: str) -> ReportSummary | None:
        """The newest passing report's summary, read quickly (for deciding what to rebuild)."""
        directory = self.directory(name)
        if directory is None or not self.tree.is_real_directory(directory):
            return None
        try:
            with os.scandir(directory) as scan:
                files = [entry.name for entry in scan if entry.name.endswith(".json")
                         and is_report_version(entry.name[:-5])]
        except OSError:
            return None
        best: tuple[datetime.datetime, ReportSummary] | None = None
        for file in files:
            summary = self._summary(directory / file, name)
            if summary is None or summary.status != PASSED:
                continue
            when = parse_time(summary.finished_at)
            if when is not None and (best is None or when > best[0]):
                best = (when, summary)
        return best[1] if best else None

    def _summary(self, path: Path, name: str) -> ReportSummary | None:
        try:
            data = self.tree.read_json(path, MAX_REPORT_BYTES)
        except RecordUnreadable:
            return None
        if not isinstance(data, dict) or data.get("environment") != name or data.get("asset_version") != path.stem:
            return None
        status, finished, digest = data.get("status"), data.get("finished_at"), data.get("content_hash")
        if status not in (PASSED, FAILED) or not isinstance(finished, str) or parse_time(finished) is None:
            return None
        if digest is not None and not (isinstance(digest, str) and _DIGEST.fullmatch(digest)):
            return None
        return ReportSummary(path.stem, status, finished, digest)

    # --- writing -------------------------------------------------------------------------

    def write(self, report: BuildReport) -> Path:
        """Write ``report`` atomically: a completed build replaces that version's report
        (and the record of an interrupted build of it); an interrupted one is kept apart."""
        import json

        path = self.path(report.environment, report.asset_version, interrupted=report.interrupted)
        self.tree.write_file(path, (json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        if not report.interrupted:
            stale = self.path(report.environment, report.asset_version, interrupted=True)
            if os.path.isfile(stale) and not os.path.islink(stale):
                os.unlink(stale)
        return path

    def make_logs_directory(self) -> Path:
        """The logs directory, without what killed builds left in it."""
        directory = self.tree.make_directory(self.root / LOGS_DIR)
        remove_stale_staging(directory)
        return directory


def parse_time(text: object) -> datetime.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def utc_text(when: datetime.datetime) -> str:
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"
