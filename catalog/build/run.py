"""Build, check and report each environment of a plan; one failure never stops the others.

For one environment: write its pinned copy into a scratch directory, build it with the
builder, read the image's digest and size, run the probe in the image (one container
start: the smoke test and the inventory), apply the policy, push when asked, and write
its report and keep its log. Everything shares the environment's deadline.
"""

from __future__ import annotations

import datetime
import json
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from catalog.build import image_probe
from catalog.build.backend import BuildOptions, Builder, Deadline, Mount, stop_running
from catalog.build.build_copy import Mirror, write_build_copy
from catalog.build.plan import BuildTarget
from catalog.build.policy import BuildEvidence, check_policy
from catalog.build.report import BuildReport, relative_log, write_report
from catalog.build.smoke_test import FAILED, PROBE_DIR, TESTS_DIR, Check, interpret, probe_answer, probe_request
from catalog.site.build_reports import log_path

CA_TARGET = "/etc/ssl/certs/ca-certificates.crt"
PROBE_COMMAND = ["/bin/sh", "-c",
                 f'exec "$(command -v python || command -v python3)" {PROBE_DIR}/image_probe.py {PROBE_DIR}/request.json']
MAX_LOG_READ = 8 << 20


@dataclass
class BuildSession:
    """What every build of one run shares."""

    builder: Builder
    builder_version: str
    options: BuildOptions
    reports_dir: Path
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
    progress.planned([target.name for target in targets])
    pool = ThreadPoolExecutor(max(1, min(jobs, len(targets))))
    futures = []
    try:
        futures = [pool.submit(build_one, target, session, progress) for target in targets]
        return [future.result() for future in futures]
    except KeyboardInterrupt:  # stop what runs, start nothing more; each build still writes its report
        for future in futures:
            future.cancel()
        stop_running()
        raise
    finally:
        pool.shutdown(wait=True)


def build_one(target: BuildTarget, session: BuildSession, progress) -> BuildOutcome:
    started = datetime.datetime.now(datetime.timezone.utc)
    log_file = log_path(session.reports_dir, target.name, target.version)
    report = BuildReport(target.name, target.version, started, relative_log(session.reports_dir, log_file),
                         builder=session.builder_version, commit=session.commit, content_hash=target.content_hash,
                         tags=list(target.tags), base_reference=target.base_reference)
    progress.update(target.name, "building")
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(log_file, "w", encoding="utf-8", errors="replace") as log:
            log.write(f"# catalog build {target.name} version {target.version} with {session.builder_version}, "
                      f"started {started.isoformat(timespec='seconds')}\n")
            _build_and_check(target, session, report, log, progress)
            log.write(f"# {report.status}: {report.message}\n")
    except OSError as exc:
        report.failure = report.failure or f"{exc.filename or log_file}: {exc.strerror or exc}"
    except Exception as exc:  # a bug must not stop the other builds; the report says what happened
        report.failure = f"internal error while building {target.name}: {type(exc).__name__}: {exc}"
    report.finished_at = datetime.datetime.now(datetime.timezone.utc)
    path, problem = None, None
    try:
        path = write_report(session.reports_dir, report)
    except (OSError, ValueError) as exc:
        problem = f"{target.name}: cannot write its build report: {exc}"
    progress.finished(target.name, report.status, report.message)
    return BuildOutcome(target, report, path, problem)


def _build_and_check(target: BuildTarget, session: BuildSession, report: BuildReport, log, progress) -> None:
    builder = session.builder
    deadline = Deadline(session.timeout)
    work = Path(tempfile.mkdtemp(prefix=f"catalog-build-{target.name}-"))
    built = False
    try:
        copy = write_build_copy(target.pin, work, session.mirrors,
                                lambda text, runs: builder.prepare_dockerfile(text, runs, session.options))
        result = builder.build(copy.context, copy.dockerfile, target.tags, session.options, log, deadline)
        if not result.ok:
            report.failure = _failure(result.detail, result.timed_out, "the build", log)
            _judge(target, session, report, log, None)  # what the definition and log show still counts
            return
        built = True
        facts = builder.inspect(target.tags[0])
        report.image_digest, report.image_size = facts.digest, facts.size
        if target.base_reference:
            report.base_digest = facts.base_digest or session.base_digest(target.base_reference)
        progress.update(target.name, "checking")
        smoke = _smoke_test(target, session, work, log, deadline, report)
        _judge(target, session, report, log, smoke.python if smoke else None)
        if session.push and report.passed:
            progress.update(target.name, "pushing")
            _push(target, session, report, log, deadline)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if built and session.discard_images:
            for tag in target.tags:
                builder.remove(tag, log)


def _judge(target: BuildTarget, session: BuildSession, report: BuildReport, log, python: str | None) -> None:
    evidence = BuildEvidence(target.environment, python, report.packages, _read_log(log), target.base_reference)
    report.policy = check_policy(evidence, session.policy)


def _smoke_test(target: BuildTarget, session: BuildSession, work: Path, log, deadline: Deadline, report: BuildReport):
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


def _push(target: BuildTarget, session: BuildSession, report: BuildReport, log, deadline: Deadline) -> None:
    registry = session.push
    scheme, _, rest = registry.partition("://")
    registry = rest if rest else registry
    for tag in target.tags:
        destination = f"{registry.rstrip('/')}/{tag}"
        result = session.builder.push(tag, destination, session.options, log, deadline)
        if not result.ok:
            report.failure = _failure(result.detail, result.timed_out, f"pushing to {destination}", log)
            return
        digest = result.stdout.strip() or None
        report.pushed.append({"reference": destination, "digest": digest if digest and digest.startswith("sha256:") else None})


def _failure(detail: str, timed_out: bool, what: str, log) -> str:
    """What failed, in one line: the step, and the log's most telling error (the report names the environment)."""
    if timed_out:
        return f"{what} timed out: {detail}"
    text = _read_log(log)
    last = _last_error_line(text)
    hint = ("; TLS verification failed: behind a TLS-intercepting proxy, give the proxy's CA with --ca-bundle"
            if "CERTIFICATE_VERIFY_FAILED" in text else "")
    return detail + (f": {last}" if last else "") + hint


def _read_log(log) -> str:
    log.flush()
    try:
        with open(log.name, encoding="utf-8", errors="replace") as stream:
            stream.seek(0, 2)
            size = stream.tell()
            stream.seek(max(0, size - MAX_LOG_READ))
            return stream.read()
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

