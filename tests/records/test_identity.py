"""What may name an environment and a version before it reaches a path."""

import pytest

from catalog.records.identity import AUTO, identity_problems, image_name_problem, name_problem, parse_version


@pytest.mark.parametrize("name", ["sklearn-1.5", "A_b.c-d", "x" * 255, "1st", "acpt-pytorch-2.2-cuda12.1"])
def test_names_azure_ml_allows(name):
    assert name_problem(name) is None


@pytest.mark.parametrize("name, expected", [
    ("../../evil", "not a safe name"), ("/tmp/evil", "not a safe name"), ("a/b", "not a safe name"),
    (".hidden", "not a safe name"), ("-flag", "not a safe name"), ("a..b", "not a safe name"),
    ("x" * 256, "longer than 255 characters"), ("naïve", "not a safe name"), ("a\nb", "not a safe name"),
    ("with space", "not a safe name"), ("", "has no name"), (None, "has no name"), (3, "has no name"),
])
def test_names_that_never_reach_a_path(name, expected):
    assert expected in name_problem(name)


@pytest.mark.parametrize("value, expected", [
    ("auto", AUTO), (1, 1), (27, 27), ("2", 2), ("10", 10),
    ("01", None), ("¹", None), ("١", None), (" 1", None), ("+1", None), ("1.0", None), (1.0, None),
    (True, None), (0, None), (-1, None), ("0", None), (10 ** 9, None), ("1" * 10, None), (None, None), ("latest", None),
])
def test_versions_are_auto_or_canonical_positive_integers(value, expected):
    assert parse_version(value) == expected


@pytest.mark.parametrize("image, prebuilt, expected", [
    ("azureml/curated/sklearn-1.5", False, None),
    ("mcr.microsoft.com/azureml/curated/x", False, None),
    ("azureml/curated/x:1", False, "named without a tag"),
    ("azureml/Curated/x", False, "not a valid repository name"),
    ("azureml/curated/x\nRUN evil", False, "not a valid"),
    ("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}", True, None),
    ("mcr.microsoft.com/azureml/core:2.0", True, None),
    ("mcr.microsoft.com/azureml/core:2.0\nx", True, "not a valid image tag"),
    ("../../x", False, "is not a host name"),
    ("azureml/../x", False, "not a valid repository name"),
])
def test_image_names(image, prebuilt, expected):
    problem = image_name_problem(image, prebuilt)
    assert (problem is None) if expected is None else (expected in problem)


def test_identity_problems_say_everything_at_once():
    problems = identity_problems("../x", "01", "azureml/curated/x:1", False)
    assert len(problems) == 3
