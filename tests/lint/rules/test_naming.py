"""The naming convention."""

import re

import pytest

from catalog.config import Config
from catalog.finding import Severity
from catalog.lint.rules.naming import naming_problems
from tests.conftest import SPEC, findings, write_env


@pytest.mark.parametrize(
    "name",
    [
        "sklearn-1.5",
        "pytorch-2.5",
        "streamlit-1.40",
        "lightgbm-4.5",
        "pytorch-1.12-debian11-cuda11.6",
        "tensorflow-2.16-cuda12",
        "dataprep-pandas",
        "onnxruntime-1.20-inference",
        "acpt-pytorch-2.2-cuda12.1",
        "tensorflow-2.16-gpu-inference",
        "centosish-env".replace("centosish-env", "mlflow-inference"),
    ],
)
def test_good_names(name):
    assert list(naming_problems(name)) == []


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Sklearn-1.5", "lower case"),
        ("sklearn_1.5", "no underscores"),
        ("1sklearn", "starting with a letter"),
        ("a" * 256, "lower case"),
        ("sklearn--1.5", "empty token"),
        ("azureml-sklearn", "starts with 'azure'"),
        ("my-azurestuff", "starts with 'azure'"),
        ("amlsklearn-1.5", "starts with 'aml'"),
        ("microsoft-tools", "starts with 'microsoft'"),
        ("environment-sklearn", "starts with 'environment'"),
        ("sklearn-1.5-ubuntu22.04", "starts with 'ubuntu'"),
        ("sklearn-1.5-cpu", "starts with 'cpu'"),
        ("pytorch-gpu", "framework 'pytorch' must be followed by its version"),
        ("tools-pytorch", "not the end of the name"),
        ("sklearn-1.5-debian", "OS token 'debian' needs a version"),
        ("sklearn-1.5-centos", "OS token 'centos' needs a version"),
        ("pytorch-2.5-cuda", "token 'cuda' needs a version"),
        ("pytorch-2.5-cuda12.1-gpu", "must not also say 'gpu'"),
        ("pytorch-1.12-cuda11.6-py39", "'py39' is out of order after 'cuda11.6'"),
        ("pytorch-2.5-inference-debian11", "'debian11' is out of order after 'inference'"),
        ("debian11-pytorch-2.5", "'pytorch' is out of order after 'debian11'"),
    ],
)
def test_bad_names(name, expected):
    problems = [message for message, severity in naming_problems(name) if severity is None]
    assert any(expected in message for message in problems), problems


def test_py_token_is_only_a_warning():
    [(message, severity)] = list(naming_problems("minimal-py312-inference"))
    assert severity is Severity.WARNING and "py312" in message


def test_py_token_message_says_what_is_true(catalog_root):
    # With no Python tag, the message must not claim that the tag says the version.
    spec_without_python = SPEC.replace('  Python: "3.10"\n', "")
    write_env(catalog_root, "minimal-py311-inference", {"spec.yaml": spec_without_python})
    write_env(catalog_root, "minimal-py312-inference")
    found = {f.environment: f.message for f in findings(catalog_root, "naming")}
    assert "Python tag says" not in found["minimal-py311-inference"]
    assert "say it in a Python tag instead" in found["minimal-py311-inference"]
    assert "the Python tag says it (3.10)" in found["minimal-py312-inference"]


@pytest.mark.parametrize("name", ["pytorch-2.5-cu126", "pytorch-2.5-cu118-inference"])
def test_pytorch_cuda_spelling_is_a_gpu_token(name):
    assert list(naming_problems(name)) == []
    assert any("must not also say 'gpu'" in m for m, _ in naming_problems(name + "-gpu"))


def test_finding_points_at_asset_name(catalog_root):
    write_env(catalog_root, "sklearn_1.5", directory="env")
    [finding] = findings(catalog_root, "naming")
    assert finding.location.path.name == "asset.yaml" and (finding.location.line, finding.location.column) == (1, 7)


def test_skip_pattern_exempts_legacy_names(catalog_root):
    write_env(catalog_root, "legacy_Sklearn", directory="env")
    config = Config(base_dir=catalog_root, naming_skip=re.compile(r"^legacy_"))
    assert findings(catalog_root, "naming", config=config) == []
    assert len(findings(catalog_root, "naming")) == 1
