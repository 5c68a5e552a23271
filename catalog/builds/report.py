"""What a build finds while it runs, turned into its build report when it ends.

``BuildDraft`` gathers the evidence step by step (the record itself,
``catalog.records.build_report.BuildReport``, is immutable and written once);
``report()`` says whether the build passed and in one line what failed first.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from catalog.records.build_report import (
    FAILED,
    INTERRUPTED,
    PASSED,
    SKIPPED,
    BaseImage,
    BuildReport,
    Check,
    CheckCounts,
    InstalledPackage,
    PolicyFinding,
    PushedImage,
    utc_text,
)

ERROR = "error"


@dataclass
class BuildDraft:
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
    released_base_digest: str | None = None  # what the release of this version pinned
    pushed: list[PushedImage] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    packages: list[InstalledPackage] = field(default_factory=list)
    policy: list[PolicyFinding] = field(default_factory=list)
    failure: str | None = None  # what failed first (the build, a step, a check, the policy)
    interrupted: bool = False
    finished_at: datetime.datetime | None = None

    @property
    def passed(self) -> bool:
        return not self.interrupted and self.failure is None and not any(c.status == FAILED for c in self.checks) \
            and not any(finding.severity == ERROR for finding in self.policy)

    @property
    def status(self) -> str:
        if self.interrupted:
            return INTERRUPTED
        return PASSED if self.passed else FAILED

    @property
    def base_moved(self) -> bool:
        return bool(self.released_base_digest and self.base_digest and self.released_base_digest != self.base_digest)

    @property
    def message(self) -> str:
        if self.interrupted:
            return "interrupted before it finished; the last completed build of this version stands"
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
        text = f"built and checked: {len(self.checks)} checks passed" + (
            f", {warnings} policy warnings" if warnings else ""
        )
        if self.base_moved:
            text += (f"; built FROM {self.base_digest}, not the base image the release pinned "
                     f"({self.released_base_digest}): this is not that release's image")
        return text

    def report(self) -> BuildReport:
        finished = self.finished_at or datetime.datetime.now(datetime.timezone.utc)
        counts = {
            status: sum(1 for check in self.checks if check.status == status) for status in (PASSED, FAILED, SKIPPED)
        }
        overall = FAILED if counts[FAILED] else PASSED if counts[PASSED] else SKIPPED
        base = None
        if self.base_reference:
            base = BaseImage(self.base_reference, self.base_digest,
                             self.released_base_digest if self.base_moved else None)
        return BuildReport(
            environment=self.environment,
            asset_version=self.version,
            status=self.status,
            started_at=utc_text(self.started_at),
            finished_at=utc_text(finished),
            duration_seconds=round(max(0.0, (finished - self.started_at).total_seconds()), 1),
            builder=self.builder,
            commit=self.commit,
            content_hash=self.content_hash,
            image=self.tags[0] if self.tags else None,
            image_tags=tuple(self.tags) or None,
            image_digest=self.image_digest,
            image_size_bytes=self.image_size,
            base_image=base,
            pushed=tuple(self.pushed) or None,
            checks=tuple(self.checks),
            tests=CheckCounts(overall, counts[PASSED], counts[FAILED], counts[SKIPPED]),
            packages=tuple(sorted(self.packages, key=lambda item: (item.name.lower(), item.source))),
            policy=tuple(self.policy),
            log=self.log,
            message=self.message,
        )
