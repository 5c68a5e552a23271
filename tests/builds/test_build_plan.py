"""``catalog build --plan``: what would be built, in text, JSON and as a GitHub matrix;
what is up to date; --changed-since; and the command's usage errors (exit 2).

Planning pins against the real test registry and package index and builds nothing.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from catalog.records.build_report import BuildReport, BuildReports
from tests.conftest import configure, run_cli, write_env


@pytest.fixture
def project(tmp_path, registry, package_index):
    write_env(tmp_path / "environments", "sklearn-1.5")
    write_env(tmp_path / "environments", "xgboost-2.1", {"context/requirements.txt": "xgboost==2.1.1\n"})
    write_env(tmp_path / "environments", "prebuilt", {"environment.yaml": "image:\n  name: azureml/curated/prebuilt\n  "
                                                                          "os: linux\n"})
    configure(tmp_path, package_index, registry)
    return tmp_path


def git(project, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=project, check=True,
                   capture_output=True)


def passed_report(project, name, content_hash, version="next", finished="2026-11-20T10:04:30Z"):
    BuildReports(project / "build-reports").write(
        BuildReport(name, version, "passed", finished, content_hash=content_hash))


def pinned_hashes(project) -> dict[str, str]:
    result = run_cli("hash", "--pinned", cwd=project)
    return {line.split()[1]: line.split()[0] for line in result.stdout.splitlines()}


def test_plan_lists_what_to_build_in_each_format(project):
    text = run_cli("build", "--plan", cwd=project)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines() == [
        "prebuilt: skipped (a pre-built image: no build context to build)",
        "sklearn-1.5: to build as azureml/curated/sklearn-1.5:next (no passing build yet)",
        "xgboost-2.1: to build as azureml/curated/xgboost-2.1:next (no passing build yet)",
        "3 environments: 2 to build, 1 skipped, 0 failed to plan",
    ]
    matrix = run_cli("build", "--plan", "--format", "github-matrix", cwd=project)
    assert matrix.stdout.count("\n") == 1
    assert json.loads(matrix.stdout) == {"include": [{"environment": "sklearn-1.5"}, {"environment": "xgboost-2.1"}]}
    listed = json.loads(run_cli("build", "--plan", "--format", "json", "xgboost-2.1", cwd=project).stdout)
    assert listed == [
        {
            "environment": "xgboost-2.1",
            "action": "build",
            "reason": "no passing build yet",
            "version": "next",
            "image": "azureml/curated/xgboost-2.1:next",
            "content_hash": pinned_hashes(project)["xgboost-2.1"],
        }
    ]


def test_an_environment_whose_last_passing_build_is_of_the_same_definition_is_skipped(project):
    hashes = pinned_hashes(project)
    passed_report(project, "sklearn-1.5", hashes["sklearn-1.5"])
    passed_report(project, "xgboost-2.1", "sha256:" + "0" * 64)
    result = run_cli("build", "--plan", cwd=project)
    assert (
        "sklearn-1.5: skipped (unchanged since its build of 2026-11-20T10:04:30Z passed (version next))"
        in result.stdout
    )
    assert (
        "xgboost-2.1: to build as azureml/curated/xgboost-2.1:next (changed since its last passing build"
        in result.stdout
    )
    # a newer failed build of the same definition does not undo the passing one
    BuildReports(project / "build-reports").write(
        BuildReport("sklearn-1.5", "1", "failed", "2026-11-21T00:00:00Z", content_hash=hashes["sklearn-1.5"]))
    assert "sklearn-1.5: skipped" in run_cli("build", "--plan", cwd=project).stdout
    # --all builds it anyway; a build of nothing to do says so and exits 0
    assert "sklearn-1.5: to build" in run_cli("build", "--plan", "--all", cwd=project).stdout
    only = run_cli("build", "sklearn-1.5", cwd=project)
    assert only.returncode == 0 and only.stdout.splitlines()[-1] == "1 environment: 0 passed, 0 failed, 1 skipped"


def test_the_version_is_the_release_that_holds_the_definition(project):
    assert run_cli("release", "sklearn-1.5", cwd=project).returncode == 0
    result = run_cli("build", "--plan", "sklearn-1.5", cwd=project)
    assert "sklearn-1.5: to build as azureml/curated/sklearn-1.5:1 (no passing build yet)" in result.stdout


def test_changed_since_limits_the_plan_to_environments_with_changed_files(project):
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "catalog")
    result = run_cli("build", "--plan", "--changed-since", "HEAD", cwd=project)
    assert result.stdout.splitlines() == ["0 environments: 0 to build, 0 skipped, 0 failed to plan"]
    (project / "environments" / "xgboost-2.1" / "description.md").write_text("# changed\n")
    (project / "environments" / "sklearn-1.5" / "context" / "new.txt").write_text("untracked\n")
    result = run_cli("build", "--plan", "--changed-since", "HEAD", "--format", "github-matrix", cwd=project)
    assert json.loads(result.stdout) == {"include": [{"environment": "sklearn-1.5"}, {"environment": "xgboost-2.1"}]}


@pytest.mark.parametrize("args, message", [
    (["--all", "--changed-since", "HEAD"], "--all and --changed-since exclude each other"),
    (["--format", "json"], "--format json is for --plan"),
    (["--changed-since", "no-such-revision"], "is not in a git work tree"),
    (["no-such-environment"], "no environment 'no-such-environment' in the catalog"),
    (["--builder", "podman"], "--builder podman: podman is not installed"),
    (["--jobs", "0"], "Invalid value for '--jobs'"),
])
def test_usage_errors_exit_2_with_one_line(project, args, message):
    result = run_cli("build", *args, cwd=project, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_revision_git_does_not_know_is_a_usage_error(project):
    git(project, "init", "-q")
    git(project, "commit", "-q", "--allow-empty", "-m", "x")
    result = run_cli("build", "--plan", "--changed-since", "v9.9", cwd=project)
    assert result.returncode == 2 and "--changed-since v9.9: 'v9.9' is not a commit git knows" in result.stderr


def test_an_environment_that_cannot_be_pinned_fails_and_says_where(project):
    write_env(
        project / "environments", "broken-pin", {"context/requirements.txt": "nothing=={{latest-pypi-version}}\n"}
    )
    result = run_cli("build", "--plan", cwd=project)
    assert result.returncode == 1
    assert ("broken-pin: failed: cannot pin environments/broken-pin/context/requirements.txt:1:10: "
            "{{latest-pypi-version}}:") in result.stdout
    matrix = run_cli("build", "--plan", "--format", "github-matrix", cwd=project)  # CI's plan step: says why it fails
    assert matrix.returncode == 1 and "broken-pin" not in matrix.stdout
    assert matrix.stderr.startswith("catalog: error: broken-pin: failed: cannot pin environments/broken-pin/")
    built = run_cli("build", "broken-pin", cwd=project, env={"PATH": "/usr/bin:/bin"})
    assert built.returncode == 1
    report = json.loads((project / "build-reports" / "broken-pin" / "next.json").read_text())
    assert report["status"] == "failed" and "cannot pin" in report["message"] and "log" not in report


def test_a_large_catalog_is_decided_by_forked_workers_with_the_same_answers(tmp_path, registry, package_index):
    from catalog.builds.command import PARALLEL_MIN_ENVIRONMENTS

    root = tmp_path / "environments"
    count = PARALLEL_MIN_ENVIRONMENTS + 10
    for index in range(count):
        write_env(root, f"env-{index:03d}", {"context/requirements.txt": f"package{index}==1.0\n"})
    configure(tmp_path, package_index, registry)
    planned = json.loads(run_cli("build", "--plan", "--all", "--format", "json", cwd=tmp_path).stdout)
    assert len({item["content_hash"] for item in planned}) == count
    for item in planned[1:]:  # every one but the first is up to date
        passed_report(tmp_path, item["environment"], item["content_hash"])
    result = run_cli("build", "--plan", "--format", "github-matrix", cwd=tmp_path)
    assert json.loads(result.stdout) == {"include": [{"environment": "env-000"}]}
    text = run_cli("build", "--plan", cwd=tmp_path).stdout
    assert text.splitlines()[-1] == f"{count} environments: 1 to build, {count - 1} skipped, 0 failed to plan"
    assert text.splitlines()[1] == ("env-001: skipped (unchanged since its build of 2026-11-20T10:04:30Z passed "
                                    "(version next))")
