"""buildah: daemonless builds, the builder of CI machines without a Docker daemon.

Builds run with ``--isolation chroot`` unless told otherwise: it works in containers
and sandboxes where user namespaces do not. Storage follows buildah's own settings
(``STORAGE_DRIVER``, ``CONTAINERS_STORAGE_CONF``); vfs is what works everywhere.
"""

from __future__ import annotations

import json
import re
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


def local_name(reference: str) -> str:
    """buildah keeps an image named without a registry under localhost/."""
    first = reference.split("/", 1)[0]
    if "/" in reference and ("." in first or ":" in first or first == "localhost"):
        return reference
    return f"localhost/{reference}"


class BuildahBuilder(Builder):
    def __init__(self, executable: str = "buildah", environment: dict[str, str] | None = None) -> None:
        super().__init__("buildah", executable, environment or {})

    def version(self) -> str:
        result = self.execute(["--version"], None, capture=True)
        match = re.search(r"version (\S+)", result.stdout)
        return f"buildah {match.group(1)}" if match else "buildah"

    def _isolation(self, options: BuildOptions) -> list[str]:
        return ["--isolation", options.isolation or "chroot"]

    def _tls(self, options: BuildOptions) -> list[str]:
        return ["--tls-verify=false"] if options.insecure_registries else []

    def build(self, context: Path, dockerfile: Path, tags: list[str], options: BuildOptions, log: Log,
              deadline: Deadline) -> StepResult:
        args = ["bud", *self._isolation(options), "--pull=missing", *self._tls(options), "-f", str(dockerfile)]
        for tag in tags:
            args += ["-t", local_name(tag)]
        if options.no_cache:
            args.append("--no-cache")
        if options.ca_bundle:
            args += ["-v", f"{options.ca_bundle}:{CA_TARGET}:ro"]
        return self.execute([*args, str(context)], log, deadline, what="buildah bud")

    def run(self, image: str, command: list[str], log: Log, deadline: Deadline, mounts: list[Mount],
            options: BuildOptions) -> StepResult:
        container = container_name()
        try:
            created = self.execute(["from", "--pull=never", "--quiet", "--name", container, local_name(image)], log,
                                   deadline, capture=True, what="buildah from")
            if not created.ok:
                return created
            args = ["run", *self._isolation(options)]
            for mount in mounts:
                args += ["-v", f"{mount.source}:{mount.target}" + (":ro" if mount.read_only else "")]
            return self.execute([*args, container, "--", *command], log, deadline, capture=True, what="buildah run")
        finally:
            # named, so that it goes whatever stopped the step that made it (a timeout, an interruption)
            self.execute(["rm", container], log, what="buildah rm", cleanup=True)

    def inspect(self, image: str) -> ImageFacts:
        result = self.execute(["inspect", "--type", "image", local_name(image)], None, capture=True)
        if not result.ok:
            return ImageFacts(None, None)
        try:
            data = json.loads(result.stdout)
            manifest = json.loads(data.get("Manifest") or "{}")
        except ValueError:
            return ImageFacts(None, None)
        # Layers in local storage are uncompressed tar streams: their sum is the image's size.
        size = sum(layer.get("size", 0) for layer in manifest.get("layers", [])) or None
        annotations = data.get("ImageAnnotations") or {}
        return ImageFacts(
            data.get("FromImageDigest") or None, size, annotations.get("org.opencontainers.image.base.digest")
        )

    def push(self, image: str, destination: str, options: BuildOptions, log: Log, deadline: Deadline) -> StepResult:
        tls = ["--tls-verify=false"] if destination.split("/", 1)[0] in options.insecure_registries else []
        return self.execute(["push", "--quiet", *tls, "--digestfile", "/dev/stdout", local_name(image),
                             f"docker://{destination}"], log, deadline, capture=True, what="buildah push")

    def remove(self, image: str, log: Log | None = None) -> StepResult:
        return self.execute(["rmi", local_name(image)], log, what="buildah rmi", cleanup=True)


BACKEND = BuildahBuilder
