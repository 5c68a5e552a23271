"""The builder interface that every backend implements (``catalog.builds.backends``).

Every backend runs its tool as a child process whose output goes to the environment's
build log, under a deadline: a build that overruns is stopped (its whole process
group, the tool's helpers included) and reported as timed out, never left running.
Failures are values (``StepResult``); nothing here raises for a failed build.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

CA_TARGET = "/etc/ssl/certs/ca-certificates.crt"  # where RUN steps and checks see the CA bundle
KILL_GRACE_SECONDS = 10  # after SIGTERM, before SIGKILL: buildah removes its working containers
_RUNNING: set[subprocess.Popen] = set()  # tool processes of this run, stopped on an interrupt
_RUNNING_LOCK = threading.Lock()
_INTERRUPTED = threading.Event()


class Log(Protocol):
    """Where a tool's output goes: a build log (``records.build_log.BuildLog``) or any text stream."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> None: ...


@dataclass
class BuildOptions:
    """How to build, the same for every environment of one run."""

    no_cache: bool = False
    # Mounted at /etc/ssl/certs/ca-certificates.crt in RUN steps and checks only (never
    # written into the image): builds behind a TLS-intercepting proxy need it.
    ca_bundle: str | None = None
    # Registries (host[:port]) reached over plain HTTP or with TLS unverified: http:// mirrors.
    insecure_registries: tuple[str, ...] = ()
    isolation: str | None = None  # buildah/podman --isolation (buildah: chroot by default here)


@dataclass(frozen=True)
class Mount:
    source: str
    target: str
    read_only: bool = True


@dataclass
class StepResult:
    """What one tool invocation did: ok, why not, and what it printed on standard output."""

    ok: bool
    detail: str = ""
    stdout: str = ""
    timed_out: bool = False
    interrupted: bool = False


@dataclass(frozen=True)
class ImageFacts:
    digest: str | None  # the manifest digest in the builder's storage
    size: int | None  # bytes
    base_digest: str | None = None  # the digest of the image the final stage started from, when the tool records it


class Deadline:
    """The time left for one environment (build, checks and push share it)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.ends = None if seconds is None else time.monotonic() + seconds

    def left(self) -> float | None:
        return None if self.ends is None else max(0.0, self.ends - time.monotonic())

    @property
    def passed(self) -> bool:
        return self.ends is not None and time.monotonic() >= self.ends


@dataclass
class Builder:
    """One container tool. Subclasses say how each step is spelled."""

    name: str = ""
    executable: str = ""
    environment: dict[str, str] = field(default_factory=dict)  # extra variables for the tool

    @classmethod
    def passed_over(cls, executable: str) -> str | None:
        """Why detection should not pick this installed tool (docker: no daemon), or None."""
        return None

    def version(self) -> str:
        """``name x.y.z``, or the name alone when the tool does not say."""
        raise NotImplementedError

    def unusable(self) -> str | None:
        """Why this tool cannot build here (no daemon, a missing plugin), or None. Asked
        before anything is built, so that a tool that cannot run writes no report."""
        result = self.execute(["--version"], None, Deadline(30), capture=True, what=f"{self.name} --version")
        return None if result.ok else f"{self.name} does not run ({result.detail})"

    def prepare_dockerfile(self, text: str, run_lines: list[int], options: BuildOptions) -> str:
        """The Dockerfile this tool builds, from the pinned one (``run_lines``: where RUN instructions start)."""
        return text

    def build(self, context: Path, dockerfile: Path, tags: list[str], options: BuildOptions, log: Log,
              deadline: Deadline) -> StepResult:
        raise NotImplementedError

    def run(self, image: str, command: list[str], log: Log, deadline: Deadline, mounts: list[Mount],
            options: BuildOptions) -> StepResult:
        """Run ``command`` in a container of ``image``; its standard output is returned, its
        standard error goes to the log. The container is removed afterwards."""
        raise NotImplementedError

    def inspect(self, image: str) -> ImageFacts:
        raise NotImplementedError

    def push(self, image: str, destination: str, options: BuildOptions, log: Log, deadline: Deadline) -> StepResult:
        raise NotImplementedError

    def remove(self, image: str, log: Log | None = None) -> StepResult:
        raise NotImplementedError

    # --- running the tool --------------------------------------------------------------

    def command(self, *args: str) -> list[str]:
        return [self.executable, *args]

    def execute(self, args: list[str], log: Log | None, deadline: Deadline | None = None,
                capture: bool = False, what: str | None = None, cleanup: bool = False) -> StepResult:
        """Run the tool with ``args``: standard error (and standard output unless
        ``capture``) to ``log``; stopped when ``deadline`` passes. ``cleanup`` steps run
        even after an interruption."""
        command = self.command(*args)
        return run_command(command, log, deadline, capture, what or f"{self.name} {args[0]}", self.environment, cleanup)


MAX_CAPTURE = 64 << 20  # bytes of a tool's standard output kept (the probe's answer, an inspect document)
PUMP_CHUNK = 64 * 1024


def run_command(command: list[str], log, deadline: Deadline | None, capture: bool, what: str,
                environment: dict[str, str] | None = None, cleanup: bool = False) -> StepResult:
    """Run ``command`` in its own session; kill the whole session when the deadline passes.

    Its output goes to ``log`` (bounded there) through a pipe; with ``capture`` its standard
    output is returned instead (at most ``MAX_CAPTURE`` bytes). After an interruption
    nothing new is started, except ``cleanup`` steps (removing a container or an image).
    """
    if _INTERRUPTED.is_set() and not cleanup:
        return StepResult(False, f"{what}: interrupted", interrupted=True)
    if log is not None:
        log.write(f"$ {shlex.join(command)}\n")
        log.flush()
    env = dict(os.environ, **(environment or {}))
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE if capture else subprocess.STDOUT,
                                   start_new_session=True, env=env)
    except OSError as exc:
        return StepResult(False, f"{what}: cannot run {command[0]}: {exc.strerror or exc}")
    captured = bytearray()
    pumps = [threading.Thread(target=_pump, args=(process.stderr if capture else process.stdout, log), daemon=True)]
    if capture:
        pumps.append(threading.Thread(target=_collect, args=(process.stdout, captured), daemon=True))
    for pump in pumps:
        pump.start()
    timeout = deadline.left() if deadline is not None else None
    with _RUNNING_LOCK:
        _RUNNING.add(process)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_session(process)
        _join(pumps)
        seconds = deadline.seconds if deadline is not None else 0
        if log is not None:
            log.write(f"\n*** stopped: the build took longer than its timeout of {seconds:g} s\n")
        return StepResult(False, f"{what}: timed out (the timeout is {seconds:g} s)", timed_out=True)
    except BaseException:
        stop_session(process)
        raise
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(process)
    _join(pumps)
    stdout = captured.decode("utf-8", "replace")
    if process.returncode != 0:
        if _INTERRUPTED.is_set() and not cleanup:
            return StepResult(False, f"{what}: interrupted", stdout, interrupted=True)
        if process.returncode < 0:
            return StepResult(False, f"{what} was killed by {signal.Signals(-process.returncode).name}", stdout)
        return StepResult(False, f"{what} failed (exit status {process.returncode})", stdout)
    return StepResult(True, "", stdout)


def _pump(stream, log) -> None:
    """Copy a tool's output into the log as it comes (the log bounds what it keeps)."""
    try:
        for chunk in iter(lambda: stream.read1(PUMP_CHUNK), b""):
            if log is None:
                continue
            if hasattr(log, "write_bytes"):
                log.write_bytes(chunk)
            else:
                log.write(chunk.decode("utf-8", "replace"))
    except (OSError, ValueError):
        pass
    finally:
        stream.close()


def _collect(stream, into: bytearray) -> None:
    try:
        for chunk in iter(lambda: stream.read1(PUMP_CHUNK), b""):
            if len(into) < MAX_CAPTURE:
                into.extend(chunk[: MAX_CAPTURE - len(into)])
    except (OSError, ValueError):
        pass
    finally:
        stream.close()


def _join(pumps: list[threading.Thread]) -> None:
    # a helper the tool left running (its session was killed) may hold a pipe open: do not wait on it forever
    for pump in pumps:
        pump.join(timeout=10)


def interrupted() -> bool:
    return _INTERRUPTED.is_set()


def reset_interruption() -> None:
    """A new run (in the same process) starts uninterrupted."""
    _INTERRUPTED.clear()


def container_name(prefix: str = "catalog-check") -> str:
    """A name for a working container, so that it can be removed whatever stopped the step
    that made it (a timeout, an interruption)."""
    import uuid

    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def stop_running(grace: float = KILL_GRACE_SECONDS) -> None:
    """Stop every tool process of this run (Ctrl-C, SIGTERM): builds run in sessions of their
    own, so the signal does not reach them by itself. SIGTERM first (buildah removes its
    working containers), SIGKILL for what is still running after ``grace`` seconds."""
    _INTERRUPTED.set()
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for process in running:
        _signal_group(process, signal.SIGTERM)
    ends = time.monotonic() + grace
    for process in running:
        try:
            process.wait(timeout=max(0.0, ends - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def stop_session(process: subprocess.Popen) -> None:
    """SIGTERM the child's process group (the tool and what it started), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, KILL_GRACE_SECONDS), (signal.SIGKILL, 5)):
        _signal_group(process, sig)
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    _signal_group(process, signal.SIGKILL)  # what the tool started and left behind in its session


def parse_size(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None
