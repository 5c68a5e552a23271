"""Real builds of small environments written by the tests: what passes, what fails and why.

One ``catalog build`` run holds a good environment (its own pytest tests, explicit
imports, pushed to the registry), a broken Dockerfile, an environment whose tags and
imports are wrong, and one that breaks the policy; each gets its own report and log,
and the broken one does not stop the others. A second run shows the timeout.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from jsonschema import Draft202012Validator, FormatChecker

from catalog.builds.run import SCRATCH_PREFIX
from catalog.records.build_log import HEAD_BYTES, TAIL_BYTES
from catalog.records.build_report import BuildReport, BuildReports
from catalog.resources import load_schema
from tests.conftest import REPO, run_cli, write_env
from tests.servers.build_machine import configure_build

VENV_DOCKERFILE = """\
FROM mcr.microsoft.com/azureml/{base}:{{{{latest-image-tag}}}}
ENV AZUREML_CONDA_ENVIRONMENT_PATH=/azureml-envs/NAME
RUN python3 -m venv "$AZUREML_CONDA_ENVIRONMENT_PATH"
ENV PATH="$AZUREML_CONDA_ENVIRONMENT_PATH/bin:$PATH"
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt
{extra}"""

# Two Azure ML SDKs in one image, as pip sees them (their metadata alone: installing
# both would take minutes and prove nothing more to the policy).
FAKE_SDKS = """\
RUN site=$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') \\
    && for dist in azure_ai_ml-1.22.0:azure-ai-ml:1.22.0 azureml_core-1.58.0:azureml-core:1.58.0; do \\
         dir=${dist%%:*}; rest=${dist#*:}; name=${rest%%:*}; version=${rest#*:}; \\
         mkdir -p "$site/$dir.dist-info" \\
         && printf 'Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n' "$name" "$version" \\
              > "$site/$dir.dist-info/METADATA" \\
         && : > "$site/$dir.dist-info/RECORD"; \\
       done
"""


def spec(python: str) -> str:
    return ("description: For build tests.\nname: \"{{asset.name}}\"\nversion: \"{{asset.version}}\"\n"
            "build:\n  path: \".\"\nos_type: linux\ntags:\n  OS: Ubuntu22.04\n"
            f"  Python: \"{python}\"\n")


def dockerfile(base: str = "openmpi4.1.0-ubuntu22.04", extra: str = "") -> str:
    return VENV_DOCKERFILE.format(base=base, extra=extra)


@pytest.fixture(scope="session")
def outcomes(build_machine, tmp_path_factory):
    project = tmp_path_factory.mktemp("outcomes")
    root = project / "environments"
    tests_yaml = ("test:\n  imports: [six]\n  pytest:\n    enabled: true\n    tests_dir: tests\n"
                  "    pip_requirements: tests/requirements.txt\n")
    write_env(
        root,
        "good-env",
        {
            "asset.yaml": "name: good-env\nversion: auto\ntype: environment\nspec: spec.yaml\nextra_config: "
                          "environment.yaml\n"
            "description_file: description.md\n" + tests_yaml,
            "spec.yaml": spec("3.11"),
            "context/Dockerfile": dockerfile(),
            "context/requirements.txt": "six==1.16.0\n",
            "tests/requirements.txt": "pytest==8.3.3\n",
            "tests/test_image.py": "import sys\n\nimport six\n\n\ndef test_python():\n    assert sys.version_info[:2] "
                                   "== (3, 11)\n\n\n"
            "def test_six():\n    assert six.PY3\n",
        },
    )
    write_env(root, "broken-env", {
        "spec.yaml": spec("3.11"),
        "context/Dockerfile": dockerfile(extra="RUN echo 'ERROR: about to fail' && exit 3\n"),
        "context/requirements.txt": "six==1.16.0\n",
    })
    write_env(
        root,
        "mismatch-env",
        {
            "asset.yaml": "name: mismatch-env\nversion: 4\ntype: environment\nspec: spec.yaml\nextra_config: "
                          "environment.yaml\n"
            "description_file: description.md\ntest:\n  imports: [six, no_such_module]\n",
            "spec.yaml": spec("3.10"),
            "context/Dockerfile": dockerfile(),
            "context/requirements.txt": "six==1.16.0\n",
        },
    )
    write_env(root, "policy-env", {
        "spec.yaml": spec("3.11").replace("Ubuntu22.04", "Ubuntu20.04"),
        "context/Dockerfile": dockerfile("openmpi4.1.0-ubuntu20.04", FAKE_SDKS),
        "context/requirements.txt": "six==1.16.0\n",
    })
    # the stand-in also under an Ubuntu 20.04 name (its blobs are in the registry already: a quick push)
    image = "localhost/envcatalog-standin:20251110.v1"
    if build_machine.buildah("inspect", "--type", "image", image, check=False).returncode != 0:
        build_machine.buildah("pull", "--tls-verify=false",
                              f"{build_machine.registry_host}/azureml/openmpi4.1.0-ubuntu22.04:20251110.v1")
        image = f"{build_machine.registry_host}/azureml/openmpi4.1.0-ubuntu22.04:20251110.v1"
    for tag in ("20251110.v1", "latest"):
        build_machine.buildah("push", "--tls-verify=false", image,
                              f"docker://{build_machine.registry_host}/azureml/openmpi4.1.0-ubuntu20.04:{tag}")
    configure_build(project, build_machine, "\n[tool.catalog.build.policy]\nubuntu-20-04-base = \"warning\"\n")
    result = run_cli("build", "--push", f"http://{build_machine.registry_host}/pushed", "--discard-images",
                     cwd=project, env=build_machine.env, timeout=1800)
    return project, result


def report(project, name, version="next"):
    reports = BuildReports(project / "build-reports")
    return reports.read(reports.path(name, version), name).to_json()


def test_one_failure_does_not_stop_the_others_and_the_exit_status_says_so(outcomes):
    project, result = outcomes
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "4 environments: 1 passed, 3 failed, 0 skipped"
    validator = Draft202012Validator(load_schema("build-report"), format_checker=FormatChecker())
    for name, version in (
        ("good-env", "next"),
        ("broken-env", "next"),
        ("mismatch-env", "next"),
        ("policy-env", "next"),
    ):
        assert list(validator.iter_errors(report(project, name, version))) == [], name


def test_a_broken_dockerfile_gives_a_failed_report_with_its_log(outcomes):
    project, result = outcomes
    broken = report(project, "broken-env")
    assert broken["status"] == "failed" and broken["checks"] == [] and "image_digest" not in broken
    # the failing command's own error, not the builder's line about the step
    assert broken["message"] == "buildah bud failed (exit status 3): ERROR: about to fail"
    log = (project / "build-reports" / broken["log"]).read_text()
    assert "about to fail" in log and "exit status 3" in log and 'building at STEP "RUN echo' in log
    assert (
        "catalog: error: broken-env: build failed: buildah bud failed (exit status 3): ERROR: about to fail"
        in result.stdout
    )
    assert "build-reports/logs/broken-env-next.log" in result.stdout


def test_the_good_environment_runs_its_own_tests_and_is_pushed(outcomes, build_machine):
    project, _ = outcomes
    good = report(project, "good-env")
    assert good["status"] == "passed", good["message"]
    checks = {check["name"]: check for check in good["checks"]}
    assert list(checks) == ["python-version", "pip-check", "import six", "pytest"]
    assert checks["pytest"] == {"name": "pytest", "status": "passed", "detail": "2 passed, 0 failed, 0 skipped"}
    [pushed] = good["pushed"]
    assert pushed["reference"] == f"{build_machine.registry_host}/pushed/azureml/curated/good-env:next"
    answer = requests.get(f"{build_machine.registry}/v2/pushed/azureml/curated/good-env/tags/list", timeout=10)
    assert answer.json()["tags"] == ["next"]
    head = requests.head(f"{build_machine.registry}/v2/pushed/azureml/curated/good-env/manifests/next", timeout=10,
                         headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    assert head.headers["Docker-Content-Digest"] == pushed["digest"]
    assert "pytest" not in {
        item["name"] for item in good["packages"]
    }  # the inventory is of the image, not the test run


def test_wrong_python_tag_and_missing_module_fail_their_checks(outcomes):
    project, _ = outcomes
    mismatch = report(project, "mismatch-env")
    assert mismatch["status"] == "failed"
    assert mismatch["image_tags"] == ["azureml/curated/mismatch-env:next", "azureml/curated/mismatch-env:4"]
    checks = {check["name"]: check for check in mismatch["checks"]}
    assert "python-version" in checks, mismatch["message"]  # built, and checked
    assert checks["python-version"]["status"] == "failed"
    assert (
        "runs Python 3.11." in checks["python-version"]["detail"]
        and "the Python tag says 3.10" in checks["python-version"]["detail"]
    )
    assert checks["import six"]["status"] == "passed"
    assert checks["import no_such_module"]["status"] == "failed"
    assert "ModuleNotFoundError" in checks["import no_such_module"]["detail"]
    assert mismatch["tests"] == {"status": "failed", "passed": 2, "failed": 2, "skipped": 0}
    assert (
        mismatch["message"].startswith("check python-version failed") and "(and 1 more checks)" in mismatch["message"]
    )
    assert "pushed" not in mismatch  # only passing images are pushed


def test_policy_findings_are_warnings_or_errors_as_configured(outcomes):
    project, _ = outcomes
    policy = report(project, "policy-env")
    assert all(check["status"] == "passed" for check in policy["checks"])
    assert policy["status"] == "failed"
    findings = {finding["rule"]: finding for finding in policy["policy"]}
    assert findings["mixed-azure-ml-sdks"]["severity"] == "error"
    assert "azure-ai-ml 1.22.0 (v2) and azureml-core 1.58.0 (v1)" in findings["mixed-azure-ml-sdks"]["message"]
    assert findings["ubuntu-20-04-base"]["severity"] == "warning"
    assert "openmpi4.1.0-ubuntu20.04:20251110.v1" in findings["ubuntu-20-04-base"]["message"]
    assert policy["message"].startswith("policy mixed-azure-ml-sdks:")


def slow_project(build_machine, tmp_path) -> list[str]:
    """A project whose one environment sleeps in a RUN step; the containers there were before."""
    write_env(
        tmp_path / "environments",
        "slow-env",
        {
            "spec.yaml": spec("3.11"),
            "context/Dockerfile": "FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}\nRUN "
                                  "sleep 600\n",
            "context/requirements.txt": "six==1.16.0\n",
        },
    )
    configure_build(tmp_path, build_machine)
    return build_machine.buildah("containers", "--quiet").stdout.split()


def test_a_build_over_its_timeout_is_stopped_and_reported(build_machine, tmp_path):
    before = slow_project(build_machine, tmp_path)
    result = run_cli("build", "--timeout", "15", cwd=tmp_path, env=build_machine.env, timeout=300)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    slow = report(tmp_path, "slow-env")
    assert slow["status"] == "failed" and slow["duration_seconds"] < 60
    assert slow["message"] == "the build timed out: buildah bud: timed out (the timeout is 15 s)"
    assert "took longer than its timeout of 15 s" in (tmp_path / "build-reports" / slow["log"]).read_text()
    assert build_machine.buildah("containers", "--quiet").stdout.split() == before  # nothing left running or behind
    # a timed-out build is not a passing one: the next run builds it again
    plan = run_cli("build", "--plan", cwd=tmp_path, env=build_machine.env)
    assert "slow-env: to build as azureml/curated/slow-env:next (no passing build yet)" in plan.stdout


def test_reports_of_each_version_are_kept_and_the_site_shows_the_newest(outcomes):
    project, _ = outcomes
    found = BuildReports(project / "build-reports").of_environment("good-env")
    reports, problems = [r.to_json() for r in found.reports], found.problems
    assert problems == [] and [r["asset_version"] for r in reports] == ["next"]
    newest = reports[0]
    assert newest["status"] == "passed"
    assert json.loads((project / "build-reports" / "good-env" / "next.json").read_text()) == newest


def running_sleeps() -> list[int]:
    """Processes running the slow environment's RUN step (``sleep 600``), anywhere on the machine."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().split(b"\0")[:2] == [b"sleep", b"600"]:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def scratch_directories() -> list[Path]:
    import tempfile

    return sorted(Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}slow-env-*"))


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_build_stops_everything_and_replaces_no_report(build_machine, tmp_path, sig, code):
    """Ctrl-C, and SIGTERM as a CI runner sends on cancel: the builder's whole process group
    stops, no container, RUN step or scratch directory survives, and the passing report of
    that version stays as it was; the interruption is recorded apart."""
    before = slow_project(build_machine, tmp_path)
    reports = BuildReports(tmp_path / "build-reports", tmp_path)
    passing = reports.write(BuildReport("slow-env", "next", "passed", "2026-11-20T10:04:30Z",
                                        content_hash="sha256:" + "0" * 64, message="built and checked"))
    (tmp_path / "build-reports" / "logs").mkdir()
    old_log = tmp_path / "build-reports" / "logs" / "slow-env-next.log"
    old_log.write_text("the log of the passing build\n")
    kept = passing.read_bytes()
    process = subprocess.Popen(
        [sys.executable, "-m", "catalog", "build", "--all"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO), **build_machine.env),
    )
    for _ in range(900):
        if running_sleeps():
            break
        time.sleep(0.2)
    assert running_sleeps(), "the RUN step never started"
    process.send_signal(sig)
    started = time.monotonic()
    stdout, stderr = process.communicate(timeout=120)
    assert time.monotonic() - started < 60
    assert process.returncode == code and "catalog: interrupted" in stderr and "Traceback" not in stderr
    assert running_sleeps() == []  # buildah, its runtime and the RUN step are gone
    assert build_machine.buildah("containers", "--quiet").stdout.split() == before
    assert scratch_directories() == []
    assert passing.read_bytes() == kept and old_log.read_text() == "the log of the passing build\n"
    found = reports.of_environment("slow-env")
    assert [r.status for r in found.reports] == ["passed"] and found.problems == []
    [interrupted] = found.interrupted
    assert interrupted.status == "interrupted" and interrupted.log == "logs/slow-env-next.interrupted.log"
    assert "RUN sleep 600" in (tmp_path / "build-reports" / interrupted.log).read_text()
    assert not list((tmp_path / "build-reports" / "logs").glob(".*.tmp"))


def test_a_timeout_during_the_checks_leaves_no_container(build_machine, tmp_path):
    """The image's Python hangs as it starts (a .pth file): the deadline stops the check's
    container, which is named and removed."""
    write_env(tmp_path / "environments", "hang-env", {
        "spec.yaml": spec("3.11"),
        "context/Dockerfile": "FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}\n"
                              "RUN echo 'import time; time.sleep(600)' > /usr/lib/python3/dist-packages/zz-hang.pth\n",
        "context/requirements.txt": "six==1.16.0\n",
    })
    configure_build(tmp_path, build_machine)
    before = build_machine.buildah("containers", "--quiet").stdout.split()
    result = run_cli("build", "--timeout", "90", "--discard-images", cwd=tmp_path, env=build_machine.env, timeout=600)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    hang = report(tmp_path, "hang-env")
    assert hang["status"] == "failed" and "the checks timed out" in hang["message"]
    assert build_machine.buildah("containers", "--quiet").stdout.split() == before


def test_a_chatty_build_keeps_a_bounded_log(build_machine, tmp_path):
    write_env(tmp_path / "environments", "chatty-env", {
        "spec.yaml": spec("3.11"),
        "context/Dockerfile": "FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}\n"
                              "RUN python3 -c \"import sys; [print('line', i, 'x' * 200) for i in range(200000)]\"\n",
        "context/requirements.txt": "six==1.16.0\n",
    })
    configure_build(tmp_path, build_machine)
    result = run_cli("build", "--discard-images", cwd=tmp_path, env=build_machine.env, timeout=900)
    assert "Traceback" not in result.stderr
    chatty = report(tmp_path, "chatty-env")
    log = tmp_path / "build-reports" / chatty["log"]
    size = log.stat().st_size
    assert size < HEAD_BYTES + TAIL_BYTES + 4096  # of about 42 MB printed
    text = log.read_text()
    assert "bytes of output cut here" in text
    assert "line 0 " in text and "line 199999 " in text  # the head and the tail are kept
    assert text.rstrip().splitlines()[-1].startswith("# ")  # the build's own last line


def test_a_build_on_another_base_than_the_release_pinned_says_so(build_machine, tmp_path):
    """The tag a release pinned now names another image (it moved, or a mirror serves its own):
    a build of that version is not the released image, and its report and the site say so."""
    import uuid

    repository = f"azureml/moving-base-{uuid.uuid4().hex[:8]}"
    host = build_machine.registry_host
    container = build_machine.buildah("from", "--tls-verify=false", "--pull=missing",
                                      f"docker://{host}/azureml/openmpi4.1.0-ubuntu22.04:20251110.v1").stdout.strip()

    def publish(label: str) -> None:
        build_machine.buildah("config", "--label", f"moving-base={label}", container)
        build_machine.buildah("commit", "-q", container, f"localhost/{repository}:{label}")
        for tag in ("1.0", "latest"):
            build_machine.buildah("push", "-q", "--tls-verify=false", f"localhost/{repository}:{label}",
                                  f"docker://{host}/{repository}:{tag}")

    try:
        publish("first")
        write_env(
            tmp_path / "environments",
            "moving-env",
            {
                "spec.yaml": spec("3.11"),
                "context/Dockerfile": dockerfile(base=repository.split("/")[1]),
                "context/requirements.txt": "six==1.16.0\n",
            },
        )
        configure_build(tmp_path, build_machine)
        assert run_cli("release", cwd=tmp_path, env=build_machine.env).returncode == 0
        released = json.loads((tmp_path / "releases/moving-env/1/release.json").read_text())["base_image"]["digest"]
        first = run_cli("build", "--discard-images", cwd=tmp_path, env=build_machine.env, timeout=900)
        assert first.returncode == 0, first.stdout + first.stderr
        built = report(tmp_path, "moving-env", "1")["base_image"]
        assert built["digest"] == released and "released_digest" not in built

        publish("second")  # the same tag, another image
        build_machine.buildah("rmi", f"{host}/{repository}:1.0", check=False)  # as on a fresh CI runner
        second = run_cli("build", "--all", "--discard-images", cwd=tmp_path, env=build_machine.env, timeout=900)
        assert second.returncode == 0, second.stdout + second.stderr
        moved = report(tmp_path, "moving-env", "1")
        assert moved["base_image"]["released_digest"] == released and moved["base_image"]["digest"] != released
        assert "not the base image the release pinned" in moved["message"]
        assert "catalog: warning: moving-env: " in second.stdout and "not that release's image" in second.stdout
        assert run_cli("site", cwd=tmp_path).returncode == 0
        page = (tmp_path / "site-docs/environments/moving-env/1.md").read_text()
        assert "Built on another base image" in page and released in page
    finally:
        build_machine.buildah("rm", container, check=False)
        for label in ("first", "second"):
            build_machine.buildah("rmi", f"localhost/{repository}:{label}", check=False)
