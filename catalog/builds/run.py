"""Build, check and report each environment of a plan; one failure never stops the others.

For one environment: write its pinned copy into a scratch directory, build it with the
builder, read the image's digest and size, run the probe in the image (one container
start: the smoke test and the inventory), apply the policy, push when asked, and write
its report and keep its log. Everything shares the environment's deadline.

An interruption (Ctrl-C, or SIGTERM as CI runners send on cancel) stops every tool's
process group, removes working containers and scratch directories, and records the
interrupted build apart: the last completed report of that version is never replaced.
"""

from __future__ import annotations

import datetime
import json
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from catalog.builds import image_probe
from catalog.builds.backends.base import (
    CA_TARGET,
    Builder,
    BuildOptions,
    Deadline,
    Mount,
    interrupted,
    reset_interruption,
    stop_running,
)
from catalog.builds.build_copy import Mirror, write_build_copy
from catalog.builds.plan import BuildTarget
from catalog.builds.policy import BuildEvidence, check_policy
from catalog.builds.report import BuildDraft
from catalog.builds.smoke_test import PROBE_DIR, TESTS_DIR, interpret, probe_answer, probe_request
from catalog.image_ref import is_digest
from catalog.records.build_log import BuildLog
from catalog.records.build_report import FAILED, BuildReport, BuildReports, Check, PushedImage
from catalog.records.store import RecordRefused

SCRATCH_PREFIX = "catalog-build-"
PROBE_COMMAND = [
    "/bin/sh",
    "-c",
    f'exec "$(command -v python || command -v python3)" {PROBE_DIR}/image_probe.py {PROBE_DIR}/request.json',
]
MAX_LOG_READ = 8 << 20


@dataclass
class BuildSession:
    """What every build of one run shares."""

    builder: Builder
    builder_version: str
    options: BuildOptions
    reports: BuildReports
    mirrors: list[Mirror] = field(default_factory=list)
    timeout: float | None = None
    push: str | None = None  # registry[/prefix] to push to
    discard_images: bool = False
    policy: dict[str, str] = field(default_factory=dict)
    commit: str | None = None
    base_digest: Callable[[str], str | None] = lambda reference: None


@dataclass
class BuildOutcome:
    target: BuildTarget
    report: BuildReport
    report_path: Path | None
    problem: str | None = None  # the report could not be written


def build_all(targets: list[BuildTarget], session: BuildSession, jobs: int, progress) -> list[BuildOutcome]:
    reset_interruption()
    progress.planned([target.name for target in targets])
    pool = ThreadPoolExecutor(max(1, min(jobs, len(targets))))
    futures = []
    try:
        futures = [pool.submit(build_one, target, session, progress) for target in targets]
        return [future.result() for future in futures]
    except KeyboardInterrupt:  # stop what runs, start nothing more; each build records its interruption
        for future in futures:
            future.cancel()
        stop_running()
        raise
    finally:
        pool.shutdown(wait=True)


def build_one(target: BuildTarget, session: BuildSession, progress) -> BuildOutcome:
    started = datetime.datetime.now(datetime.timezone.utc)
    reports = session.reports
    draft = BuildDraft(
        target.name,
        target.version,
        started,
        reports.relative(reports.log_path(target.name, target.version)),
        builder=session.builder_version,
        commit=session.commit,
        content_hash=target.content_hash,
        tags=list(target.tags),
        base_reference=target.base_reference,
        released_base_digest=target.released_base_digest,
    )
    progress.update(target.name, "building")
    log = None
    try:
        log = BuildLog(reports, target.name, target.version)
        log.write(f"# catalog build {target.name} version {target.version} with {session.builder_version}, "
                  f"started {started.isoformat(timespec='seconds')}\n")
        _build_and_check(target, session, draft, log, progress)
    except (OSError, RecordRefused) as exc:
        draft.failure = draft.failure or (f"{getattr(exc, 'filename', None) or 'the build log'}: "
                                          f"{getattr(exc, 'strerror', None) or exc}")
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the other builds; the report says what happened
        draft.failure = f"internal error while building {target.name}: {type(exc).__name__}: {exc}"
    draft.interrupted = interrupted()
    draft.finished_at = datetime.datetime.now(datetime.timezone.utc)
    if log is not None:
        log.write(f"# {draft.status}: {draft.message}\n")
        try:
            final = log.finish(interrupted=draft.interrupted)
            draft.log = reports.relative(final)
        except OSError:
            log.discard()
            draft.log = None
    else:
        draft.log = None
    report = draft.report()
    path, problem = None, None
    try:
        path = reports.write(report)
    except (OSError, ValueError, RecordRefused) as exc:
        problem = f"{target.name}: cannot write its build report: {exc}"
    progress.finished(target.name, report.status, report.message)
    return BuildOutcome(target, report, path, problem)


def _build_and_check(target: BuildTarget, session: BuildSession, draft: BuildDraft, log: BuildLog, progress) -> None:
    builder = session.builder
    deadline = Deadline(session.timeout)
    work = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{target.name}-"))
    built = False
    try:
        if target.pin is None:
            raise ValueError(f"{target.name}: planned to build without a pinned definition")  # a bug
        copy = write_build_copy(target.pin, work, session.mirrors,
                                lambda text, runs: builder.prepare_dockerfile(text, runs, session.options))
        result = builder.build(copy.context, copy.dockerfile, target.tags, session.options, log, deadline)
        if not result.ok:
            draft.failure = _failure(result.detail, result.timed_out, "the build", log)
            if not result.interrupted:
                _judge(target, session, draft, log, None)  # what the definition and log show still counts
            return
        built = True
        facts = builder.inspect(target.tags[0])
        draft.image_digest, draft.image_size = facts.digest, facts.size
        if target.base_reference:
            draft.base_digest = facts.base_digest or session.base_digest(target.base_reference)
        progress.update(target.name, "checking")
        smoke = _smoke_test(target, session, work, log, deadline, draft)
        if interrupted():
            return
        _judge(target, session, draft, log, smoke.python if smoke else None)
        if session.push and draft.passed:
            progress.update(target.name, "pushing")
            _push(target, session, session.push, draft, log, deadline)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if built and (session.discard_images or interrupted()):
            for tag in target.tags:
                builder.remove(tag, log)


def _judge(target: BuildTarget, session: BuildSession, draft: BuildDraft, log, python: str | None) -> None:
    evidence = BuildEvidence(target.environment, python, draft.packages, _read_log(log), target.base_reference)
    draft.policy = check_policy(evidence, session.policy)


def _smoke_test(target: BuildTarget, session: BuildSession, work: Path, log, deadline: Deadline, report: BuildDraft):
    env = target.environment
    left = deadline.left()
    request, problem = probe_request(env, min(600, left) if left is not None else 600)
    if problem:
        report.checks.append(Check("pytest", FAILED, problem))
    probe_dir = work / "probe"
    probe_dir.mkdir()
    shutil.copyfile(image_probe.__file__, probe_dir / "image_probe.py")
    (probe_dir / "request.json").write_text(json.dumps(request), encoding="utf-8")
    mounts = [Mount(str(probe_dir), PROBE_DIR)]
    tests = env.pytest_tests
    if "pytest" in request and tests is not None:
        mounts.append(Mount(str(tests.tests_dir), TESTS_DIR))
        if tests.pip_requirements is not None:
            shutil.copyfile(tests.pip_requirements, probe_dir / "test-requirements.txt")
    if session.options.ca_bundle:
        mounts.append(Mount(session.options.ca_bundle, CA_TARGET))
    result = session.builder.run(target.tags[0], PROBE_COMMAND, log, deadline, mounts, session.options)
    answer = probe_answer(result.stdout)
    if answer is None:
        if result.timed_out:
            report.failure = _failure(result.detail, True, "the checks", log)
        else:
            report.failure = (f"the checks could not run in the image ({result.detail or 'no answer'}); "
                              f"see {report.log}")
        return None
    smoke = interpret(env, answer)
    report.checks.extend(smoke.checks)
    report.packages = smoke.packages
    return smoke


def _push(target: BuildTarget, session: BuildSession, registry: str, report: BuildDraft, log,
          deadline: Deadline) -> None:
    scheme, _, rest = registry.partition("://")
    registry = rest if rest else registry
    for tag in target.tags:
        destination = f"{registry.rstrip('/')}/{tag}"
        result = session.builder.push(tag, destination, session.options, log, deadline)
        if not result.ok:
            report.failure = _failure(result.detail, result.timed_out, f"pushing to {destination}", log)
            return
        digest = result.stdout.strip() or None
        report.pushed.append(PushedImage(destination, digest if digest and is_digest(digest) else None))


def _failure(detail: str, timed_out: bool, what: str, log) -> str:
    """What failed, in one line: the step, and the log's most telling error (the report names the environment)."""
    if timed_out:
        return f"{what} timed out: {detail}"
    text = _read_log(log)
    last = _last_error_line(text)
    hint = ("; TLS verification failed: behind a TLS-intercepting proxy, give the proxy's CA with --ca-bundle"
            if "CERTIFICATE_VERIFY_FAILED" in text else "")
    return detail + (f": {last}" if last else "") + hint


def _read_log(log: BuildLog) -> str:
    try:
        return log.recent(MAX_LOG_READ)
    except OSError:
        return ""


def _last_error_line(text: str) -> str:
    """The last error the failing command printed (pip's ``ERROR: …``) rather than the
    builder's own last line about the step that failed, which the message names already."""
    lines = [line.strip() for line in text.splitlines()]
    for line in reversed(lines):
        if line.startswith("ERROR:"):  # pip, apt and most tools run in RUN steps
            return line[:300]
    for line in reversed(lines):
        if line.lower().startswith(("error:", "error ")) or "error:" in line.lower()[:40]:
            return line[:300]
    return ""

