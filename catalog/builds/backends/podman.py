"""podman: docker's command line without a daemon; build options as buildah's.

``podman build`` is buildah inside, so the CA bundle is a build-time volume (as with
buildah) and plain-HTTP registries are reached with ``--tls-verify=false``.
"""

from __future__ import annotations

import json

from catalog.builds.backends.base import CA_TARGET, BuildOptions, Deadline, ImageFacts, Log, StepResult
from catalog.builds.backends.docker import DockerBuilder


class PodmanBuilder(DockerBuilder):
    def __init__(self, executable: str = "podman", environment: dict[str, str] | None = None) -> None:
        super().__init__(executable, environment, name="podman")

    @classmethod
    def passed_over(cls, executable: str) -> str | None:
        return None  # no daemon to ask

    def version(self) -> str:
        result = self.execute(["version", "--format", "{{.Client.Version}}"], None, capture=True)
        version = result.stdout.strip()
        return f"podman {version}" if result.ok and version else "podman"

    def prepare_dockerfile(self, text: str, run_lines: list[int], options: BuildOptions) -> str:
        return text

    def unusable(self) -> str | None:
        result = self.execute(["version"], None, Deadline(30), capture=True, what="podman version")
        return None if result.ok else f"podman does not run ({result.detail})"

    def build_arguments(self, options: BuildOptions) -> list[str]:
        args = ["--pull=missing"]
        if options.isolation:
            args += ["--isolation", options.isolation]
        if options.insecure_registries:
            args.append("--tls-verify=false")
        if options.ca_bundle:
            args += ["-v", f"{options.ca_bundle}:{CA_TARGET}:ro"]
        return args

    def inspect(self, image: str) -> ImageFacts:
        result = self.execute(["image", "inspect", image], None, capture=True)
        try:
            data = json.loads(result.stdout) if result.ok else []
        except ValueError:
            data = []
        data = data[0] if isinstance(data, list) and data else {}
        size = data.get("Size")
        return ImageFacts(data.get("Digest"), size if isinstance(size, int) else None)

    def push(self, image: str, destination: str, options: BuildOptions, log: Log, deadline: Deadline) -> StepResult:
        tls = ["--tls-verify=false"] if destination.split("/", 1)[0] in options.insecure_registries else []
        return self.execute(["push", "--quiet", *tls, "--digestfile", "/dev/stdout", image, f"docker://{destination}"],
                            log, deadline, capture=True, what="podman push")


BACKEND = PodmanBuilder
