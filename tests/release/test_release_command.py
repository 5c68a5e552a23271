"""``catalog release`` and ``catalog hash`` against the real registry and package index."""

from __future__ import annotations

import json
import subprocess

import tomllib
from jsonschema import Draft202012Validator

from catalog.records.ledger import ReleaseLedger
from tests.conftest import REPO, REQUIREMENTS, configure, run_cli, write_env
from tests.servers.fixtures import BASE_TAGS


def test_dry_run_plans_and_writes_nothing(project):
    result = run_cli("release", "--dry-run", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "would release: sklearn-1.5: new version 1 (sha256:" in result.stdout
    assert "would release: xgboost-2.1: new version 1" in result.stdout
    assert result.stdout.splitlines()[-1] == "2 environments: 2 to release, 0 unchanged, 0 failed or refused"
    assert not (project / "releases").exists()


def test_release_writes_the_ledger_then_nothing_when_unchanged(project):
    result = run_cli("release", cwd=project)
    assert result.returncode == 0, result.stderr
    entry = project / "releases" / "sklearn-1.5" / "1"
    record = json.loads((entry / "release.json").read_text())
    assert record["name"] == "sklearn-1.5" and record["version"] == 1
    assert record["content_hash"].startswith("sha256:") and record["content_hash"] != record["source_hash"]
    assert record["base_image"]["reference"] == f"mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{BASE_TAGS[-1]}"
    assert record["base_image"]["digest"].startswith("sha256:")
    assert record["image"] == "mcr.microsoft.com/azureml/curated/sklearn-1.5:1"
    # which endpoint answered each lookup: the mirror of MCR, the package index
    pin = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["catalog"]["pin"]
    assert record["base_image"]["endpoint"] == pin["registry-mirrors"]["mcr.microsoft.com"]
    assert record["packages"] == [{"name": "azureml-mlflow", "version": "1.58.0", "index": pin["index-url"]}]
    assert len(record["source_commit"]) == 40
    assert record["deprecation"] == {"deprecated": False, "delete_on": None, "replacement": None}
    # the pinned files, and the spec rendered with its values
    assert (entry / "context/requirements.txt").read_text() == "scikit-learn==1.5.2\nazureml-mlflow==1.58.0\n"
    spec = (entry / "spec.yaml").read_text()
    assert 'name: "sklearn-1.5"' in spec and 'version: "1"' in spec and '"Dockerfile"' in spec
    assert "releases/sklearn-1.5/1/context" in spec
    assert sorted(record["files"]) == ["asset.yaml", "context/Dockerfile", "context/requirements.txt",
                                       "description.md", "environment.yaml", "spec.yaml"]
    assert ReleaseLedger(project / "releases").latest("sklearn-1.5").mismatches() == []
    schema = json.loads((REPO / "schemas" / "release.schema.json").read_text())
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(record)

    again = run_cli("release", "-v", cwd=project)
    assert again.returncode == 0
    assert "sklearn-1.5: unchanged (version 1 holds this definition)" in again.stdout
    assert again.stdout.splitlines()[-1] == "2 environments: 0 released, 2 unchanged, 0 failed or refused"


def test_a_changed_pin_is_the_next_version(project):
    assert run_cli("release", cwd=project).returncode == 0
    requirements = project / "environments/sklearn-1.5/context/requirements.txt"
    requirements.write_text(REQUIREMENTS.replace("1.5.2", "1.4.2"))
    result = run_cli("release", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "sklearn-1.5: new version 2" in result.stdout and "xgboost-2.1" not in result.stdout
    assert "1 released, 1 unchanged" in result.stdout
    ledger = ReleaseLedger(project / "releases")
    assert [v.version for v in ledger.versions("sklearn-1.5")] == [1, 2]
    assert ledger.version("sklearn-1.5", 1).content_hash != ledger.version("sklearn-1.5", 2).content_hash


def test_explicit_version_is_used_and_never_reused_for_another_definition(project):
    asset = project / "environments/xgboost-2.1/asset.yaml"
    asset.write_text(asset.read_text().replace("version: auto", "version: 5"))
    assert "xgboost-2.1: new version 5" in run_cli("release", cwd=project).stdout
    (project / "environments/xgboost-2.1/context/requirements.txt").write_text("xgboost==2.1.0\n")
    result = run_cli("release", cwd=project)
    assert result.returncode == 1
    assert (
        "catalog: error: xgboost-2.1: refused: version 5 is already released with another definition" in result.stderr
    )
    assert [v.version for v in ReleaseLedger(project / "releases").versions("xgboost-2.1")] == [5]


def test_renamed_environment_keeps_its_hash(project):
    first = run_cli("hash", "sklearn-1.5", cwd=project).stdout.split()[0]
    dockerfile = (project / "environments/sklearn-1.5/context/Dockerfile").read_text()
    write_env(project / "environments", "sklearn-renamed-1.5", {"context/Dockerfile": dockerfile}, directory="copy")
    second = run_cli("hash", "sklearn-renamed-1.5", cwd=project).stdout.split()[0]
    assert first == second and first.startswith("sha256:")
    pinned = run_cli("hash", "--pinned", "sklearn-1.5", cwd=project)
    assert pinned.returncode == 0 and pinned.stdout.split()[0] not in (first, "")


def test_git_tag_per_release(project):
    assert run_cli("release", "sklearn-1.5", "--git-tag", cwd=project).returncode == 0
    tags = subprocess.run(["git", "tag"], cwd=project, capture_output=True, text=True).stdout.split()
    assert tags == ["environment/sklearn-1.5/1"]


def test_failed_pin_releases_nothing_and_says_why(tmp_path, package_index):
    write_env(tmp_path / "environments", "sklearn-1.5")
    configure(tmp_path, package_index, "http://127.0.0.1:9")
    result = run_cli("release", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "catalog: error: sklearn-1.5: failed: 1 template tags could not be pinned" in result.stderr
    assert "connection refused" in result.stderr
    assert not (tmp_path / "releases").exists()


def test_lint_finds_edited_releases_and_reused_versions(project):
    asset = project / "environments/xgboost-2.1/asset.yaml"
    asset.write_text(asset.read_text().replace("version: auto", "version: 5"))
    assert run_cli("release", cwd=project).returncode == 0
    assert run_cli("lint", "--select", "ledger", cwd=project).returncode == 0

    (project / "releases/sklearn-1.5/1/context/requirements.txt").write_text("scikit-learn==9.9\n")
    (project / "environments/xgboost-2.1/context/requirements.txt").write_text("xgboost==2.1.0\n")
    result = run_cli("lint", "--select", "ledger", cwd=project)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert ("releases/sklearn-1.5/1/release.json: CAT007 ledger version 1 does not match its files: "
            "context/requirements.txt was changed after the release; a release is never edited, "
            "release a new version instead") in lines
    assert any(line.startswith("environments/xgboost-2.1/asset.yaml:2:10: CAT007 ledger version 5 is already released "
                               "with another definition") for line in lines), lines


def test_lint_reports_a_broken_release_json(project):
    assert run_cli("release", "sklearn-1.5", cwd=project).returncode == 0
    (project / "releases/sklearn-1.5/1/release.json").write_text("{not json")
    result = run_cli("lint", "--select", "ledger", cwd=project)
    assert (
        result.returncode == 1 and "releases/sklearn-1.5/1/release.json: CAT007 ledger not valid JSON" in result.stdout
    )
