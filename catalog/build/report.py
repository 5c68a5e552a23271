"""The build report of one environment and version, as written to disk.

``BuildReport`` gathers what a build found while it runs; ``document`` is the JSON that
``schemas/build-report.schema.json`` describes, written atomically next to the others
(``catalog.site.build_reports`` names the files and reads them back).
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from catalog.atomic import write_text_atomic
from catalog.build.policy import ERROR, PolicyFinding
from catalog.build.smoke_test import FAILED, PASSED, SKIPPED, Check
from catalog.site.build_reports import version_report_path

REPORT_VERSION = 2


def utc_text(when: datetime.datetime) -> str:
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class BuildReport:
    environment: str
    version: str  # the released number, or "next"
    started_at: datetime.datetime
    log: str | None  # relative to the reports directory; None when nothing ran
    builder: str | None = None
    commit: str | None = None
    content_hash: str | None = None
    tags: list[str] = field(default_factory=list)
    image_digest: str | None = None
    image_size: int | None = None
    base_reference: str | None = None
    base_digest: str | None = None
    pushed: list[dict] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    packages: list[dict] = field(default_factory=list)
    policy: list[PolicyFinding] = field(default_factory=list)
    failure: str | None = None  # what failed first (the build, a step, a check, the policy)
    finished_at: datetime.datetime | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None and not any(c.status == FAILED for c in self.checks) and not any(
            finding.severity == ERROR for finding in self.policy)

    @property
    def status(self) -> str:
        return PASSED if self.passed else FAILED

    @property
    def message(self) -> str:
        if self.failure:
            return self.failure
        failed = [check for check in self.checks if check.status == FAILED]
        if failed:
            first = failed[0]
            more = f" (and {len(failed) - 1} more checks)" if len(failed) > 1 else ""
            return f"check {first.name} failed: {first.detail}{more}"
        errors = [finding for finding in self.policy if finding.severity == ERROR]
        if errors:
            return f"policy {errors[0].rule}: {errors[0].message}"
        warnings = sum(1 for finding in self.policy if finding.severity != ERROR)
        return f"built and checked: {len(self.checks)} checks passed" + (f", {warnings} policy warnings" if warnings else "")

    def document(self) -> dict:
        finished = self.finished_at or datetime.datetime.now(datetime.timezone.utc)
        data: dict = {
            "version": REPORT_VERSION,
            "environment": self.environment,
            "asset_version": self.version,
            "status": self.status,
            "started_at": utc_text(self.started_at),
            "finished_at": utc_text(finished),
            "duration_seconds": round(max(0.0, (finished - self.started_at).total_seconds()), 1),
        }
        optional = {
            "builder": self.builder,
            "commit": self.commit,
            "content_hash": self.content_hash,
            "image": self.tags[0] if self.tags else None,
            "image_tags": list(self.tags) or None,
            "image_digest": self.image_digest,
            "image_size_bytes": self.image_size,
        }
        data.update({key: value for key, value in optional.items() if value is not None})
        if self.base_reference:
            data["base_image"] = {"reference": self.base_reference, "digest": self.base_digest}
        if self.pushed:
            data["pushed"] = self.pushed
        data["checks"] = [check.as_json() for check in self.checks]
        counts = {status: sum(1 for check in self.checks if check.status == status) for status in (PASSED, FAILED, SKIPPED)}
        overall = FAILED if counts[FAILED] else PASSED if counts[PASSED] else SKIPPED
        data["tests"] = {"status": overall, **counts}
        data["packages"] = sorted(self.packages, key=lambda item: (item["name"].lower(), item["source"]))
        data["policy"] = [finding.as_json() for finding in self.policy]
        if self.log:
            data["log"] = self.log
        data["message"] = self.message
        return data


def write_report(directory: Path, report: BuildReport) -> Path:
    path = version_report_path(directory, report.environment, report.version)
    if path is None:
        raise ValueError(f"{report.environment!r} version {report.version!r} cannot name a report file")
    write_text_atomic(path, json.dumps(report.document(), indent=2, ensure_ascii=False) + "\n")
    return path


def relative_log(directory: Path, log: Path) -> str:
    return Path(os.path.relpath(log, directory)).as_posix()
