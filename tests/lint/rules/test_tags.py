"""required-tag and tag-value."""

import pytest

from catalog.config import Config
from tests.conftest import SPEC, findings, messages, with_tags, write_env


def test_missing_required_tags(catalog_root):
    write_env(catalog_root, files={"spec.yaml": with_tags('ScikitLearn: "1.5"')})
    [finding] = findings(catalog_root, "required-tag")
    assert finding.message == "spec has no OS, Python tags" and finding.location.line == 9


def test_no_tags_at_all(catalog_root):
    write_env(catalog_root, files={"spec.yaml": SPEC.split("tags:")[0]})
    assert messages(catalog_root, "required-tag") == ["spec has no OS, Python tags"]


def test_required_tags_are_configurable(catalog_root):
    write_env(catalog_root)
    config = Config(base_dir=catalog_root, required_tags=("OS", "Python", "Owner"))
    assert messages(catalog_root, "required-tag", config=config) == ["spec has no Owner tag"]


def test_unquoted_python_version_is_read_as_a_number(catalog_root):
    write_env(catalog_root, files={"spec.yaml": with_tags("OS: Ubuntu22.04", "Python: 3.10")})
    [finding] = findings(catalog_root, "tag-value")
    assert finding.location.line == 11 and finding.location.column == 11
    assert finding.message == ('tag Python is the number 3.1 (written 3.10); tag values are strings: write Python: '
                               '"3.10"')


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Training:", 'tag Training has no value; tag values are strings: write Training: ""'),
        ("Training: yes", 'tag Training is the boolean true; tag values are strings: write Training: ""'),
        ('Training: "yes"', "tag Training is a flag and takes an empty value, not 'yes'"),
        ("DeleteOn: 2027-01-01", "tag DeleteOn is a date"),
        ("Cuda: 12", "tag Cuda is the number 12"),
        ('Cuda: "12"', "tag Cuda must be a dotted version"),
        ('OS: "22.04"', "tag OS must be an OS name and version like Ubuntu22.04"),
        ('PyTorch: "latest"', "tag PyTorch must be a version like 2.5"),
        ("Owner: [a, b]", "tag Owner is a list"),
        ('Python: "3"', "tag Python must be a version like 3.10 or 3.12.8"),
        ('Python: "3.12.8.1"', "tag Python must be a version like 3.10 or 3.12.8"),
    ],
)
def test_bad_values(catalog_root, line, expected):
    lines = ["OS: Ubuntu22.04", 'Python: "3.10"', line]
    if line.startswith("OS"):
        lines = [line, 'Python: "3.10"']
    if line.startswith("Python"):
        lines = ["OS: Ubuntu22.04", line]
    write_env(catalog_root, files={"spec.yaml": with_tags(*lines)})
    found = messages(catalog_root, "tag-value")
    assert len(found) == 1 and expected in found[0], found


@pytest.mark.parametrize(
    "line",
    [
        'Python: "3.12.8"',
        'Preview: ""',
        'Inferencing: ""',
        'Cuda: "12.1.1"',
        'CuDnn: "8.9.7.29"',
        'OpenMpi: "4.1.0"',
        'DeepSpeed: "0.15.1"',
        "OS: Debian12",
        "GPU: Cuda12",
        'Owner: "ml-platform"',
    ],
)
def test_good_values(catalog_root, line):
    write_env(
        catalog_root,
        files={
            "spec.yaml": with_tags('Python: "3.12"', line)
            if not line.startswith("OS")
            else with_tags(line, 'Python: "3.12"')
        },
    )
    assert messages(catalog_root, "tag-value") == []


def test_python_with_a_patch_version_is_good(catalog_root):
    write_env(catalog_root, files={"spec.yaml": with_tags("OS: Ubuntu24.04", 'Python: "3.12.8"')})
    write_env(catalog_root, "plain-1.0", files={"spec.yaml": with_tags("OS: Ubuntu24.04", "Python: 3.12.8")})
    assert messages(catalog_root, "tag-value") == []
