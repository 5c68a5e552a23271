"""docker: builds through a Docker daemon with BuildKit, as on GitHub's hosted runners.

A CA bundle reaches RUN steps as a BuildKit secret: each RUN of the build copy of the
Dockerfile gets ``--mount=type=secret``, so the bundle is readable while the step runs
and is in no layer of the image. Plain-HTTP mirrors must be listed in the daemon's
``insecure-registries``: docker has no per-build switch for that.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from catalog.builds.backends.base import (
    CA_TARGET,
    Builder,
    BuildOptions,
    Deadline,
    ImageFacts,
    Log,
    Mount,
    StepResult,
    container_name,
)

CA_SECRET = "catalog-ca-bundle"
_RUN = re.compile(r"^(?P<indent>[ \t]*)(?P<keyword>run)(?P<space>[ \t]+)", re.IGNORECASE)


def add_secret_mounts(text: str, run_lines: list[int]) -> str:
    """The Dockerfile with the CA bundle mounted, as a secret, into the RUN instructions
    that start on ``run_lines`` (1-based, from the parsed Dockerfile)."""
    lines = text.splitlines(keepends=True)
    mount = f"--mount=type=secret,id={CA_SECRET},target={CA_TARGET} "
    for number in run_lines:
        line = lines[number - 1]
        match = _RUN.match(line)
        if match:
            lines[number - 1] = line[: match.end()] + mount + line[match.end():]
    return "".join(lines)


class DockerBuilder(Builder):
    def __init__(
        self, executable: str = "docker", environment: dict[str, str] | None = None, name: str = "docker"
    ) -> None:
        super().__init__(name, executable, {"DOCKER_BUILDKIT": "1", **(environment or {})})

    @classmethod
    def passed_over(cls, executable: str) -> str | None:
        try:
            answered = subprocess.run([executable, "info"], capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.SubprocessError):
            answered = False
        return None if answered else "a docker client whose daemon does not answer (`docker info` fails)"

    def version(self) -> str:
        result = self.execute(["version", "--format", "{{.Server.Version}}"], None, capture=True)
        version = result.stdout.strip()
        return f"{self.name} {version}" if result.ok and version else self.name

    def prepare_dockerfile(self, text: str, run_lines: list[int], options: BuildOptions) -> str:
        return add_secret_mounts(text, run_lines) if options.ca_bundle else text

    def unusable(self) -> str | None:
        """docker builds through its daemon, with BuildKit (the buildx plugin): both must answer."""
        daemon = self.execute(["info"], None, Deadline(30), capture=True, what="docker info")
        if not daemon.ok:
            return ("the Docker daemon does not answer (`docker info` fails): start it, or use --builder buildah or "
                    "podman")
        buildx = self.execute(["buildx", "version"], None, Deadline(30), capture=True, what="docker buildx version")
        if not buildx.ok:
            return "docker has no BuildKit (`docker buildx version` fails): install the buildx plugin"
        return None

    def build_arguments(self, options: BuildOptions) -> list[str]:
        args = ["--progress=plain"]
        if options.ca_bundle:
            args += ["--secret", f"id={CA_SECRET},src={options.ca_bundle}"]
        return args

    def build(self, context: Path, dockerfile: Path, tags: list[str], options: BuildOptions, log: Log,
              deadline: Deadline) -> StepResult:
        args = ["build", *self.build_arguments(options), "-f", str(dockerfile)]
        for tag in tags:
            args += ["-t", tag]
        if options.no_cache:
            args.append("--no-cache")
        return self.execute([*args, str(context)], log, deadline, what=f"{self.name} build")

    def run(self, image: str, command: list[str], log: Log, deadline: Deadline, mounts: list[Mount],
            options: BuildOptions) -> StepResult:
        container = container_name()
        args = ["run", "--rm", "--name", container, "--entrypoint", command[0]]
        for mount in mounts:
            args += ["-v", f"{mount.source}:{mount.target}" + (":ro" if mount.read_only else "")]
        try:
            return self.execute([*args, image, *command[1:]], log, deadline, capture=True, what=f"{self.name} run")
        finally:
            # --rm removes it when it ends; a client stopped by a timeout or an interruption leaves it running
            self.execute(["rm", "--force", container], None, what=f"{self.name} rm", cleanup=True)

    def inspect(self, image: str) -> ImageFacts:
        result = self.execute(["image", "inspect", "--format", "{{json .}}", image], None, capture=True)
        try:
            data = json.loads(result.stdout) if result.ok else {}
        except ValueError:
            data = {}
        if isinstance(data, list):
            data = data[0] if data else {}
        digests = [d.split("@", 1)[1] for d in data.get("RepoDigests") or [] if "@" in d]
        size = data.get("Size")
        return ImageFacts(data.get("Digest") or (digests[0] if digests else data.get("Id")),
                          size if isinstance(size, int) else None)

    def push(self, image: str, destination: str, options: BuildOptions, log: Log, deadline: Deadline) -> StepResult:
        tagged = self.execute(["tag", image, destination], log, deadline, what=f"{self.name} tag")
        if not tagged.ok:
            return tagged
        pushed = self.execute(["push", destination], log, deadline, capture=True, what=f"{self.name} push")
        log.write(pushed.stdout)
        match = re.search(r"digest: (sha256:[0-9a-f]{64})", pushed.stdout)
        return StepResult(pushed.ok, pushed.detail, match.group(1) if match else "", pushed.timed_out)

    def remove(self, image: str, log: Log | None = None) -> StepResult:
        return self.execute(["rmi", image], log, what=f"{self.name} rmi", cleanup=True)


BACKEND = DockerBuilder
