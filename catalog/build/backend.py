"""The builder interface: one small class per container tool (buildah, docker, podman).

Every backend runs its tool as a child process whose output goes to the environment's
build log, under a deadline: a build that overruns is stopped (its whole process
group, the tool's helpers included) and reported as timed out, never left running.
Failures are values (``StepResult``); nothing here raises for a failed build.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

BUILDERS = ("buildah", "docker", "podman")
KILL_GRACE_SECONDS = 10  # after SIGTERM, before SIGKILL: buildah removes its working containers
_RUNNING: set[subprocess.Popen] = set()  # tool processes of this run, stopped on an interrupt
_RUNNING_LOCK = threading.Lock()
_INTERRUPTED = threading.Event()


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

    def version(self) -> str:
        """``name x.y.z``, or the name alone when the tool does not say."""
        raise NotImplementedError

    def prepare_dockerfile(self, text: str, run_lines: list[int], options: BuildOptions) -> str:
        """The Dockerfile this tool builds, from the pinned one (``run_lines``: where RUN instructions start)."""
        return text

    def build(self, context: Path, dockerfile: Path, tags: list[str], options: BuildOptions, log: IO[str],
              deadline: Deadline) -> StepResult:
        raise NotImplementedError

    def run(self, image: str, command: list[str], log: IO[str], deadline: Deadline, mounts: list[Mount],
            options: BuildOptions) -> StepResult:
        """Run ``command`` in a container of ``image``; its standard output is returned, its
        standard error goes to the log. The container is removed afterwards."""
        raise NotImplementedError

    def inspect(self, image: str) -> ImageFacts:
        raise NotImplementedError

    def push(self, image: str, destination: str, options: BuildOptions, log: IO[str], deadline: Deadline) -> StepResult:
        raise NotImplementedError

    def remove(self, image: str, log: IO[str] | None = None) -> StepResult:
        raise NotImplementedError

    # --- running the tool --------------------------------------------------------------

    def command(self, *args: str) -> list[str]:
        return [self.executable, *args]

    def execute(self, args: list[str], log: IO[str] | None, deadline: Deadline | None = None,
                capture: bool = False, what: str | None = None) -> StepResult:
        """Run the tool with ``args``: standard error (and standard output unless
        ``capture``) to ``log``; stopped when ``deadline`` passes."""
        command = self.command(*args)
        return run_command(command, log, deadline, capture, what or f"{self.name} {args[0]}", self.environment)


def run_command(command: list[str], log: IO[str] | None, deadline: Deadline | None, capture: bool, what: str,
                environment: dict[str, str] | None = None) -> StepResult:
    """Run ``command`` in its own session; kill the whole session when the deadline passes."""
    if log is not None:
        log.write(f"$ {shlex.join(command)}\n")
        log.flush()
    sink = log if log is not None else subprocess.DEVNULL
    env = dict(os.environ, **(environment or {}))
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE if capture else sink,
                                   stderr=sink, text=True, start_new_session=True, env=env)
    except OSError as exc:
        return StepResult(False, f"{what}: cannot run {command[0]}: {exc.strerror or exc}")
    timeout = deadline.left() if deadline is not None else None
    with _RUNNING_LOCK:
        _RUNNING.add(process)
    try:
        stdout, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_session(process)
        stdout = ""
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
    if process.returncode != 0:
        if _INTERRUPTED.is_set():
            return StepResult(False, f"{what}: interrupted", stdout or "")
        if process.returncode < 0:
            return StepResult(False, f"{what} was killed by {signal.Signals(-process.returncode).name}", stdout or "")
        return StepResult(False, f"{what} failed (exit status {process.returncode})", stdout or "")
    return StepResult(True, "", stdout or "")


def stop_running() -> None:
    """Stop every tool process of this run (Ctrl-C): builds run in sessions of their own,
    so the terminal's interrupt does not reach them by itself."""
    _INTERRUPTED.set()
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for process in running:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass


def stop_session(process: subprocess.Popen) -> None:
    """SIGTERM the child's process group (the tool and what it started), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, KILL_GRACE_SECONDS), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            process.communicate(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def parse_size(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _daemon_answers(executable: str, timeout: float = 10) -> bool:
    try:
        result = subprocess.run([executable, "info"], capture_output=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


class NoBuilder(Exception):
    """No usable container tool: the CLI says so and exits 2."""


def make_builder(name: str) -> Builder:
    from catalog.build.buildah import BuildahBuilder
    from catalog.build.docker import DockerBuilder
    from catalog.build.podman import PodmanBuilder

    kinds = {"buildah": BuildahBuilder, "docker": DockerBuilder, "podman": PodmanBuilder}
    executable = shutil.which(name)
    if executable is None:
        raise NoBuilder(f"--builder {name}: {name} is not installed (not found on PATH)")
    return kinds[name](executable=executable)


def detect_builder() -> Builder:
    """docker where a daemon answers, else podman, else buildah: the tool a developer's
    machine most likely builds with, and on a CI machine without a daemon, the daemonless one."""
    docker = shutil.which("docker")
    if docker is not None and _daemon_answers(docker):
        return make_builder("docker")
    for name in ("podman", "buildah"):
        if shutil.which(name) is not None:
            return make_builder(name)
    problem = "a docker client whose daemon does not answer (`docker info` fails)" if docker else "none"
    raise NoBuilder(f"no container builder found: docker with a running daemon, podman or buildah is needed "
                    f"(found: {problem}); install one or pass --builder")
