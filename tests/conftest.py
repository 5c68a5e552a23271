"""Fixtures: small real asset trees on disk, and ways to run the linter on them."""

from __future__ import annotations

import datetime
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from catalog.config import Config
from catalog.lint.rules import choose
from catalog.lint.run import lint
from catalog.model import load_catalog

# Real servers on 127.0.0.1 (a registry, a package index, a misbehaving registry) for pin and release.
pytest_plugins = ["tests.servers.fixtures", "tests.servers.build_machine"]

REPO = Path(__file__).resolve().parent.parent
TODAY = datetime.date(2026, 11, 22)

ASSET = """\
name: NAME
version: auto
type: environment
spec: spec.yaml
extra_config: environment.yaml
description_file: description.md
"""

ENVIRONMENT = """\
image:
  name: azureml/curated/NAME
  os: linux
  context:
    dir: context
    dockerfile: Dockerfile
    template_files:
      - Dockerfile
      - requirements.txt
  publish:
    location: mcr
    visibility: public
"""

SPEC = """\
$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json
description: A scikit-learn environment for tests.
name: "{{asset.name}}"
version: "{{asset.version}}"
build:
  path: "{{asset.repo.url}}#{{asset.repo.commit_hash}}:{{asset.repo.build_context.path}}"
  dockerfile_path: "{{image.dockerfile.path}}"
os_type: linux
tags:
  OS: Ubuntu22.04
  Python: "3.10"
  ScikitLearn: "1.5"
"""

# Each environment installs into a directory of its own name, as real ones do, so two
# environments written by a test are two definitions (duplicate-definition stays quiet).
DOCKERFILE = """\
FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir --target /opt/NAME -r /tmp/requirements.txt
"""

REQUIREMENTS = "scikit-learn==1.5.2\nazureml-mlflow=={{latest-pypi-version}}\n"


def write_env(root: Path, name: str = "sklearn-1.5", files: dict | None = None, directory: str | None = None) -> Path:
    """Write a clean environment under ``root``; ``files`` replaces (None: deletes) files."""
    content: dict[str, str | bytes | None] = {
        "asset.yaml": ASSET,
        "environment.yaml": ENVIRONMENT,
        "spec.yaml": SPEC,
        "description.md": f"# {name}\n\nFor tests.\n",
        "context/Dockerfile": DOCKERFILE,
        "context/requirements.txt": REQUIREMENTS,
    }
    content.update(files or {})
    env_dir = root / (directory or name)
    for relative, text in content.items():
        path = env_dir / relative
        if text is None:
            if path.exists():
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text.replace("NAME", name), encoding="utf-8")
    return env_dir


def findings(root: Path, *rules: str, targets: list[Path] | None = None, config: Config | None = None, today=TODAY):
    """Lint the catalog under ``root`` with the given rules (all when none) and return findings."""
    config = config or Config(base_dir=root)
    catalog = load_catalog([root])
    chosen = choose(list(rules), [])
    envs = catalog.environments
    if targets is not None:
        wanted = {t.resolve() for t in targets}
        envs = [e for e in envs if e.directory.resolve() in wanted]
    return lint(catalog, envs, config, chosen, today).findings


def messages(root: Path, *rules: str, **kwargs) -> list[str]:
    return [f.message for f in findings(root, *rules, **kwargs)]


def run_cli(*args: str, cwd: Path, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the real ``catalog`` command in a subprocess."""
    environment = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "catalog", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
    )


MEMORY_LIMIT = 2 << 30  # the Go runtime of the Dockerfile parser needs some room of its own


def run_bounded(*args: str, cwd: Path, timeout: float = 60, memory: int = MEMORY_LIMIT) -> subprocess.CompletedProcess:
    """The real ``catalog`` command, killed after ``timeout`` and refused memory past ``memory``."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    environment = dict(os.environ, PYTHONPATH=str(REPO))
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "catalog", *args], cwd=cwd, capture_output=True, text=True,
                            env=environment, timeout=timeout, preexec_fn=limit)
    result.seconds = time.monotonic() - started
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def lint_json(*args: str, cwd: Path) -> tuple[int, dict]:
    result = run_cli("lint", "--format", "json", "--today", TODAY.isoformat(), *args, cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.fixture
def catalog_root(tmp_path: Path) -> Path:
    root = tmp_path / "environments"
    root.mkdir()
    return root


def configure(project, index_url: str, mirror: str, cache=".cache") -> None:
    (project / "pyproject.toml").write_text(
        '[tool.catalog]\nroots = ["environments"]\n\n[tool.catalog.pin]\n'
        f'index-url = "{index_url}"\nregistry-mirrors = {{ "mcr.microsoft.com" = "{mirror}" }}\n'
        f'cache-dir = "{cache}"\ntimeout = 3\nretries = 1\n'
    )


def with_tags(*lines: str) -> str:
    head = SPEC.split("tags:")[0]
    return head + "tags:\n" + "".join(f"  {line}\n" for line in lines)


SECRET = "TOP-SECRET-7f3a"


def write_private_file(tmp_path: Path, name: str, text: str) -> Path:
    """A file outside every asset, holding something no report or page may show."""
    path = tmp_path / "private" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _nest_beyond_path_max(start: Path) -> Path:
    """Directories under ``start`` whose full path is longer than PATH_MAX (root cannot list it either)."""
    fd = os.open(start, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(20):
            os.mkdir("d" * 250, dir_fd=fd)
            inner = os.open("d" * 250, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)
    return start / "/".join(["d" * 250] * 20)
