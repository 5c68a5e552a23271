"""The catalog-lint hook, run by pre-commit itself with the README's configuration.

The README's snippet is used as written, but for its repository URL (a local clone of
this checkout) and its rev (a commit of that clone). pre-commit is the one installed
beside the Python running the tests: the README runs them without activating the venv.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO, SPEC, write_env

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


def readme_snippet() -> str:
    """The ```yaml block under the README's "Pre-commit" heading."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Pre-commit\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


def run(args, cwd, home, check=False):
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), **GIT_ENV)
    env.pop("PYTHONPATH", None)
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, timeout=900)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="session")
def hook_clone(tmp_path_factory, pre_commit_home):
    """A git repository holding this checkout's files (committed or not), and its commit."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    clone = tmp_path_factory.mktemp("envcatalog-clone")
    for relative in filter(None, listed):
        source = REPO / relative
        if source.is_file():
            (clone / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / relative)
    run(["git", "init", "-q"], clone, pre_commit_home, check=True)
    run(["git", "add", "-A"], clone, pre_commit_home, check=True)
    run(["git", "commit", "-q", "-m", "envcatalog"], clone, pre_commit_home, check=True)
    sha = run(["git", "rev-parse", "HEAD"], clone, pre_commit_home, check=True).stdout.strip()
    return clone, sha


def platform_repo(root):
    repo = root / "platform"
    write_env(repo / "environments", "sklearn-1.5")
    write_env(repo / "environments", "lightgbm-4.5")
    (repo / "pyproject.toml").write_text('[tool.catalog]\nroots = ["environments"]\n')
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo


def configure(repo, snippet, clone, rev=None):
    written = yaml.safe_load(snippet)["repos"][0]
    config = snippet.replace(f"repo: {written['repo']}", f"repo: {clone}", 1)
    if rev is not None:
        config = config.replace(f"rev: {written['rev']}", f"rev: {rev}", 1)
    (repo / ".pre-commit-config.yaml").write_text(config)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    return config


def test_readme_snippet_shape():
    config = yaml.safe_load(readme_snippet())
    [repo] = config["repos"]
    assert set(repo) == {"repo", "rev", "hooks"} and repo["hooks"] == [{"id": "catalog-lint"}]
    assert repo["rev"] != "v0.1.0"  # no such tag was ever made


def test_readme_snippet_at_a_commit_passes_clean_and_fails_broken_catalog(tmp_path, pre_commit_home, hook_clone):
    clone, sha = hook_clone
    repo = platform_repo(tmp_path)
    configure(repo, readme_snippet(), clone, rev=sha)

    clean = run([*PRE_COMMIT, "run", "--all-files"], repo, pre_commit_home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "catalog lint" in clean.stdout and "Passed" in clean.stdout

    (repo / "environments" / "lightgbm-4.5" / "spec.yaml").write_text(SPEC.replace('Python: "3.10"', "Python: 3.10"))
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    broken = run([*PRE_COMMIT, "run", "--files", "environments/lightgbm-4.5/spec.yaml"], repo, pre_commit_home)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "Failed" in broken.stdout
    assert "environments/lightgbm-4.5/spec.yaml:11:11: CAT202 tag-value" in broken.stdout


def test_autoupdate_freeze_pins_the_newest_commit(tmp_path, pre_commit_home, hook_clone):
    """What the README tells users to run to fill in (or move) rev."""
    clone, sha = hook_clone
    repo = platform_repo(tmp_path)
    configure(repo, readme_snippet(), clone)
    run([*PRE_COMMIT, "autoupdate", "--freeze"], repo, pre_commit_home, check=True)
    pinned = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    assert pinned["repos"][0]["rev"] == sha
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    run([*PRE_COMMIT, "run", "--all-files"], repo, pre_commit_home, check=True)
