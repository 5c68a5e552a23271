"""The parts of a build that need no image: the build copy's Dockerfile, the policy rules,
the smoke test's reading of the probe, the probe's module mapping, and progress output."""

from __future__ import annotations

import io
import json

from catalog.builds.build_copy import insecure_hosts, mirror_references, mirrors_from
from catalog.builds.image_probe import RESULT_MARKER, key_modules
from catalog.builds.policy import BuildEvidence, check_policy
from catalog.builds.progress import LiveProgress, PlainProgress, wants_live_progress
from catalog.builds.smoke_test import interpret, probe_answer, python_matches
from catalog.model import load_catalog
from catalog.records.build_log import BuildLog
from catalog.records.build_report import BuildReports, InstalledPackage
from tests.conftest import DOCKERFILE, write_env


def env_with(tmp_path, files=None, name="sklearn-1.5"):
    write_env(tmp_path / "environments", name, files)
    return load_catalog([tmp_path / "environments"]).named(name)[0]


def test_from_lines_and_arg_defaults_name_the_mirror():
    mirrors = mirrors_from({"mcr.microsoft.com": "http://127.0.0.1:5000", "docker.io": "https://mirror.example.com/hub/"})
    text = (
        "ARG BASE=mcr.microsoft.com/azureml/a:1\nFROM --platform=linux/amd64 mcr.microsoft.com/azureml/b:2 AS build\n"
        "from docker.io/library/python:3.11\nFROM $BASE\nRUN echo mcr.microsoft.com/x\nFROM "
        "mcr.microsoft.com.evil.io/c:3\n"
    )
    assert mirror_references(text, mirrors) == (
        "ARG BASE=127.0.0.1:5000/azureml/a:1\nFROM --platform=linux/amd64 127.0.0.1:5000/azureml/b:2 AS build\n"
        "from mirror.example.com/hub/library/python:3.11\nFROM $BASE\nRUN echo mcr.microsoft.com/x\n"
        "FROM mcr.microsoft.com.evil.io/c:3\n")
    assert insecure_hosts(mirrors) == ("127.0.0.1:5000",)


def test_policy_rules_and_their_configured_severities(tmp_path):
    env = env_with(tmp_path, {"context/Dockerfile": DOCKERFILE.replace("ubuntu22.04", "ubuntu20.04")})
    evidence = BuildEvidence(
        env,
        "3.8.18",
        [InstalledPackage("azure_ai_ml", "1.2", "pip"), InstalledPackage("azureml.core", "1.5", "pip")],
        "ERROR: pip's dependency resolver does not currently take into account all the packages\n",
    )
    findings = {f.rule: (f.severity, f.message) for f in check_policy(evidence, {})}
    assert findings == {
        "eol-python": (
            "error",
            "the image runs Python 3.8.18, which is past its end of life (3.8 and older get no security fixes)",
        ),
        "ubuntu-20-04-base": (
            "warning",
            "builds FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:{{latest-image-tag}}, "
            "an Ubuntu 20.04 base (out of standard support since May 2025)",
        ),
        "mixed-azure-ml-sdks": (
            "error",
            "the image holds both Azure ML SDKs: azure-ai-ml 1.2 (v2) and azureml-core 1.5 (v1)",
        ),
        "pip-conflict": ("warning", "pip reported conflicting requirements while installing (see the build log)"),
    }
    configured = check_policy(
        evidence, {"eol-python": "warning", "mixed-azure-ml-sdks": "off", "pip-conflict": "error"}
    )
    assert {f.rule: f.severity for f in configured} == {"eol-python": "warning", "ubuntu-20-04-base": "warning",
                                                         "pip-conflict": "error"}
    # without an image (the build failed first) the Python tag stands in
    tagged = env_with(tmp_path, {"spec.yaml": (tmp_path / "environments/sklearn-1.5/spec.yaml").read_text()
                                 .replace('Python: "3.10"', 'Python: "3.7"')}, "old-python")
    [finding] = [f for f in check_policy(BuildEvidence(tagged, None, [], ""), {}) if f.rule == "eol-python"]
    assert finding.message.startswith("the Python tag says Python 3.7,")
    assert check_policy(BuildEvidence(env_with(tmp_path, name="clean"), "3.11.2", [], ""), {}) == []


def test_the_probe_s_answer_becomes_checks_and_an_inventory(tmp_path):
    env = env_with(tmp_path)
    answer = {"python": {"value": "3.10.14"}, "pip_check": {"exit": 1, "output": "a 1.0 requires b, which is not "
                                                                                 "installed."},
              "imports": {"results": [{"module": "sklearn", "ok": True}], "unresolved": ["azureml-mlflow"]},
              "pytest": {"stage": "run", "exit": 1, "counts": {"passed": 3, "failed": 1, "skipped": 0},
                         "output": "...\nFAILED test_x.py::test_y - assert 1 == 2\n1 failed, 3 passed"},
              "packages": [{"name": "numpy", "version": "2.1.3", "source": "pip"},
                           {"name": "openssl", "version": "3.0", "source": "conda"}, {"bad": 1}]}
    stdout = "noise\n" + RESULT_MARKER + json.dumps(answer) + "\n"
    smoke = interpret(env, probe_answer(stdout))
    assert [(c.name, c.status) for c in smoke.checks] == [
        ("python-version", "passed"), ("pip-check", "failed"), ("import sklearn", "passed"),
        ("import azureml-mlflow", "failed"), ("pytest", "failed")]
    assert smoke.checks[1].detail == "a 1.0 requires b, which is not installed."
    assert smoke.checks[3].detail == ("the package azureml-mlflow (declared in requirements.txt:2) is not installed in "
                                      "the image")
    assert smoke.checks[4].detail == "3 passed, 1 failed, 0 skipped: 1 failed, 3 passed"
    assert smoke.packages == [InstalledPackage("numpy", "2.1.3", "pip"), InstalledPackage("openssl", "3.0", "conda")]
    assert probe_answer("no marker\n") is None and probe_answer(RESULT_MARKER + "{not json\n") is None


def test_python_tags_match_major_minor_or_the_exact_patch():
    assert python_matches("3.11", "3.11.2") and python_matches("3.11.2", "3.11.2")
    assert (
        not python_matches("3.1", "3.11.2")
        and not python_matches("3.11.4", "3.11.2")
        and not python_matches("3.10", "3.11.0")
    )


def test_a_distribution_s_key_modules_are_those_its_name_names():
    assert key_modules("mlflow-skinny", ["mlflow", "pylint_plugins"]) == ["mlflow"]
    assert key_modules("scikit-learn", ["sklearn"]) == ["sklearn"]
    assert key_modules("matplotlib", ["matplotlib", "mpl_toolkits", "pylab"]) == ["matplotlib"]
    assert key_modules("pyyaml", ["_yaml", "yaml"]) == ["yaml"]  # none named: every public one
    assert key_modules("odd", ["tests", "_private", "not-an-identifier"]) == []


def test_progress_is_plain_lines_in_ci_and_a_redrawn_table_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setenv("CI", "true")
    assert not wants_live_progress(Terminal())
    monkeypatch.delenv("CI")
    assert wants_live_progress(Terminal()) and not wants_live_progress(io.StringIO())
    plain = io.StringIO()
    progress = PlainProgress(plain)
    progress.update("sklearn-1.5", "building")
    progress.finished("sklearn-1.5", "passed", "built and checked")
    assert plain.getvalue() == "sklearn-1.5: building\nsklearn-1.5: passed in 0:00 (built and checked)\n"
    screen = Terminal()
    live = LiveProgress(screen, interval=0.01)
    live.planned(["a-env", "b"])
    live.update("a-env", "building")
    live.finished("a-env", "failed", "x")
    live.close()
    last = screen.getvalue().rsplit("\x1b[2F", 1)[-1]
    assert last == "\x1b[2K✗ a-env  failed       0:00\n\x1b[2K  b      waiting      \n"


def test_a_failed_step_names_the_tool_s_own_error_and_a_proxy_problem(tmp_path):
    from catalog.builds.run import _failure

    log = BuildLog(BuildReports(tmp_path / "build-reports"), "sklearn-1.5", "next")
    log.write("STEP 4/6: RUN pip install -r requirements.txt\n"
              "WARNING: Retrying ... SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] "
              "certificate verify failed: unable to get local issuer certificate'))\n"
              "ERROR: Could not find a version that satisfies the requirement six==1.16.0\n"
              "Error: building at STEP \"RUN pip install -r requirements.txt\": exit status 1\n")
    message = _failure("buildah bud failed (exit status 1)", False, "the build", log)
    assert message == ("buildah bud failed (exit status 1): ERROR: Could not find a version that satisfies the "
                       "requirement six==1.16.0; TLS verification failed: behind a TLS-intercepting proxy, "
                       "give the proxy's CA with --ca-bundle")
    log.discard()
