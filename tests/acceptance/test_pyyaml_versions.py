"""The loader's tests under the oldest and the newest PyYAML the project allows.

The oldest is pyproject's lower bound, the newest the version CI pins. Each is installed
(from its wheel, with libyaml) into a directory of its own that shadows the test venv's
PyYAML, and the loader tests run again in a child pytest: a PyYAML release that changes
what the loader sees (libyaml 0.2.6 stopping deep nesting itself, say) fails here.
"""

import re
import subprocess
import sys

import pytest
from packaging.requirements import Requirement

from tests.conftest import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LOADER_TESTS = ["tests/test_yaml_document.py", "tests/lint/rules/test_files.py::TestYamlSyntax"]


def allowed_pyyaml() -> Requirement:
    with open(REPO / "pyproject.toml", "rb") as handle:
        dependencies = tomllib.load(handle)["project"]["dependencies"]
    return next(r for r in map(Requirement, dependencies) if r.name.lower() == "pyyaml")


def oldest_allowed() -> str:
    [lower] = [spec.version for spec in allowed_pyyaml().specifier if spec.operator == ">="]
    return lower


def pinned_by_ci() -> str:
    text = (REPO / ".ci" / "constraints.txt").read_text()
    return re.search(r"(?im)^pyyaml==(\S+)$", text).group(1)


def test_ci_pins_an_allowed_pyyaml():
    assert allowed_pyyaml().specifier.contains(pinned_by_ci())
    assert allowed_pyyaml().specifier.contains(oldest_allowed())


@pytest.mark.parametrize("which", ["oldest", "newest"])
def test_loader_tests_pass_with(which, tmp_path):
    version = oldest_allowed() if which == "oldest" else pinned_by_ci()
    target = tmp_path / f"pyyaml-{version}"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
         "--only-binary", ":all:", "--target", str(target), f"pyyaml=={version}"],
        capture_output=True, text=True, timeout=600,
    )
    assert install.returncode == 0, install.stderr
    env = {"PYTHONPATH": f"{target}:{REPO}", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    seen = subprocess.run([sys.executable, "-c", "import yaml; print(yaml.__version__, yaml.__with_libyaml__, "
                                                 "yaml.__file__)"],
                          capture_output=True, text=True, env=env)
    assert seen.stdout.split()[:2] == [version, "True"], seen.stdout + seen.stderr
    assert seen.stdout.split()[2].startswith(str(target))

    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=-ra", *LOADER_TESTS],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    summary = tests.stdout.strip().splitlines()[-1] if tests.stdout.strip() else tests.stderr
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert " passed" in summary and "skipped" not in summary and "failed" not in summary, summary
