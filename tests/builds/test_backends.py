"""The docker and podman backends, against a recording stand-in for their command lines.

docker needs a daemon and podman is not installed on these machines, so these tests put
a fake ``docker``/``podman`` on PATH (tests/builds/fake_cli) that records what it is asked
and answers like the real tools; buildah is tested for real in the other build tests.
The pins come from the real test registry and package index.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from catalog.builds.backends import NoBuilder, detect_builder
from catalog.builds.backends.base import Builder
from catalog.builds.backends.docker import CA_SECRET, add_secret_mounts
from catalog.builds.image_probe import RESULT_MARKER
from tests.conftest import REPO, configure, run_cli, write_env

FAKE = Path(__file__).parent / "fake_cli" / "container_cli.py"
PROBE_ANSWER = {
    "python": {"name": "python-version", "value": "3.10.12"},
    "pip_check": {"name": "pip-check", "exit": 0, "output": "No broken requirements found."},
    "imports": {"name": "imports", "results": [{"module": "sklearn", "ok": True, "detail": ""},
                                                {"module": "azureml", "ok": True, "detail": ""}], "unresolved": []},
    "pytest": None,
    "packages": [{"name": "scikit-learn", "version": "1.5.2", "source": "pip"},
                 {"name": "azureml-mlflow", "version": "1.58.0", "source": "pip"}],
}


@pytest.fixture
def fake_tools(tmp_path):
    """A PATH holding only the fake tools (and python), and the file they record to."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("docker", "podman"):
        (bin_dir / name).symlink_to(FAKE)
    (bin_dir / "python3").symlink_to(sys.executable)  # for the fake's #! line, on a PATH without /usr/bin
    answer = tmp_path / "probe-answer.txt"
    answer.write_text("probe output\n" + RESULT_MARKER + json.dumps(PROBE_ANSWER) + "\n")
    log = tmp_path / "cli.jsonl"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin",
           "FAKE_CLI_LOG": str(log), "FAKE_PROBE_ANSWER": str(answer)}
    return bin_dir, log, env


def calls(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.fixture
def project(tmp_path, registry, package_index):
    root = tmp_path / "project"
    write_env(root / "environments", "sklearn-1.5")
    configure(root, package_index, registry)
    return root


def test_docker_builds_with_buildkit_and_a_secret_ca_bundle_never_in_the_image(project, fake_tools, registry):
    _, log, env = fake_tools
    result = run_cli("build", "--builder", "docker", "--ca-bundle", "/etc/ssl/certs/ca-certificates.crt",
                     "--push", "registry.example.com/team", cwd=project, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    recorded = calls(log)
    # docker is asked whether it can build (a daemon, BuildKit) before anything is built
    assert [c["args"][0] for c in recorded] == [
        "info",
        "buildx",
        "version",
        "build",
        "image",
        "run",
        "rm",
        "tag",
        "push",
    ]
    build = recorded[3]
    assert "--secret" in build["args"]
    assert (
        build["args"][build["args"].index("--secret") + 1] == f"id={CA_SECRET},src=/etc/ssl/certs/ca-certificates.crt"
    )
    assert build["args"][build["args"].index("-t") + 1] == "azureml/curated/sklearn-1.5:next"
    # the mirror is named in FROM, and each RUN mounts the bundle as a secret
    host = registry.split("://", 1)[1]
    assert build["dockerfile"].startswith(f"FROM {host}/azureml/openmpi4.1.0-ubuntu22.04:20251110.v1\n")
    assert (
        f"RUN --mount=type=secret,id={CA_SECRET},target=/etc/ssl/certs/ca-certificates.crt pip install"
        in build["dockerfile"]
    )
    run = recorded[5]["args"]
    assert (
        run[:2] == ["run", "--rm"]
        and run[4:6] == ["--entrypoint", "/bin/sh"]
        and "azureml/curated/sklearn-1.5:next" in run
    )
    # the check's container is named, and removed whatever stopped it
    assert run[2] == "--name" and recorded[6]["args"] == ["rm", "--force", run[3]]
    assert recorded[7]["args"] == [
        "tag",
        "azureml/curated/sklearn-1.5:next",
        "registry.example.com/team/azureml/curated/sklearn-1.5:next",
    ]
    report = json.loads((project / "build-reports" / "sklearn-1.5" / "next.json").read_text())
    assert report["builder"] == "docker 27.3.1" and report["status"] == "passed"
    assert report["image_digest"] == "sha256:" + "1" * 64 and report["image_size_bytes"] == 123456789
    assert report["pushed"] == [{"reference": "registry.example.com/team/azureml/curated/sklearn-1.5:next",
                                 "digest": "sha256:" + "3" * 64}]
    assert report["checks"][0] == {"name": "python-version", "status": "passed",
                                   "detail": "Python 3.10.12, as the Python tag (3.10) says"}


def test_podman_builds_like_buildah_with_a_volume_and_plain_http_registries(project, fake_tools, registry):
    _, log, env = fake_tools
    result = run_cli("build", "--builder", "podman", "--ca-bundle", "/etc/ssl/certs/ca-certificates.crt",
                     "--push", f"{registry}/pushed", "--no-cache", cwd=project, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    recorded = calls(log)
    [built] = [c for c in recorded if c["args"][0] == "build"]
    build = built["args"]
    assert "--tls-verify=false" in build and "--no-cache" in build
    assert build[build.index("-v") + 1] == "/etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro"
    assert "--mount=type=secret" not in built["dockerfile"]
    push = recorded[-1]["args"]
    host = registry.split("://", 1)[1]
    assert push[:3] == ["push", "--quiet", "--tls-verify=false"] and push[-1] == f"docker://{host}/pushed/azureml/curated/sklearn-1.5:next"
    report = json.loads((project / "build-reports" / "sklearn-1.5" / "next.json").read_text())
    assert report["builder"] == "podman 4.9.3" and report["image_digest"] == "sha256:" + "2" * 64
    assert report["pushed"][0]["digest"] == "sha256:" + "4" * 64


def test_a_failed_docker_build_is_a_failed_report(project, fake_tools):
    _, log, env = fake_tools
    result = run_cli("build", "--builder", "docker", cwd=project, env={**env, "FAKE_BUILD_FAIL": "1"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    report = json.loads((project / "build-reports" / "sklearn-1.5" / "next.json").read_text())
    assert report["status"] == "failed"
    assert report["message"] == ("docker build failed (exit status 1): "
                                 "ERROR: failed to solve: process did not complete successfully: exit code: 1")


@pytest.mark.parametrize("broken, expected", [
    ({"FAKE_DOCKER_INFO_EXIT": "1"}, "the Docker daemon does not answer"),
    ({"FAKE_DOCKER_NO_BUILDX": "1"}, "docker has no BuildKit"),
])
def test_a_docker_that_cannot_build_is_a_usage_error_and_replaces_no_report(project, fake_tools, broken, expected):
    from catalog.records.build_report import BuildReport, BuildReports

    _, log, env = fake_tools
    reports = BuildReports(project / "build-reports")
    passing = BuildReport("sklearn-1.5", "next", "passed", "2026-11-20T10:04:30Z", content_hash="sha256:" + "0" * 64,
                          message="built and checked")
    path = reports.write(passing)
    before = path.read_bytes()
    result = run_cli("build", "--builder", "docker", "--all", cwd=project, env={**env, **broken})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("catalog: error: --builder docker: ") and expected in line and "nothing was built" in line
    assert path.read_bytes() == before
    assert sorted(p.relative_to(project / "build-reports").as_posix() for p in (project / "build-reports").rglob("*")) \
        == ["sklearn-1.5", "sklearn-1.5/next.json"]  # no log, no other report
    assert not [c for c in calls(log) if c["args"][0] in ("build", "run")]


def test_detection_prefers_a_docker_daemon_then_podman_then_buildah(fake_tools, monkeypatch, tmp_path):
    bin_dir, _, env = fake_tools
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("FAKE_CLI_LOG", env["FAKE_CLI_LOG"])
    assert detect_builder().name == "docker"
    monkeypatch.setenv("FAKE_DOCKER_INFO_EXIT", "1")  # a client without a daemon, as on these machines
    assert detect_builder().name == "podman"
    (bin_dir / "podman").unlink()
    buildah = bin_dir / "buildah"
    buildah.write_text("#!/bin/sh\n")
    buildah.chmod(0o755)
    assert detect_builder().name == "buildah"
    buildah.unlink()
    with pytest.raises(NoBuilder, match=r"docker client whose daemon does not answer"):
        detect_builder()


def test_secret_mounts_go_into_every_run_instruction_and_nothing_else():
    text = "FROM x\nRUN a \\\n  && b\nrun c\nCOPY RUN /RUN\n  RUN d\n"
    assert add_secret_mounts(text, [2, 4, 6]) == (
        "FROM x\nRUN --mount=type=secret,id=catalog-ca-bundle,target=/etc/ssl/certs/ca-certificates.crt a \\\n  && b\n"
        "run --mount=type=secret,id=catalog-ca-bundle,target=/etc/ssl/certs/ca-certificates.crt c\nCOPY RUN /RUN\n"
        "  RUN --mount=type=secret,id=catalog-ca-bundle,target=/etc/ssl/certs/ca-certificates.crt d\n")


def test_every_backend_is_registered_once_and_the_choices_follow_the_registry():
    """BACKENDS is the source of truth: each name loads its module's Builder, and the CLI's
    --builder choices, the config schema's enum and the README's detection sentence agree."""
    from click import Choice

    from catalog.builds.backends import BACKENDS, backend
    from catalog.cli import cli

    assert len(set(BACKENDS)) == len(BACKENDS)
    for name in BACKENDS:
        kind = backend(name)
        assert issubclass(kind, Builder) and kind(executable=name).name == name
    with pytest.raises(NoBuilder, match="not one of"):
        backend("kaniko")
    [option] = [p for p in cli.get_command(None, "build").params if p.name == "builder"]
    assert isinstance(option.type, Choice) and list(option.type.choices) == list(BACKENDS)
    schema = json.loads((REPO / "schemas/config.schema.json").read_text())
    assert sorted(schema["properties"]["build"]["properties"]["builder"]["enum"]) == sorted(BACKENDS)
    readme = " ".join((REPO / "README.md").read_text().split())
    assert "The builder, unless named: " + ", else ".join(
        f"{name} where a daemon answers (`docker info`)" if name == "docker" else name for name in BACKENDS) in readme
