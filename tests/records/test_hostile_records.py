"""Records read back are untrusted: damaged, huge, FIFO or linked files, odd directory
names and links in every position. Each is refused with a reason naming the file, in
bounded time, and nothing outside the records directory is read or written through it."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest

from catalog.model.released import build_files, released_asset
from catalog.records.build_report import BuildReport, BuildReports
from catalog.records.ledger import Deprecation, ReleaseLedger, ReleaseRecord, file_digests
from catalog.records.lookup_cache import CACHE_FILE, LookupCache
from catalog.records.store import RecordRefused

SECRET = "TOP-SECRET-5c1d"


def record(name: str = "env-1.0", version: int = 1, files: dict[str, bytes] | None = None) -> ReleaseRecord:
    return ReleaseRecord(name=name, version=version, date="2026-11-20T10:00:00Z", content_hash="sha256:" + "1" * 64,
                         source_hash="sha256:" + "2" * 64, image=None, base_image=None, source_commit=None,
                         deprecation=Deprecation(False, None, None), packages=(), files=file_digests(files or {}))


def released(root: Path, name: str = "env-1.0", version: int = 1) -> Path:
    files = {"context/Dockerfile": b"FROM x:1\n", "spec.yaml": b"name: env-1.0\n"}
    return ReleaseLedger(root).write(record(name, version, files), files)


def private(tmp_path: Path) -> Path:
    directory = tmp_path / "private"
    directory.mkdir(exist_ok=True)
    (directory / "secret.txt").write_text(SECRET)
    return directory


# --- the ledger -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda path, tmp: path.write_text("{not json"), "not valid JSON"),
        (lambda path, tmp: path.write_text("x" * (2 << 20)), "larger than the 1.0 MB a record may be"),
        (lambda path, tmp: (path.unlink(), os.mkfifo(path)), "not a regular file"),
        (lambda path, tmp: (path.unlink(), path.symlink_to(tmp / "private" / "secret.txt")), "symbolic link"),
        (lambda path, tmp: path.write_text("[" * 100_000 + "]" * 100_000), "nested deeper than 32 levels"),
        (
            lambda path, tmp: path.write_text(json.dumps({**json.loads(path.read_text()), "version": 2})),
            "does not describe",
        ),
        (
            lambda path, tmp: path.write_text(
                json.dumps({**json.loads(path.read_text()), "files": {"../../private/secret.txt": "0" * 64}})
            ),
            "a released file is named by a plain relative path",
        ),
        (
            lambda path, tmp: path.write_text(json.dumps({**json.loads(path.read_text()), "extra": 1})),
            "unknown key 'extra'",
        ),
    ],
)
def test_an_unreadable_release_record_is_a_problem_naming_it(tmp_path, damage, reason):
    private(tmp_path)
    root = tmp_path / "releases"
    target = released(root)
    damage(target / "release.json", tmp_path)
    started = time.monotonic()
    ledger = ReleaseLedger(root, tmp_path)
    assert ledger.versions("env-1.0") == []
    [problem] = ledger.problems_of("env-1.0")
    assert time.monotonic() - started < 5  # a FIFO is never waited on
    assert problem.path == target / "release.json" and reason in problem.message, problem.message
    assert SECRET not in problem.message


def test_a_linked_version_or_name_directory_is_not_read(tmp_path):
    outside = tmp_path / "elsewhere"
    released(outside)
    root = tmp_path / "releases"
    (root / "env-1.0").mkdir(parents=True)
    (root / "env-1.0" / "1").symlink_to(outside / "env-1.0" / "1")
    (root / "other").symlink_to(outside / "env-1.0")
    ledger = ReleaseLedger(root, tmp_path)
    assert ledger.versions("env-1.0") == [] and ledger.versions("other") == []
    assert {problem.name for problem in ledger.problems} == {"env-1.0", "other"}
    assert all("symbolic link" in problem.message for problem in ledger.problems)


def test_a_linked_ledger_is_neither_read_nor_written_through(tmp_path):
    outside = tmp_path / "elsewhere"
    released(outside)
    (tmp_path / "releases").symlink_to(outside)
    ledger = ReleaseLedger(tmp_path / "releases", tmp_path)
    assert ledger.names() == [] and "symbolic link" in ledger.problems[0].message
    with pytest.raises(RecordRefused, match="symbolic link"):
        ledger.write(record("new-env"), {"spec.yaml": b"x"})
    assert sorted(p.name for p in outside.iterdir()) == ["env-1.0"]


def test_a_linked_file_inside_a_release_is_never_read(tmp_path):
    secret = private(tmp_path) / "secret.txt"
    files = {"asset.yaml": b"name: env-1.0\nversion: auto\ntype: environment\nspec: spec.yaml\n"
                           b"extra_config: environment.yaml\n",
             "environment.yaml": b"image:\n  name: azureml/curated/env-1.0\n  context:\n    dir: context\n",
             "context/Dockerfile": b"FROM x:1\n", "context/requirements.txt": b"numpy==1.26.4\n",
             "spec.yaml": b"name: env-1.0\n"}
    target = ReleaseLedger(tmp_path / "releases").write(record("env-1.0", 1, files), files)
    (target / "context" / "Dockerfile").unlink()
    (target / "context" / "Dockerfile").symlink_to(secret)
    context = target / "context"
    os.rename(context, target / "real-context")
    context.symlink_to(target / "real-context")
    [version] = ReleaseLedger(tmp_path / "releases", tmp_path).versions("env-1.0")
    asset = released_asset(version)  # the site and the version diff read a release through this
    assert [relative for relative, _ in build_files(asset)] == ["context/requirements.txt"]  # not the link
    assert asset.dockerfile is None and SECRET not in json.dumps(build_files(asset))
    assert any("not a regular file" in problem or "missing" in problem for problem in version.mismatches())


@pytest.mark.parametrize("directory", ["01", "1.0", "¹", "x", "+1", "0"])
def test_version_directories_not_named_canonically_are_problems(tmp_path, directory):
    root = tmp_path / "releases"
    good = released(root)
    (root / "env-1.0" / directory).mkdir()
    (root / "env-1.0" / directory / "release.json").write_text((good / "release.json").read_text())
    ledger = ReleaseLedger(root, tmp_path)
    assert [v.version for v in ledger.versions("env-1.0")] == [1]  # one version 1, never two
    [problem] = ledger.problems_of("env-1.0")
    assert problem.path.name == directory and "written canonically" in problem.message


def test_staging_left_by_a_killed_release_is_reported_then_removed(tmp_path):
    root = tmp_path / "releases"
    released(root)
    staging = root / "env-1.0" / ".2.999999.0.tmp"  # a pid that is not running
    (staging / "context").mkdir(parents=True)
    ledger = ReleaseLedger(root, tmp_path)
    [problem] = ledger.problems_of("env-1.0")
    assert problem.path == staging and "interrupted" in problem.message
    ReleaseLedger(root, tmp_path).write(record(version=2), {"spec.yaml": b"x"})
    assert not staging.exists() and (root / "env-1.0" / "2" / "release.json").is_file()


def test_a_version_that_exists_is_never_written_over(tmp_path):
    root = tmp_path / "releases"
    target = released(root)
    before = (target / "release.json").read_bytes()
    with pytest.raises(RecordRefused, match="exists already; nothing was written"):
        ReleaseLedger(root, tmp_path).write(record(), {"spec.yaml": b"other"})
    assert (target / "release.json").read_bytes() == before


def test_unsafe_names_never_become_ledger_paths(tmp_path):
    ledger = ReleaseLedger(tmp_path / "releases", tmp_path)
    for name in ("../../evil", "/tmp/evil", "a/b", ".x"):
        with pytest.raises(RecordRefused, match="not a safe name"):
            ledger.version_directory(name, 1)
    with pytest.raises(RecordRefused, match="cannot name a ledger directory"):
        ledger.version_directory("env-1.0", True)


# --- build reports --------------------------------------------------------------------


def passing(name: str = "sklearn-1.5", version: str = "next") -> BuildReport:
    return BuildReport(name, version, "passed", "2026-11-20T10:04:30Z", content_hash="sha256:" + "0" * 64,
                       message="built and checked")


@pytest.mark.parametrize("damage, reason", [
    (lambda path, tmp: path.write_text("{"), "not valid JSON"),
    (lambda path, tmp: path.write_text(" " * (5 << 20)), "larger than the 4.0 MB a record may be"),
    (lambda path, tmp: (path.unlink(), os.mkfifo(path)), "not a regular file"),
    (lambda path, tmp: (path.unlink(), path.symlink_to(tmp / "other.json")), "symbolic link"),
    (lambda path, tmp: path.write_text(json.dumps({**json.loads(path.read_text()), "environment": "other"})),
     "reports environment 'other'"),
    (lambda path, tmp: path.write_text(json.dumps({**json.loads(path.read_text()), "status": "interrupted"})),
     "does not belong in this file"),
    (lambda path, tmp: path.write_text(json.dumps({**json.loads(path.read_text()), "log": "../../private/secret.txt"})),
     "$.log"),
    (lambda path, tmp: path.write_text(json.dumps({**json.loads(path.read_text()), "finished_at": "yesterday"})),
     "RFC 3339"),
])
def test_an_unreadable_build_report_is_a_problem_naming_it(tmp_path, damage, reason):
    reports = BuildReports(tmp_path / "build-reports", tmp_path)
    path = reports.write(passing())
    (tmp_path / "other.json").write_text(json.dumps(passing().to_json()))
    damage(path, tmp_path)
    started = time.monotonic()
    found = reports.of_environment("sklearn-1.5")
    assert time.monotonic() - started < 5
    assert found.reports == []
    [problem] = found.problems
    assert problem.path == path and reason in problem.message, problem.message


@pytest.mark.parametrize("damage", [
    lambda path, tmp: path.write_text("{"),
    lambda path, tmp: (path.unlink(), path.symlink_to(tmp / "other.json")),
    lambda path, tmp: (path.unlink(), os.mkfifo(path)),
    lambda path, tmp: path.write_text(json.dumps({**json.loads(path.read_text()), "content_hash": "sha256:x\nRUN"})),
    lambda path, tmp: path.write_text(json.dumps({**json.loads(path.read_text()), "asset_version": "1"})),
])
def test_what_decides_a_rebuild_is_read_as_carefully(tmp_path, damage):
    reports = BuildReports(tmp_path / "build-reports", tmp_path)
    path = reports.write(passing())
    (tmp_path / "other.json").write_text(json.dumps(passing().to_json()))
    assert reports.last_passed("sklearn-1.5") is not None
    damage(path, tmp_path)
    assert reports.last_passed("sklearn-1.5") is None


def test_a_linked_report_directory_is_not_read(tmp_path):
    elsewhere = BuildReports(tmp_path / "elsewhere")
    elsewhere.write(passing())
    root = tmp_path / "build-reports"
    root.mkdir()
    (root / "sklearn-1.5").symlink_to(tmp_path / "elsewhere" / "sklearn-1.5")
    reports = BuildReports(root, tmp_path)
    found = reports.of_environment("sklearn-1.5")
    assert found.reports == [] and "symbolic link" in found.problems[0].message
    assert reports.last_passed("sklearn-1.5") is None
    with pytest.raises(RecordRefused, match="symbolic link"):
        reports.write(passing())


def test_an_interrupted_build_never_replaces_a_completed_report(tmp_path):
    reports = BuildReports(tmp_path)
    path = reports.write(passing())
    before = path.read_bytes()
    interrupted = reports.write(replace(passing(), status="interrupted", finished_at="2026-11-21T00:00:00Z"))
    assert interrupted.name == "next.interrupted.json" and path.read_bytes() == before
    found = reports.of_environment("sklearn-1.5")
    assert [r.status for r in found.reports] == ["passed"] and [r.status for r in found.interrupted] == ["interrupted"]
    reports.write(replace(passing(), finished_at="2026-11-22T00:00:00Z"))  # a completed build clears the interruption
    assert not interrupted.exists()


@pytest.mark.parametrize("name, version", [("../../evil", "next"), ("/tmp/evil", "1"), ("ok", "01"), ("ok", "..")])
def test_unsafe_names_and_versions_never_become_report_paths(tmp_path, name, version):
    with pytest.raises(RecordRefused):
        BuildReports(tmp_path).path(name, version)
    with pytest.raises(RecordRefused):
        BuildReports(tmp_path).log_path(name, version)


# --- the lookup cache -----------------------------------------------------------------


def write_cache(directory: Path, entries: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CACHE_FILE
    path.write_text(json.dumps({"version": 2, "entries": entries}))
    return path


def test_poisoned_cache_entries_are_dropped(tmp_path):
    now = time.time()
    good_key = "image http://127.0.0.1:5000 azureml/x "
    write_cache(tmp_path, {
        good_key: [now, {"tag": "1.1", "digest": None}],
        "image http://127.0.0.1:5000 azureml/newline ": [now, {"tag": "1.1\nRUN evil", "digest": None}],
        "digest http://127.0.0.1:5000 azureml/x:1.1": [now, "sha256:" + "g" * 64],
        "pypi https://pypi.org/simple/ six final": [now, "1.16.0\nRUN evil"],
        "pypi https://pypi.org/simple/ numpy final": [now, "2.01"],  # not canonical
        "image http://127.0.0.1:5000 azureml/future ": [now + 86400, {"tag": "9.9", "digest": None}],
        "image http://127.0.0.1:5000 azureml/bool ": [True, {"tag": "9.9", "digest": None}],
        "unknown kind": [now, "x"],
    })
    cache = LookupCache(tmp_path, 600)
    assert cache.get(good_key) == {"tag": "1.1", "digest": None}
    for key in ("image http://127.0.0.1:5000 azureml/newline ", "digest http://127.0.0.1:5000 azureml/x:1.1",
                "pypi https://pypi.org/simple/ six final", "pypi https://pypi.org/simple/ numpy final",
                "image http://127.0.0.1:5000 azureml/bool ", "unknown kind"):
        assert cache.get(key, any_age=True) is None, key
    # an entry dated in the future has expired, even offline
    assert cache.get("image http://127.0.0.1:5000 azureml/future ", any_age=True) is None


@pytest.mark.parametrize("kind", ["link", "fifo", "huge", "directory"])
def test_a_cache_file_that_is_not_a_plain_small_file_is_not_read(tmp_path, kind):
    directory = tmp_path / "cache"
    directory.mkdir()
    path = directory / CACHE_FILE
    target = write_cache(
        tmp_path / "other", {"image http://x azureml/x ": [time.time(), {"tag": "1.1", "digest": None}]}
    )
    if kind == "link":
        path.symlink_to(target)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "huge":
        path.write_text(json.dumps({"version": 2, "entries": {}, "pad": "x" * (17 << 20)}))
    else:
        path.mkdir()
    started = time.monotonic()
    cache = LookupCache(directory, 600)
    assert time.monotonic() - started < 5
    assert cache.get("image http://x azureml/x ", any_age=True) is None and cache.problem
    cache.put("image http://x azureml/x ", {"tag": "2.0", "digest": None})
    cache.save()  # never through the link, never into the FIFO or the directory
    assert json.loads(target.read_text())["entries"]["image http://x azureml/x "][1]["tag"] == "1.1"


def test_lint_reports_a_build_report_it_cannot_read(tmp_path):
    from tests.conftest import run_bounded, write_env

    write_env(tmp_path / "environments", "sklearn-1.5")
    (tmp_path / "pyproject.toml").write_text('[tool.catalog]\nroots = ["environments"]\n')
    reports = BuildReports(tmp_path / "build-reports", tmp_path)
    path = reports.write(passing())
    assert run_bounded("lint", cwd=tmp_path).returncode == 0
    path.unlink()
    path.symlink_to("/etc/hostname")
    result = run_bounded("lint", cwd=tmp_path)
    assert result.returncode == 1
    assert (
        "build-reports/sklearn-1.5/next.json: CAT009 build-report " in result.stdout
        and "symbolic link" in result.stdout
    )
