"""Real servers on 127.0.0.1 for pinning: Debian's distribution registry with stand-in
images pushed by buildah, a simple-API package index, and a registry and an index that
misbehave."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from catalog.config import PinSettings

DOCKER_REGISTRY = "/usr/bin/docker-registry"
BUILDAH = "/usr/bin/buildah"
BASE_REPOSITORY = "azureml/openmpi4.1.0-ubuntu22.04"
BASE_TAGS = ("20250901.v1", "20251001.v1", "20251110.v1")  # latest is the newest
PROJECTS = {
    "scikit-learn": [
        {"filename": f"scikit_learn-{v}-cp311-cp311-manylinux_2_17_x86_64.whl"} for v in ("1.4.2", "1.5.2")
    ]
    + [
        {"filename": "scikit_learn-1.6.0rc1-cp311-cp311-manylinux_2_17_x86_64.whl"},
        {"filename": "scikit_learn-1.5.3-cp311-cp311-manylinux_2_17_x86_64.whl", "yanked": True},
    ],
    "azureml-mlflow": [{"filename": f"azureml_mlflow-{v}-py3-none-any.whl"} for v in ("1.57.0", "1.58.0")]
    + [{"filename": "azureml-mlflow-1.58.0.tar.gz"}],
    "only-pre": [{"filename": "only_pre-2.0b1-py3-none-any.whl"}],
    "all-yanked": [{"filename": "all_yanked-1.0-py3-none-any.whl", "yanked": True}],
}


REPO = Path(__file__).resolve().parent.parent.parent


def start_process(args: list[str], cwd: Path = REPO) -> tuple[subprocess.Popen, int]:
    """Start a server that prints its port on its first line."""
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if not line.strip().isdigit():
        process.kill()
        raise RuntimeError(f"{args}: did not start: {line!r} {process.stderr.read()[:500]}")
    return process, int(line)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def package_index(tmp_path_factory):
    data = tmp_path_factory.mktemp("index") / "projects.json"
    data.write_text(json.dumps(PROJECTS))
    process, port = start_process([sys.executable, "-m", "tests.servers.package_index", str(data)])
    yield f"http://127.0.0.1:{port}/simple/"
    stop(process)


@pytest.fixture(scope="session")
def html_package_index(tmp_path_factory):
    data = tmp_path_factory.mktemp("html-index") / "projects.json"
    data.write_text(json.dumps(PROJECTS))
    process, port = start_process([sys.executable, "-m", "tests.servers.package_index", str(data), "--html-only"])
    yield f"http://127.0.0.1:{port}/simple/"
    stop(process)


@pytest.fixture(scope="session")
def faulty_registry():
    process, port = start_process([sys.executable, "-m", "tests.servers.faulty_registry"])
    yield f"http://127.0.0.1:{port}"
    stop(process)


@pytest.fixture(scope="session")
def faulty_index():
    process, port = start_process([sys.executable, "-m", "tests.servers.faulty_index"])
    yield f"http://127.0.0.1:{port}/simple/"
    stop(process)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def buildah(storage: Path, *args: str) -> str:
    command = [
        BUILDAH,
        "--root",
        str(storage / "root"),
        "--runroot",
        str(storage / "run"),
        "--storage-driver",
        "vfs",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return result.stdout.strip()


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    """Debian's distribution registry on 127.0.0.1, holding stand-in base images under
    several tags; latest is pushed from the newest."""
    for tool in (DOCKER_REGISTRY, BUILDAH):
        if not os.path.exists(tool):
            pytest.fail(f"{tool} not found: install Debian's docker-registry and buildah (apt-get install -y "
                        "docker-registry buildah)")
    work = tmp_path_factory.mktemp("registry")
    port = _free_port()
    (work / "config.yml").write_text(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {work / 'data'}\nhttp:\n  addr: 127.0.0.1:{port}\n"
    )
    process = subprocess.Popen([DOCKER_REGISTRY, "serve", str(work / "config.yml")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(f"{url}/v2/", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.05)
    storage = work / "storage"
    for tag in BASE_TAGS:
        container = buildah(storage, "from", "scratch")
        buildah(storage, "config", "--label", f"stand-in={tag}", container)
        buildah(storage, "commit", "-q", container, f"standin:{tag}")
        buildah(storage, "rm", container)
        buildah(storage, "push", "-q", "--tls-verify=false", f"standin:{tag}", f"docker://127.0.0.1:{port}/{BASE_REPOSITORY}:{tag}")
    buildah(storage, "push", "-q", "--tls-verify=false", f"standin:{BASE_TAGS[-1]}", f"docker://127.0.0.1:{port}/{BASE_REPOSITORY}:latest")
    # a repository whose latest matches no other tag: pinned by digest
    container = buildah(storage, "from", "scratch")
    buildah(storage, "config", "--label", "stand-in=only-latest", container)
    buildah(storage, "commit", "-q", container, "standin:only-latest")
    buildah(storage, "push", "-q", "--tls-verify=false", "standin:only-latest", f"docker://127.0.0.1:{port}/azureml/only-latest:latest")
    buildah(storage, "push", "-q", "--tls-verify=false", f"standin:{BASE_TAGS[0]}", f"docker://127.0.0.1:{port}/azureml/only-latest:old")
    buildah(storage, "push", "-q", "--tls-verify=false", f"standin:{BASE_TAGS[0]}", f"docker://127.0.0.1:{port}/azureml/no-latest:1.0")
    yield url
    stop(process)
    shutil.rmtree(storage, ignore_errors=True)


@pytest.fixture
def pin_settings(tmp_path, registry, package_index) -> PinSettings:
    return PinSettings(index_url=package_index, registry_mirrors={"mcr.microsoft.com": registry},
                       timeout=3.0, retries=2, cache_dir=tmp_path / "cache", cache_ttl=600.0)
