"""``catalog release`` and ``catalog build`` on hostile trees: names that would leave their
directory, damaged or linked ledger entries, staging left by a killed run. Each is refused
with one line naming it (exit 1), and nothing is written outside its directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from tests.conftest import REPO, run_bounded


def tree(top: Path) -> set[str]:
    """Every path below ``top`` (other tests' trees included: some nest beyond PATH_MAX, which
    a walk passes over)."""
    found = set()
    for directory, dirnames, filenames in os.walk(top, onerror=lambda error: None):
        dirnames[:] = [name for name in dirnames if name != ".cache"]
        found.update(os.path.relpath(os.path.join(directory, name), top) for name in [*dirnames, *filenames])
    return found


@pytest.mark.parametrize("name", ["../../evil", "../outside", "/tmp/catalog-evil-absolute", "a/b", "sklearn\n1.5"])
def test_an_unsafe_name_is_refused_by_release_and_build_and_writes_nothing(project, name):
    asset = project / "environments/sklearn-1.5/asset.yaml"
    asset.write_text(asset.read_text().replace("name: sklearn-1.5", f"name: {json.dumps(name)}"))
    before = tree(project.parent)
    release = run_bounded("release", "environments/sklearn-1.5", cwd=project)
    assert release.returncode == 1
    [line] = [line for line in release.stderr.splitlines() if "sklearn-1.5/asset.yaml" in line]
    assert line.startswith("catalog: error: ") and "refused" in line and "not a safe name" in line and len(line) <= 300
    build = run_bounded("build", "--builder", "buildah", "environments/sklearn-1.5", cwd=project)
    assert build.returncode == 1
    assert "not a safe name" in build.stdout + build.stderr
    assert tree(project.parent) == before  # nothing appeared anywhere, inside the project or around it
    assert not os.path.lexists("/tmp/catalog-evil-absolute")


@pytest.mark.parametrize("version", ["01", "¹", "1.0", "0"])
def test_a_version_that_is_not_canonical_is_refused(project, version):
    asset = project / "environments/sklearn-1.5/asset.yaml"
    asset.write_text(asset.read_text().replace("version: auto", f"version: {json.dumps(version)}"))
    result = run_bounded("release", "sklearn-1.5", cwd=project)
    assert result.returncode == 1 and "is neither auto nor a positive integer" in result.stderr
    assert not (project / "releases" / "sklearn-1.5").exists()


@pytest.mark.parametrize("damage, reason", [
    (lambda path: path.write_text("{not json"), "not valid JSON"),
    (lambda path: path.write_text(" " * (2 << 20)), "larger than the 1.0 MB a record may be"),
    (lambda path: (path.unlink(), os.mkfifo(path)), "not a regular file"),
    (lambda path: (path.unlink(), path.symlink_to("/etc/hostname")), "symbolic link"),
])
def test_a_released_version_whose_record_cannot_be_read_is_never_written_over(project, damage, reason):
    assert run_bounded("release", "sklearn-1.5", cwd=project).returncode == 0
    version = project / "releases/sklearn-1.5/1"
    damage(version / "release.json")
    before = {path.name: (path.lstat().st_mode, path.lstat().st_size) for path in version.rglob("*")}
    result = run_bounded("release", "sklearn-1.5", cwd=project, timeout=60)
    assert result.returncode == 1
    [line] = [line for line in result.stderr.splitlines() if "releases/sklearn-1.5/1/release.json" in line]
    assert reason in line and line.endswith("repair or remove it; nothing was written"), line
    assert {path.name: (path.lstat().st_mode, path.lstat().st_size) for path in version.rglob("*")} == before
    assert sorted(p.name for p in (project / "releases/sklearn-1.5").iterdir()) == ["1"]
    lint = run_bounded("lint", "--select", "ledger", cwd=project)
    assert lint.returncode == 1 and "releases/sklearn-1.5/1/release.json: CAT007 ledger" in lint.stdout


def test_a_linked_ledger_directory_is_not_written_through(project, tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (project / "releases").mkdir()
    (project / "releases" / "sklearn-1.5").symlink_to(outside)
    result = run_bounded("release", "sklearn-1.5", cwd=project)
    assert result.returncode == 1 and "releases/sklearn-1.5" in result.stderr and "symbolic link" in result.stderr
    assert list(outside.iterdir()) == []


def test_staging_left_by_a_killed_release_is_reported_then_removed(project):
    assert run_bounded("release", "sklearn-1.5", cwd=project).returncode == 0
    requirements = project / "environments/sklearn-1.5/context/requirements.txt"
    requirements.write_text(requirements.read_text() + "six==1.16.0\n")
    staging = project / "releases/sklearn-1.5/.2.999999.0.tmp"
    (staging / "context").mkdir(parents=True)
    (staging / "context" / "Dockerfile").write_text("FROM half-written\n")
    lint = run_bounded("lint", "--select", "ledger", cwd=project)
    assert lint.returncode == 1
    assert "releases/sklearn-1.5/.2.999999.0.tmp: CAT007 ledger left by a release that was interrupted" in lint.stdout
    assert run_bounded("release", "sklearn-1.5", cwd=project).returncode == 0
    assert not staging.exists() and (project / "releases/sklearn-1.5/2/release.json").is_file()
    assert run_bounded("lint", "--select", "ledger", cwd=project).returncode == 0


def test_odd_version_directories_are_findings_and_never_a_second_version(project):
    assert run_bounded("release", "sklearn-1.5", cwd=project).returncode == 0
    released = project / "releases/sklearn-1.5"
    for odd in ("01", "¹"):
        (released / odd).mkdir()
        (released / odd / "release.json").write_text((released / "1" / "release.json").read_text())
    lint = run_bounded("lint", "--select", "ledger", cwd=project)
    assert lint.returncode == 1
    assert lint.stdout.count("CAT007 ledger not a version directory") == 2
    site = run_bounded("site", cwd=project)
    assert site.returncode == 0, site.stderr
    catalog = json.loads((project / "site-docs" / "catalog.json").read_text())
    [entry] = [e for e in catalog["environments"] if e["name"] == "sklearn-1.5"]
    assert [v["label"] for v in entry["versions"] if v["released"]] == ["1"]


def test_the_site_never_publishes_a_linked_record_or_file(project, tmp_path):
    secret = tmp_path.parent / f"{tmp_path.name}-secret.txt"
    secret.write_text("TOP-SECRET-91ab\n")
    assert run_bounded("release", "sklearn-1.5", "xgboost-2.1", cwd=project).returncode == 0
    # a released file replaced by a link, a linked context, a link in place of a record
    released = project / "releases/sklearn-1.5/1"
    (released / "context" / "requirements.txt").unlink()
    (released / "context" / "requirements.txt").symlink_to(secret)
    other = project / "releases/xgboost-2.1/1"
    os.rename(other / "context", project / "moved-context")
    (other / "context").symlink_to(secret.parent)
    reports = project / "build-reports" / "sklearn-1.5"
    reports.mkdir(parents=True)
    (reports / "next.json").symlink_to(secret)
    result = run_bounded("site", cwd=project)
    assert result.returncode == 0
    published = "".join(
        path.read_text(errors="replace") for path in (project / "site-docs").rglob("*") if path.is_file()
    )
    assert "TOP-SECRET-91ab" not in published
    assert "build-reports/sklearn-1.5/next.json" in result.stderr and "symbolic link" in result.stderr
    lint = run_bounded("lint", "--select", "ledger", cwd=project)
    assert "releases/sklearn-1.5/1/release.json: CAT007 ledger version 1 does not match its files: " \
           "context/requirements.txt was changed after the release" in lint.stdout
    assert "releases/xgboost-2.1/1/release.json: CAT007 ledger version 1 does not match its files" in lint.stdout


def test_a_version_whose_record_is_unreadable_shows_as_such_on_the_site(project):
    assert run_bounded("release", "sklearn-1.5", cwd=project).returncode == 0
    (project / "releases/sklearn-1.5/1/release.json").write_text("{")
    result = run_bounded("site", cwd=project)
    assert result.returncode == 0
    [warning] = [line for line in result.stderr.splitlines() if "releases/sklearn-1.5/1/release.json" in line]
    assert warning.startswith("catalog: warning: ") and "not valid JSON" in warning
    page = (project / "site-docs/environments/sklearn-1.5.md").read_text()
    assert "| 1 | record unreadable |" in page
    assert not (project / "site-docs/environments/sklearn-1.5/1.md").exists()
    # catalog.json says so too, and still matches its schema
    data = json.loads((project / "site-docs/catalog.json").read_text())
    [entry] = [e for e in data["environments"] if e["name"] == "sklearn-1.5"]
    [version] = [v for v in entry["versions"] if v["label"] == "1"]
    assert "not valid JSON" in version["unreadable"]
    schemas = {name: json.loads((REPO / "schemas" / name).read_text())
               for name in ("catalog.schema.json", "build-report.schema.json")}
    registry = Registry().with_resources(
        (schema.get("$id", name), Resource.from_contents(schema)) for name, schema in schemas.items())
    assert list(Draft202012Validator(schemas["catalog.schema.json"], registry=registry).iter_errors(data)) == []


def test_a_bytecode_cache_in_a_released_tree_is_not_a_change(project):
    assert run_bounded("release", "sklearn-1.5", cwd=project).returncode == 0
    cache = project / "releases/sklearn-1.5/1/context/__pycache__"
    cache.mkdir()
    (cache / "helpers.cpython-311.pyc").write_bytes(b"\x00")
    lint = run_bounded("lint", "--select", "ledger", cwd=project)
    assert lint.returncode == 0 and "CAT007" not in lint.stdout, lint.stdout
    (project / "releases/sklearn-1.5/1/context/extra.txt").write_text("x")  # a real change still is one
    assert "extra.txt" in run_bounded("lint", "--select", "ledger", cwd=project).stdout
