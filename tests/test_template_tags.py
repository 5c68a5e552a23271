"""Where a build-file template tag may stand: one detector for lint and pin."""

from __future__ import annotations

import pytest

from catalog.model import load_catalog
from catalog.pin.resolve import plan_pins
from catalog.template_tags import AfterImage, AfterPackage, find_template_tags, place_build_file_tag
from tests.conftest import DOCKERFILE, messages, write_env

CASES = [
    ("FROM mcr.microsoft.com/azureml/base:{{latest-image-tag}}", AfterImage("mcr.microsoft.com/azureml/base", ":")),
    ("FROM mcr.microsoft.com/azureml/base@{{latest-image-tag}}", AfterImage("mcr.microsoft.com/azureml/base", "@")),
    ("FROM mcr.microsoft.com/azureml/base {{latest-image-tag}}", "must follow an image reference"),
    ("FROM base:{{latest-image-tag:[}}", "the regular expression does not compile"),
    ("FROM :{{latest-image-tag}}", "must follow an image reference"),  # a separator with no image
    ("numpy=={{latest-pypi-version}}", AfterPackage("numpy")),
    ("numpy[extra] ~= {{latest-pypi-version:pre}}", AfterPackage("numpy")),
    ("numpy>={{latest-pypi-version}}", "must follow package== or package~="),
    ("=={{latest-pypi-version}}", "must follow package== or package~="),  # an operator with no package
    ("numpy=={{latest-pypi-version:post}}", "the only option of latest-pypi-version is 'pre'"),
]


@pytest.mark.parametrize("line, expected", CASES)
def test_placement(line, expected):
    [tag] = find_template_tags(line)
    place = place_build_file_tag(tag, line[: tag.start])
    if isinstance(expected, str):
        assert isinstance(place, str) and place.startswith(expected)
    else:
        assert place == expected


@pytest.mark.parametrize("line, expected", [case for case in CASES if isinstance(case[1], str)])
def test_lint_and_pin_refuse_the_same_tags_for_the_same_reason(tmp_path, line, expected):
    files = {"context/Dockerfile": line + "\n" + DOCKERFILE.split("\n", 1)[1]} if line.startswith("FROM") else \
        {"context/requirements.txt": line + "\n"}
    write_env(tmp_path / "environments", files=files)
    [env] = load_catalog([tmp_path / "environments"]).environments
    pin_errors = [error.message for error in plan_pins(env, "http://127.0.0.1:9/simple/").errors]
    found = messages(tmp_path / "environments", "template-tag")
    assert len(pin_errors) == 1 and expected in pin_errors[0]
    assert len(found) == 1 and expected in found[0]
