"""The catalog-lint hook, run by pre-commit itself against a temporary git repository."""

import os
import shutil
import subprocess

import pytest

from tests.conftest import REPO, SPEC, write_env

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


def run(args, cwd, home):
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), **GIT_ENV)
    env.pop("PYTHONPATH", None)
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, timeout=900)


def test_hook_passes_clean_and_fails_broken_catalog(tmp_path, pre_commit_home):
    if shutil.which("pre-commit") is None:
        pytest.fail("pre-commit is not installed; install the test extras")
    repo = tmp_path / "platform"
    write_env(repo / "environments", "sklearn-1.5")
    write_env(repo / "environments", "lightgbm-4.5")
    (repo / "pyproject.toml").write_text('[tool.catalog]\nroots = ["environments"]\n')
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)

    clean = run(["pre-commit", "try-repo", str(REPO), "catalog-lint", "--all-files"], repo, pre_commit_home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "catalog lint" in clean.stdout and "Passed" in clean.stdout

    (repo / "environments" / "lightgbm-4.5" / "spec.yaml").write_text(SPEC.replace('Python: "3.10"', "Python: 3.10"))
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    broken = run(["pre-commit", "try-repo", str(REPO), "catalog-lint", "--files", "environments/lightgbm-4.5/spec.yaml"], repo, pre_commit_home)
    assert broken.returncode == 1
    assert "Failed" in broken.stdout
    assert "environments/lightgbm-4.5/spec.yaml:11:11: CAT202 tag-value" in broken.stdout
