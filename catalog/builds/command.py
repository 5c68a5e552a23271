"""``catalog build`` between the command line and the build: plan, then build and report.

The CLI parses flags and decides the exit code; this module turns the configuration
and flags into a plan (``plan_environments``) and carries it out
(``build_environments``). Problems with the request itself raise ``BuildRefused``
(exit 2); everything that goes wrong with an environment is in its report.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from catalog.builds.plan import BUILD, FAIL, SKIP, BuildTarget, environments_changed, plan_builds, plan_target
from catalog.finding import one_line, plural
from catalog.records.build_report import BuildReports
from catalog.records.store import RecordRefused

if TYPE_CHECKING:
    from catalog.pin.lookups import Lookups


class BuildRefused(Exception):
    """The request cannot be carried out (no builder, a bad revision, an unusable path)."""


@dataclass
class BuildRequest:
    rebuild_all: bool = False
    changed_since: str | None = None
    builder: str | None = None
    jobs: int | None = None
    push: str | None = None
    report_dir: Path | None = None
    no_cache: bool = False
    timeout: float | None = None
    ca_bundle: Path | None = None
    discard_images: bool = False
    offline: bool = False


@dataclass
class PlannedBuilds:
    targets: list[BuildTarget]
    reports: BuildReports
    lookups: Lookups | None = None  # the pin run's lookups, reused for base image digests

    @property
    def to_build(self) -> list[BuildTarget]:
        return [target for target in self.targets if target.action == BUILD]

    @property
    def failed(self) -> list[BuildTarget]:
        return [target for target in self.targets if target.action == FAIL]

    def render(self, fmt: str) -> str:
        if fmt == "github-matrix":
            return json.dumps({"include": [{"environment": target.name} for target in self.to_build]},
                              separators=(",", ":"))
        if fmt == "json":
            return json.dumps([{"environment": target.name, "action": target.action, "reason": target.reason,
                                "version": target.version if target.content_hash else None,
                                "image": target.tags[0] if target.tags else None,
                                "content_hash": target.content_hash} for target in self.targets], indent=2)
        lines = [target.line() for target in self.targets]
        lines.append(self.summary())
        return "\n".join(lines)

    def summary(self) -> str:
        counts = {
            action: sum(1 for target in self.targets if target.action == action) for action in (BUILD, SKIP, FAIL)
        }
        return (f"{plural(len(self.targets), 'environment')}: {counts[BUILD]} to build, {counts[SKIP]} skipped, "
                f"{counts[FAIL]} failed to plan")


@dataclass
class BuildResult:
    planned: PlannedBuilds
    outcomes: list = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.planned.failed) or any(
            not outcome.report.passed or outcome.problem for outcome in self.outcomes
        )


def plan_environments(config, chosen, request: BuildRequest) -> PlannedBuilds:
    from catalog import git
    from catalog.pin.run import make_lookups, pin_environments
    from catalog.records.ledger import ReleaseLedger
    from catalog.release.plan import identity_refusal

    if request.changed_since:
        changed, problem = git.changed_since(config.base_dir, request.changed_since)
        if changed is None:
            raise BuildRefused(f"--changed-since {request.changed_since}: {problem}")
        chosen = environments_changed(chosen, changed)
    reports_dir = request.report_dir if request.report_dir is not None else config.build_reports_path
    reports = BuildReports(reports_dir, config.base_dir if request.report_dir is None else None)
    if os.path.lexists(reports_dir) and not reports.tree.is_real_directory(reports_dir):
        raise BuildRefused(f"{reports_dir}: the reports directory is a symbolic link or not a directory")
    lookups = make_lookups(config.pin, request.offline)
    ledger = ReleaseLedger(config.releases_path, config.base_dir)
    decided: dict[int, BuildTarget] = {}
    if not request.rebuild_all:
        decided = _up_to_date_in_workers(chosen, config, ledger, reports, lookups)
    rest = [env for env in chosen if id(env) not in decided]
    # an environment whose name, version or image name is unsafe is neither pinned nor built
    buildable = [env for env in rest if env.context is not None and identity_refusal(env) is None]
    run = pin_environments(buildable, config.pin, offline=request.offline, lookups=lookups)
    plans = {id(plan.environment): plan for plan in run.plans}
    from catalog.pin.resolve import PinPlan

    ordered = [plans.get(id(env)) or PinPlan(env, []) for env in rest]
    targets = {id(target.environment): target
               for target in plan_builds(ordered, ledger, reports, request.rebuild_all, os.curdir)}
    return PlannedBuilds([decided.get(id(env)) or targets[id(env)] for env in chosen], reports, lookups)


PARALLEL_MIN_ENVIRONMENTS = 200  # below this, starting workers costs more than it saves


def _up_to_date_in_workers(chosen, config, ledger, reports: BuildReports, lookups) -> dict[int, BuildTarget]:
    """The environments that are up to date (skipped), found by forked workers.

    Most of a large catalog is up to date, and finding that out (pin, hash, read the last
    report) is the whole cost of a run that builds nothing: it is shared among workers
    forked after the catalog is loaded. What is to be built is planned again, in full,
    by the caller. Runs only where forking is safe (see ``catalog.forking``).
    """
    from catalog.forking import fork_is_safe, map_forked_shares
    from catalog.pin.resolve import apply_answers, plan_pins

    workers = min(os.cpu_count() or 1, 4)
    from catalog.release.plan import identity_refusal

    candidates = [env for env in chosen if env.context is not None and identity_refusal(env) is None]
    if len(candidates) < PARALLEL_MIN_ENVIRONMENTS or workers < 2 or not fork_is_safe():
        return {}
    ledger.names()  # read the ledger once, before forking

    def share(index: int, shares: int) -> list:
        found = []
        for position in range(index, len(candidates), shares):
            plan = plan_pins(candidates[position], config.pin.index_url)
            apply_answers(plan, lookups.answer)
            target = plan_target(plan, ledger, reports, False, os.curdir)
            if target.action == SKIP:
                found.append((position, target.reason, target.content_hash, target.version, target.tags))
        return found

    skipped = map_forked_shares(share, workers)
    return {id(candidates[position]): BuildTarget(candidates[position], SKIP, reason, None, digest, version, tags)
            for position, reason, digest, version, tags in skipped}


def build_environments(
    config, planned: PlannedBuilds, request: BuildRequest, echo: Callable[[str], None]
) -> BuildResult:
    from catalog import git
    from catalog.builds.progress import make_progress
    from catalog.builds.run import build_all

    result = BuildResult(planned)
    # the builder is checked before anything is written: an unusable one is a usage error
    session = _session(config, planned, request) if planned.to_build else None
    for target in planned.targets:
        if target.action != BUILD:
            echo(target.line())
    for target in planned.failed:
        _report_unbuildable(target, planned.reports, echo)
    if session is None:
        echo(_summary(result))
        return result
    session.commit = git.head_commit(config.base_dir)
    jobs = request.jobs or config.build.jobs
    echo(f"Building {plural(len(planned.to_build), 'environment')} with {session.builder_version} "
         f"({jobs} at a time); reports in {os.path.relpath(planned.reports.root)}")
    progress = make_progress()
    try:
        with _sigterm_as_interrupt():
            result.outcomes = build_all(planned.to_build, session, jobs, progress)
    finally:
        progress.close()
        if planned.lookups is not None:
            planned.lookups.cache.save()  # the base images' digests, asked while building
    for outcome in result.outcomes:
        if outcome.problem:
            echo(f"catalog: error: {outcome.problem}")
        elif not outcome.report.passed:
            log_file = planned.reports.log_of(outcome.report)
            log = os.path.relpath(log_file) if log_file else "none"
            echo(one_line(f"catalog: error: {outcome.target.name}: build failed: {outcome.report.message}")
                 + f" (log: {log})")
        elif outcome.report.base_image is not None and outcome.report.base_image.moved:
            echo(one_line(f"catalog: warning: {outcome.target.name}: {outcome.report.message}"))
    echo(_summary(result))
    return result


class _Terminated(KeyboardInterrupt):
    """SIGTERM (a CI runner cancelling the job), handled as Ctrl-C is."""

    exit_code = 128 + signal.SIGTERM


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """While building, SIGTERM interrupts the run as Ctrl-C does: the builds stop, clean up and
    record the interruption. Only the main thread can install signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _summary(result: BuildResult) -> str:
    passed = sum(1 for outcome in result.outcomes if outcome.report.passed)
    failed = len(result.outcomes) - passed + len(result.planned.failed)
    skipped = sum(1 for target in result.planned.targets if target.action == SKIP)
    return f"{plural(len(result.planned.targets), 'environment')}: {passed} passed, {failed} failed, {skipped} skipped"


def _report_unbuildable(target: BuildTarget, reports: BuildReports, echo) -> None:
    """A failed report for an environment that could not even be pinned, so the site shows
    why; never in place of a report that is there (a registry that is down says nothing
    about the image that was built before), and never for a name that is not safe."""
    import datetime

    from catalog.builds.report import BuildDraft
    from catalog.records.identity import is_safe_name

    name = target.environment.name
    if not is_safe_name(name):
        return
    path = reports.path(name, target.version)
    if os.path.lexists(path):
        return
    now = datetime.datetime.now(datetime.timezone.utc)
    draft = BuildDraft(name, target.version, now, None, failure=f"{name}: {target.reason}", finished_at=now)
    try:
        reports.write(draft.report())
    except (OSError, ValueError, RecordRefused) as exc:
        echo(f"catalog: error: {name}: cannot write its build report: {exc}")


def _session(config, planned: PlannedBuilds, request: BuildRequest):
    from catalog.builds.backends import NoBuilder, detect_builder, make_builder
    from catalog.builds.backends.base import BuildOptions
    from catalog.builds.build_copy import insecure_hosts, mirrors_from
    from catalog.builds.run import BuildSession

    settings = config.build
    try:
        name = request.builder or settings.builder
        builder = make_builder(name) if name else detect_builder()
    except NoBuilder as exc:
        raise BuildRefused(str(exc)) from None
    problem = builder.unusable()
    if problem:
        raise BuildRefused(f"--builder {builder.name}: {problem}; nothing was built or written")
    mirrors = mirrors_from(config.pin.registry_mirrors)
    insecure = list(insecure_hosts(mirrors))
    push = request.push
    if push and push.startswith("http://"):
        insecure.append(push[len("http://"):].split("/", 1)[0])
    ca_bundle = str(request.ca_bundle.resolve()) if request.ca_bundle else settings.ca_bundle
    if ca_bundle and not os.path.isfile(ca_bundle):
        raise BuildRefused(f"the CA bundle {ca_bundle} is not a file")
    options = BuildOptions(no_cache=request.no_cache, ca_bundle=ca_bundle, insecure_registries=tuple(insecure),
                           isolation=settings.isolation)
    timeout = request.timeout if request.timeout is not None else settings.timeout
    return BuildSession(builder=builder, builder_version=builder.version(), options=options,
                        reports=planned.reports, mirrors=mirrors, timeout=timeout or None, push=push,
                        discard_images=request.discard_images or settings.discard_images, policy=settings.policy,
                        base_digest=_digest_lookup(planned.lookups))


def _digest_lookup(lookups: Lookups | None):
    def base_digest(reference: str) -> str | None:
        return lookups.image_digest(reference)[0] if lookups is not None else None

    return base_digest
