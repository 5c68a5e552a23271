"""The bundled catalog builds for real: every environment with a build context, with
buildah on the stand-in bases, checked inside its image; a second run builds nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from catalog.model import load_catalog
from catalog.model.facts import normalize_package
from catalog.records.build_report import BuildReports
from catalog.records.ledger import ReleaseLedger
from catalog.resources import load_schema
from tests.conftest import REPO, run_cli
from tests.servers.build_machine import configure_build

SAMPLE = REPO / "environments"
BUILDABLE = sorted(env.name for env in load_catalog([SAMPLE]).environments if env.context is not None)


@pytest.fixture(scope="session")
def sample_build(build_machine, tmp_path_factory):
    """``catalog build`` of a copy of the sample catalog and its ledger, once per session."""
    project = tmp_path_factory.mktemp("sample-build")
    shutil.copytree(SAMPLE, project / "environments")
    shutil.copytree(REPO / "releases", project / "releases")
    configure_build(project, build_machine)
    result = run_cli("build", "--discard-images", cwd=project, env=build_machine.env, timeout=3600)
    return project, result


def reports_of(project: Path) -> dict[str, dict]:
    found = {}
    for name in BUILDABLE:
        reports = BuildReports(project / "build-reports").of_environment(name)
        assert reports.problems == [], reports.problems
        found[name] = reports.reports[0].to_json()
    return found


def test_every_sample_environment_builds_and_passes_its_checks(sample_build):
    project, result = sample_build
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert "mlflow-inference: skipped (a pre-built image: no build context to build)" in result.stdout
    assert result.stdout.splitlines()[-1] == (f"{len(BUILDABLE) + 1} environments: {len(BUILDABLE)} passed, 0 failed, "
                                              "1 skipped")
    catalog = load_catalog([project / "environments"])
    ledger = ReleaseLedger(project / "releases")
    validator = Draft202012Validator(load_schema("build-report"), format_checker=FormatChecker())
    for name, report in reports_of(project).items():
        assert list(validator.iter_errors(report)) == [], name
        assert report["status"] == "passed", (name, report["message"])
        released = [entry.version for entry in ledger.versions(name) if entry.content_hash == report["content_hash"]]
        assert report["asset_version"] == (str(released[-1]) if released else "next"), name
        assert report["image"] == f"azureml/curated/{name}:{report['asset_version']}"
        assert report["builder"].startswith("buildah 1.")
        assert report["base_image"]["reference"].startswith("mcr.microsoft.com/azureml/")
        assert report["base_image"]["digest"].startswith("sha256:")
        assert report["image_digest"].startswith("sha256:") and report["image_size_bytes"] > 200 << 20
        checks = {check["name"]: check for check in report["checks"]}
        assert checks["python-version"]["status"] == "passed" and "Python 3.11." in checks["python-version"]["detail"]
        assert checks["pip-check"]["status"] == "passed"
        assert all(check["status"] == "passed" for check in report["checks"]), name
        assert report["tests"] == {"status": "passed", "passed": len(report["checks"]), "failed": 0, "skipped": 0}
        # every pinned requirement is in the inventory read from the image, at its pinned version
        env = catalog.named(name)[0]
        inventory = {normalize_package(item["name"]): item["version"] for item in report["packages"]}
        for package in env.facts.packages:
            assert package.name in inventory, (name, package.name)
            if package.pinned_version and "{{" not in package.pinned_version:  # a template tag is pinned at build time
                assert inventory[package.name] == package.pinned_version, (name, package.name)
        assert len([c for c in checks if c.startswith("import ")]) >= len(env.facts.packages)
        log = project / "build-reports" / report["log"]
        assert (
            log.is_file()
            and "STEP 1/" in log.read_text()
            and report["log"] == f"logs/{name}-{report['asset_version']}.log"
        )
        assert report["policy"] == []


def test_a_second_run_finds_everything_up_to_date(sample_build, build_machine):
    project, first = sample_build
    assert first.returncode == 0
    before = {path: path.stat().st_mtime_ns for path in (project / "build-reports").rglob("*.json")}
    result = run_cli("build", cwd=project, env=build_machine.env)
    assert result.returncode == 0, result.stderr
    for name in BUILDABLE:
        assert f"{name}: skipped (unchanged since its build of " in result.stdout
    assert result.stdout.splitlines()[-1] == (f"{len(BUILDABLE) + 1} environments: 0 passed, 0 failed, "
                                              f"{len(BUILDABLE) + 1} skipped")
    assert {path: path.stat().st_mtime_ns for path in (project / "build-reports").rglob("*.json")} == before
    matrix = run_cli("build", "--plan", "--format", "github-matrix", cwd=project, env=build_machine.env)
    assert matrix.returncode == 0 and json.loads(matrix.stdout) == {"include": []}
    everything = run_cli("build", "--plan", "--all", "--format", "github-matrix", cwd=project, env=build_machine.env)
    assert [item["environment"] for item in json.loads(everything.stdout)["include"]] == BUILDABLE


def test_the_site_shows_the_verified_builds(sample_build, build_machine):
    """What a new user sees after `catalog build`: each environment verified, its packages on the packages page."""
    project, first = sample_build
    assert first.returncode == 0
    result = run_cli("site", "--out", str(project / "site-docs"), cwd=project, env=build_machine.env)
    assert result.returncode == 0, result.stderr
    out = project / "site-docs"
    packages = (out / "packages.md").read_text()
    data = json.loads((out / "catalog.json").read_text())
    for entry in data["environments"]:
        if entry["name"] not in BUILDABLE:
            continue
        page = (out / f"environments/{entry['name']}.md").read_text()  # the sample's names are their slugs
        assert 'id="build-evidence" data-status="passed"' in page, entry["name"]
        built = next(v for v in entry["versions"] if v["build"])
        # the ledger holds each sample environment as it pins today: the build is of its latest release
        assert built["build"] == entry["build"] and built["released"] and built["label"] == entry["latest_version"]
        assert 'data-status="passed"' in (out / f"environments/{entry['name']}/{built['label']}.md").read_text()
        assert f">{entry['name']} {built['label']}</a>" in packages, entry["name"]
        for package in entry["build"]["packages"][:3]:
            assert f"<td>{package['name']}</td>" in packages
