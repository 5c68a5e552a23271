"""A repository with two environments to release, pinned against the real test registry and index."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import configure, write_env


@pytest.fixture
def project(tmp_path, registry, package_index):
    write_env(tmp_path / "environments", "sklearn-1.5")
    write_env(tmp_path / "environments", "xgboost-2.1", {"context/requirements.txt": "xgboost==2.1.1\n"})
    configure(tmp_path, package_index, registry)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "x"],
        cwd=tmp_path,
        check=True,
    )
    return tmp_path


