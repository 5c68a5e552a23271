"""No input, however broken, makes the CLI print a traceback; each gets a finding or one error line."""

import os
import time

import pytest

from tests.conftest import ASSET, SPEC, run_cli, write_env

BROKEN_FILES = {
    "invalid yaml": {"spec.yaml": "name: [\n"},
    "non utf-8": {"asset.yaml": b"name: caf\xe9\n"},
    "empty asset": {"asset.yaml": ""},
    "empty spec": {"spec.yaml": ""},
    "binary spec": {"spec.yaml": bytes(range(256)) * 4},
    "binary dockerfile": {"context/Dockerfile": b"\x7fELF\x00\x00\x01" * 100},
    "alias bomb": {
        "environment.yaml": "a: &a [1,1,1,1,1,1,1,1,1,1]\n"
        + "".join(f"{c}: &{c} [" + ",".join([f"*{p}"] * 10) + "]\n" for p, c in zip("abcdefg", "bcdefgh", strict=True))
    },
    "deep nesting": {"spec.yaml": "a: " + "{b: " * 5000 + "1" + "}" * 5000 + "\n"},
    "list top level": {"environment.yaml": "- image\n"},
    "null values everywhere": {
        "asset.yaml": "name:\nversion:\ntype:\nspec:\nextra_config:\n",
        "spec.yaml": "tags:\nbuild:\n",
    },
    "wrong types": {"asset.yaml": "name: [1]\nversion: {a: 1}\ntype: environment\nspec: 3\nextra_config: true\n"},
    "wrong nested types": {"environment.yaml": "image: [1, 2]\n", "spec.yaml": "tags: [a, b]\ninference_config: 5\n"},
    "weird paths": {"asset.yaml": ASSET.replace("spec.yaml", "'\\0nul'") + "release_paths: ['" + "x" * 5000 + "']\n"},
    "template soup": {
        "spec.yaml": SPEC + "description2: '{{{{{{ }} {{'\n",
        "context/requirements.txt": "a=={{latest-pypi-version:\n{{}}\n}}{{\n",
    },
    "control characters": {"spec.yaml": "name: \x07bell\n"},
    "dockerfile heredoc unterminated": {"context/Dockerfile": "FROM mcr.microsoft.com/azureml/x:1\nRUN <<EOF\n"},
}


@pytest.mark.parametrize("case", sorted(BROKEN_FILES))
def test_broken_input_gives_findings_not_tracebacks(tmp_path, case):
    root = tmp_path / "environments"
    write_env(root, files=BROKEN_FILES[case])
    started = time.monotonic()
    result = run_cli("lint", cwd=tmp_path, timeout=60)
    assert time.monotonic() - started < 30
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    finding_lines = [line for line in result.stdout.splitlines() if ": CAT" in line]
    assert finding_lines and all(line.startswith("environments/sklearn-1.5/") for line in finding_lines)


HARMLESS_FILES = {
    "binary context file": {"context/model.onnx": b"\x08\x00\x12\x04" * 1000},
    "windows line ends": {
        "spec.yaml": SPEC.replace("\n", "\r\n"),
        "context/Dockerfile": "FROM mcr.microsoft.com/azureml/x:1\r\nCOPY requirements.txt /x\r\n",
    },
}


@pytest.mark.parametrize("case", sorted(HARMLESS_FILES))
def test_unusual_but_valid_input_is_clean(tmp_path, case):
    write_env(tmp_path / "environments", files=HARMLESS_FILES[case])
    result = run_cli("lint", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_fifo_is_not_opened(tmp_path):
    env = write_env(tmp_path / "environments", files={"spec.yaml": None})
    os.mkfifo(env / "spec.yaml")
    result = run_cli("lint", cwd=tmp_path, timeout=30)
    assert result.returncode == 1 and "is not a regular file" in result.stdout


def test_50_mb_files(tmp_path):
    env = write_env(tmp_path / "environments")
    for name in ("spec.yaml", "context/big.txt", "context/Dockerfile"):
        with open(env / name, "ab") as handle:
            handle.truncate(50 * 1024 * 1024)
    started = time.monotonic()
    result = run_cli("lint", cwd=tmp_path, timeout=60)
    assert time.monotonic() - started < 20
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "environments/sklearn-1.5/spec.yaml: CAT001 yaml-syntax file is 50.0 MB" in result.stdout
    assert "environments/sklearn-1.5/context/Dockerfile: CAT307 dockerfile-syntax file is 50.0 MB" in result.stdout


def test_symlink_loops_in_catalog_and_context(tmp_path):
    root = tmp_path / "environments"
    env = write_env(root)
    (root / "loop").symlink_to(root / "loop")
    (root / "dirloop").mkdir()
    (root / "dirloop" / "up").symlink_to(root)
    (env / "context" / "self").symlink_to(env / "context")
    result = run_cli("lint", cwd=tmp_path, timeout=30)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stdout  # loops are not followed; 'self' stays inside


def test_unreadable_file(tmp_path):
    env = write_env(tmp_path / "environments")
    (env / "spec.yaml").chmod(0)
    result = run_cli("lint", cwd=tmp_path, timeout=30)
    assert "Traceback" not in result.stderr
    if os.geteuid() == 0:
        assert result.returncode == 0  # root reads it anyway; the point is no crash
    else:
        assert "Permission denied" in result.stdout


def test_missing_directory_argument_and_root(tmp_path):
    result = run_cli("lint", "environments/gone", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("catalog: error: environments/gone")


def test_asset_yaml_that_is_a_directory(tmp_path):
    env = write_env(tmp_path / "environments", files={"asset.yaml": None})
    (env / "asset.yaml").mkdir()
    result = run_cli("lint", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 2 and "no environments found under environments" in result.stderr
