"""The smoke test of a built image: what to ask the probe, and what its answer means.

``probe_request`` says what the image must show (the declared packages to import, the
environment's own tests); the probe (``image_probe.py``) runs inside the image and
answers in one JSON document; ``interpret`` turns that answer into checks (name,
status, detail) and the package inventory. The Python version must match the
environment's ``Python`` tag, ``pip check`` must find no broken requirement, each key
module must import, and the environment's pytest tests must pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog import bounded_json
from catalog.builds.image_probe import RESULT_MARKER
from catalog.model import EnvironmentAsset
from catalog.records.build_report import FAILED, PASSED, SKIPPED, Check, InstalledPackage

PROBE_DIR = "/catalog-probe"
TESTS_DIR = "/catalog-probe-tests"
MAX_PACKAGES = 20_000  # an inventory is a few hundred packages; the probe's answer is bounded too
MAX_TEXT = 2000  # characters of one check's detail


@dataclass
class SmokeTest:
    checks: list[Check] = field(default_factory=list)
    packages: list[InstalledPackage] = field(default_factory=list)
    python: str | None = None  # the version the image's Python reported

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if check.status == FAILED]


def probe_request(env: EnvironmentAsset, command_timeout: float) -> tuple[dict, str | None]:
    """(what the probe is asked, a problem with the environment's test settings or None)."""
    request: dict = {"imports": env.test_imports, "command_timeout": int(command_timeout)}
    if not env.test_imports:
        request["distributions"] = sorted({package.name for package in env.facts.packages})
    tests = env.pytest_tests
    if tests is None:
        return request, None
    where = f"{tests.location.path}:{tests.location.line}"
    if tests.conda_environment:
        return request, (f"{where}: test.pytest.conda_environment is not supported by catalog build; use "
                         "pip_requirements")
    if not tests.tests_dir.is_dir() or not env.contains(tests.tests_dir):
        return request, f"{where}: test.pytest.tests_dir {tests.tests_dir.name!r} is not a directory inside the asset"
    pytest: dict = {"tests_dir": TESTS_DIR}
    if tests.pip_requirements is not None:
        if not tests.pip_requirements.is_file() or not env.contains(tests.pip_requirements):
            return request, (f"{where}: test.pytest.pip_requirements {tests.pip_requirements.name!r} is not a file "
                             "inside the asset")
        pytest["requirements"] = f"{PROBE_DIR}/test-requirements.txt"
    request["pytest"] = pytest
    return request, None


def probe_answer(stdout: str) -> dict | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            try:
                answer = bounded_json.loads(line[len(RESULT_MARKER):])
            except bounded_json.JsonRefused:
                return None
            return answer if isinstance(answer, dict) else None
    return None


def _mapping(value: object) -> dict:
    """The probe runs inside an image the environment's Dockerfile made: its answer is read as untrusted."""
    return value if isinstance(value, dict) else {}


def _items(value: object) -> list:
    return value if isinstance(value, list) else []


def python_matches(tag: str, version: str) -> bool:
    """``3.11`` matches 3.11.x; ``3.11.4`` only 3.11.4."""
    wanted = tag.strip().split(".")
    return version.split(".")[: len(wanted)] == wanted


def interpret(env: EnvironmentAsset, answer: dict) -> SmokeTest:
    result = SmokeTest()
    python = _mapping(answer.get("python"))
    version = python.get("value")
    result.python = version if isinstance(version, str) else None
    tag = env.facts.python
    if result.python is None:
        result.checks.append(Check("python-version", FAILED, "the probe did not report a Python version"))
    elif tag is None:
        result.checks.append(Check("python-version", SKIPPED, f"Python {result.python}; the spec has no Python tag to "
                                                              "compare"))
    elif python_matches(tag, result.python):
        result.checks.append(Check("python-version", PASSED, f"Python {result.python}, as the Python tag ({tag}) says"))
    else:
        result.checks.append(Check("python-version", FAILED,
                                   f"the image runs Python {result.python}, but the Python tag says {tag}"))
    pip = _mapping(answer.get("pip_check"))
    output = str(pip.get("output") or "").strip()
    if pip.get("exit") == 0:
        result.checks.append(Check("pip-check", PASSED, output or "no broken requirements"))
    else:
        result.checks.append(Check("pip-check", FAILED, output or f"pip check exited with {pip.get('exit')}"))
    imports = _mapping(answer.get("imports"))
    for item in (_mapping(entry) for entry in _items(imports.get("results"))):
        module = str(item.get("module"))
        if item.get("ok"):
            result.checks.append(Check(f"import {module}", PASSED, ""))
        else:
            result.checks.append(Check(f"import {module}", FAILED, str(item.get("detail") or "import failed")))
    for distribution in (str(entry) for entry in _items(imports.get("unresolved"))):
        declared = next((p for p in env.facts.packages if p.name == distribution), None)
        where = f" (declared in {declared.file}:{declared.line})" if declared else ""
        result.checks.append(Check(f"import {distribution}", FAILED,
                                   f"the package {distribution}{where} is not installed in the image"))
    pytest = answer.get("pytest")
    if isinstance(pytest, dict):
        result.checks.append(_pytest_check(pytest))
    for item in _items(answer.get("packages"))[:MAX_PACKAGES]:
        if isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(item.get("version"), str) \
                and item["name"] and len(item["name"]) <= 200 and len(item["version"]) <= 200:
            result.packages.append(InstalledPackage(item["name"], item["version"],
                                                    "conda" if item.get("source") == "conda" else "pip"))
    result.packages.sort(key=lambda package: (package.name.lower(), package.source))
    result.checks = [Check(check.name[:200], check.status, check.detail[:MAX_TEXT]) for check in result.checks]
    return result


def _pytest_check(pytest: dict) -> Check:
    output = str(pytest.get("output") or "").strip()
    last = output.splitlines()[-1] if output else ""
    if pytest.get("stage") == "requirements":
        return Check("pytest", FAILED, f"installing the test requirements failed: {last}")
    counts = _mapping(pytest.get("counts"))
    summary = ", ".join(f"{counts.get(key, 0) if isinstance(counts.get(key, 0), int) else '?'} {key}"
                        for key in ("passed", "failed", "skipped"))
    if pytest.get("exit") == 0:
        return Check("pytest", PASSED, summary)
    if pytest.get("exit") == 5:
        return Check("pytest", FAILED, "no tests were collected")
    return Check("pytest", FAILED, f"{summary}: {last}" if last else summary)
