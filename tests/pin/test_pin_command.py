"""``catalog pin`` as users run it, against the real registry and package index."""

from __future__ import annotations

import json
import sys

import pytest

from tests.conftest import configure, run_cli, write_env
from tests.servers.fixtures import BASE_TAGS, PROJECTS, start_process, stop


@pytest.fixture
def project(tmp_path, registry, package_index):
    write_env(tmp_path / "environments", "sklearn-1.5")
    configure(tmp_path, package_index, registry)
    return tmp_path


def test_check_shows_what_pinning_writes_and_writes_nothing(project):
    before = (project / "environments/sklearn-1.5/context/Dockerfile").read_text()
    result = run_cli("pin", "--check", cwd=project)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"environments/sklearn-1.5/context/Dockerfile:1:57: {{{{latest-image-tag}}}} -> {BASE_TAGS[-1]}" in lines
    assert "environments/sklearn-1.5/context/requirements.txt:2:17: {{latest-pypi-version}} -> 1.58.0" in lines
    assert lines[-1] == "1 environment, 2 template tags, 2 lookups; 0 failed"
    assert (project / "environments/sklearn-1.5/context/Dockerfile").read_text() == before
    assert not (project / "pinned").exists()


def test_out_writes_a_pinned_copy(project):
    result = run_cli("pin", "sklearn-1.5", "--out", "pinned", cwd=project)
    assert result.returncode == 0, result.stderr
    copy = project / "pinned" / "sklearn-1.5"
    assert copy.joinpath("context/Dockerfile").read_text().startswith(
        f"FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{BASE_TAGS[-1]}\n")
    assert copy.joinpath("context/requirements.txt").read_text() == "scikit-learn==1.5.2\nazureml-mlflow==1.58.0\n"
    assert copy.joinpath("spec.yaml").read_text() == (project / "environments/sklearn-1.5/spec.yaml").read_text()
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file()) == [
        "asset.yaml",
        "context/Dockerfile",
        "context/requirements.txt",
        "description.md",
        "environment.yaml",
        "spec.yaml",
    ]
    assert "{{" in (project / "environments/sklearn-1.5/context/Dockerfile").read_text()  # the source keeps its tags

    assert run_cli("pin", "--check", "--out", "pinned", cwd=project).returncode == 0
    requirements = project / "environments/sklearn-1.5/context/requirements.txt"
    requirements.write_text(requirements.read_text() + "numpy==1.26.4\n")
    result = run_cli("pin", "--check", "--out", "pinned", cwd=project)
    assert result.returncode == 1 and "pinned/sklearn-1.5: out of date" in result.stdout


def test_warm_cache_asks_no_server_and_offline_uses_the_cache(project, tmp_path):
    data = tmp_path / "projects.json"
    data.write_text(json.dumps(PROJECTS))
    index, index_port = start_process([sys.executable, "-m", "tests.servers.package_index", str(data)])
    mirror, mirror_port = start_process([sys.executable, "-m", "tests.servers.faulty_registry"])
    try:
        configure(project, f"http://127.0.0.1:{index_port}/simple/", f"http://127.0.0.1:{mirror_port}")
        first = run_cli("pin", "--check", cwd=project)
        assert first.returncode == 0, first.stderr
    finally:
        stop(index)
        stop(mirror)
    # nothing listens at either endpoint now: the answers come from the cache
    result = run_cli("pin", "--check", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == first.stdout
    assert run_cli("pin", "--check", "--offline", cwd=project).returncode == 0


def test_a_mirrors_answers_are_never_served_for_another_endpoint(project, tmp_path):
    mirror, mirror_port = start_process([sys.executable, "-m", "tests.servers.faulty_registry"])
    try:
        configure(project, registry_index(project), f"http://127.0.0.1:{mirror_port}")
        assert "-> 1.1" in run_cli("pin", "--check", cwd=project).stdout  # the stand-in's own tags
    finally:
        stop(mirror)
    # the same image through another endpoint (upstream, or another mirror): the cache does not answer for it
    configure(project, registry_index(project), "http://127.0.0.1:9")
    offline = run_cli("pin", "--check", "--offline", cwd=project)
    assert offline.returncode == 1
    assert "{{latest-image-tag}}: the tag of latest of mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04: " \
           "not in the cache, and --offline forbids asking" in offline.stderr
    cache = json.loads((project / ".cache" / "lookups.json").read_text())
    assert any(key.startswith(f"image http://127.0.0.1:{mirror_port} ") for key in cache["entries"])


def registry_index(project) -> str:
    import tomllib

    return tomllib.loads((project / "pyproject.toml").read_text())["tool"]["catalog"]["pin"]["index-url"]


def registry_url(project) -> str:
    import tomllib

    return tomllib.loads((project / "pyproject.toml").read_text())["tool"]["catalog"]["pin"]["registry-mirrors"][
        "mcr.microsoft.com"
    ]


def test_offline_without_a_cache_names_the_lookup(project):
    result = run_cli("pin", "--check", "--offline", cwd=project)
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert len(errors) == 2 and all(e.startswith("catalog: error: sklearn-1.5: ") for e in errors)
    assert any("context/Dockerfile:1:57: {{latest-image-tag}}: the tag of latest of "
               "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04: not in the cache, and --offline forbids asking" in e
               for e in errors)


def test_failed_lookup_leaves_the_pinned_copy_untouched(project):
    assert run_cli("pin", "--out", "pinned", cwd=project).returncode == 0
    pinned = project / "pinned/sklearn-1.5/context/requirements.txt"
    before = pinned.read_text()
    requirements = project / "environments/sklearn-1.5/context/requirements.txt"
    requirements.write_text("all-yanked=={{latest-pypi-version}}\n")
    result = run_cli("pin", "--out", "pinned", cwd=project)
    assert result.returncode == 1
    assert (
        "context/requirements.txt:1:13: {{latest-pypi-version}}: the newest final release of all-yanked"
        in result.stderr
    )
    assert "==None" not in result.stdout + pinned.read_text()
    assert pinned.read_text() == before
    assert not [p for p in (project / "pinned").iterdir() if p.name.startswith(".")]  # no temporaries left


def test_unreachable_registry_is_one_line_naming_environment_file_and_request(tmp_path, package_index):
    write_env(tmp_path / "environments", "sklearn-1.5")
    configure(tmp_path, package_index, "http://127.0.0.1:9")
    result = run_cli("pin", "--check", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [error] = result.stderr.splitlines()
    assert error.startswith("catalog: error: sklearn-1.5: ")
    assert "context/Dockerfile:1:57: {{latest-image-tag}}" in error
    assert "GET http://127.0.0.1:9/v2/azureml/openmpi4.1.0-ubuntu22.04/tags/list?n=1000: connection refused" in error


def test_unknown_environment_and_missing_out_are_usage_errors(project):
    result = run_cli("pin", "nope", "--check", cwd=project)
    assert result.returncode == 2 and "no environment 'nope'" in result.stderr
    result = run_cli("pin", cwd=project)
    assert result.returncode == 2 and "--out DIR" in result.stderr


def test_cache_file_is_valid_json(project):
    assert run_cli("pin", "--check", cwd=project).returncode == 0
    payload = json.loads((project / ".cache" / "lookups.json").read_text())
    assert payload["version"] == 2 and len(payload["entries"]) == 2


def test_mirror_and_index_on_the_command_line(tmp_path, registry, package_index):
    write_env(tmp_path / "environments", "sklearn-1.5")
    (tmp_path / "pyproject.toml").write_text('[tool.catalog]\nroots = '
                                             '["environments"]\n\n[tool.catalog.pin]\ncache-dir = ".cache"\n')
    result = run_cli(
        "pin",
        "--check",
        "--registry-mirror",
        f"mcr.microsoft.com={registry}",
        "--index-url",
        package_index,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert f"-> {BASE_TAGS[-1]}" in result.stdout and "-> 1.58.0" in result.stdout
    bad = run_cli("pin", "--check", "--registry-mirror", "mcr.microsoft.com", cwd=tmp_path)
    assert bad.returncode == 2 and "expected HOST=URL" in bad.stderr
