"""Real image builds: buildah (vfs storage, chroot isolation) against the stand-in registry.

The stand-in registry (``tests.servers.standin_registry``: Debian bookworm with Python
3.11, published under the MCR names the catalog builds FROM) is started once per
session; its root file system and registry storage are cached under
~/.cache/envcatalog/standin, so only the first session on a machine runs debootstrap.
Images go to a container storage of the session's own (``CONTAINERS_STORAGE_CONF``),
removed at the end. Without root or the tools, every build test is skipped with the
reason, never passed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.servers import standin_registry
from tests.servers.fixtures import _free_port, stop

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"  # Debian's; it holds the local CA of a TLS-intercepting proxy
STANDIN_START_SECONDS = 900  # a fresh machine runs debootstrap first


def missing_build_prerequisites() -> str | None:
    if os.geteuid() != 0:
        return "image builds need root (buildah with chroot isolation and vfs storage)"
    missing = standin_registry.missing_tools()
    if missing:
        return f"missing {', '.join(missing)}: apt-get install -y buildah docker-registry debootstrap (.ci/run does)"
    return None


@dataclass
class BuildMachine:
    registry: str  # http://127.0.0.1:PORT, the stand-in mirror of mcr.microsoft.com
    env: dict[str, str]  # variables that point buildah at the session's storage
    storage: Path

    @property
    def registry_host(self) -> str:
        return self.registry.split("://", 1)[1]

    def buildah(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["buildah", *args], env=dict(os.environ, **self.env), capture_output=True, text=True,
                              check=check, timeout=300)


@pytest.fixture(scope="session")
def build_machine(tmp_path_factory) -> BuildMachine:
    reason = missing_build_prerequisites()
    if reason:
        pytest.skip(reason)
    storage = tmp_path_factory.mktemp("containers")
    conf = storage / "storage.conf"
    conf.write_text(f'[storage]\ndriver = "vfs"\nrunroot = "{storage / "run"}"\ngraphroot = "{storage / "graph"}"\n')
    env = {"CONTAINERS_STORAGE_CONF": str(conf), "STORAGE_DRIVER": "vfs"}
    state = Path(os.environ.get("CATALOG_STANDIN_STATE") or standin_registry.default_state_dir())
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.servers.standin_registry", "--port", str(port),
                                "--state-dir", str(state)], cwd=REPO, env=dict(os.environ, **env),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    if not line.startswith("http://"):
        process.kill()
        pytest.fail(f"the stand-in registry did not start: {line!r} {process.stderr.read()[-2000:]}")
    machine = BuildMachine(line, env, storage)
    yield machine
    process.send_signal(signal.SIGINT)  # in the foreground it stops its docker-registry on an interrupt
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        stop(process)
    machine.buildah("rm", "--all", check=False)
    machine.buildah("rmi", "--all", "--force", check=False)
    shutil.rmtree(storage, ignore_errors=True)


def configure_build(project: Path, machine: BuildMachine, extra: str = "") -> None:
    """[tool.catalog] for builds on the stand-ins: the mirror, the CA bundle for pip in RUN steps."""
    (project / "pyproject.toml").write_text(
        '[tool.catalog]\nroots = ["environments"]\n\n'
        f'[tool.catalog.pin]\nregistry-mirrors = {{ "mcr.microsoft.com" = "{machine.registry}" }}\n'
        'cache-dir = ".cache"\n\n'
        f'[tool.catalog.build]\nbuilder = "buildah"\nca-bundle = "{CA_BUNDLE}"\njobs = 2\n' + extra)
