"""name-mismatch, version-mismatch, reserved-prefix, image-name and duplicate."""

import pytest

from catalog.finding import Severity
from tests.conftest import ASSET, ENVIRONMENT, SPEC, findings, messages, write_env


def test_spec_name_that_differs(catalog_root):
    write_env(catalog_root, files={"spec.yaml": SPEC.replace('name: "{{asset.name}}"', "name: sklearn-15")})
    [finding] = findings(catalog_root, "name-mismatch")
    assert finding.location.path.name == "spec.yaml" and finding.location.line == 3
    assert "'sklearn-15' differs from asset name 'sklearn-1.5'" in finding.message


def test_literal_spec_name_that_matches_is_fine(catalog_root):
    write_env(catalog_root, files={"spec.yaml": SPEC.replace('name: "{{asset.name}}"', "name: sklearn-1.5")})
    assert messages(catalog_root, "name-mismatch") == []


def test_no_name_anywhere(catalog_root):
    write_env(catalog_root, files={"asset.yaml": ASSET.replace("name: NAME\n", "")})
    assert messages(catalog_root, "name-mismatch") == ["the environment has no name: set name in asset.yaml"]


def test_asset_without_name_takes_literal_spec_name(catalog_root):
    write_env(
        catalog_root,
        files={
            "asset.yaml": ASSET.replace("name: NAME\n", ""),
            "spec.yaml": SPEC.replace('name: "{{asset.name}}"', "name: sklearn-1.5"),
        },
    )
    assert findings(catalog_root) == []


@pytest.mark.parametrize(
    "asset_version, spec_version, expected",
    [
        ("auto", '"{{asset.version}}"', None),
        ("3", '"{{asset.version}}"', None),
        ("3", "3", None),
        ("3", '"3"', None),
        ("auto", "3", "asset version is auto but the spec pins version 3"),
        ("3", "4", "spec version 4 differs from asset version 3"),
    ],
)
def test_version_mismatch(catalog_root, asset_version, spec_version, expected):
    write_env(
        catalog_root,
        files={
            "asset.yaml": ASSET.replace("version: auto", f"version: {asset_version}"),
            "spec.yaml": SPEC.replace('version: "{{asset.version}}"', f"version: {spec_version}"),
        },
    )
    found = messages(catalog_root, "version-mismatch")
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and expected in found[0]


@pytest.mark.parametrize("name", ["AzureML-sklearn", "azureml-sklearn", "AZUREML", "Microsoft-thing", "microsoftish"])
def test_reserved_prefix(catalog_root, name):
    write_env(catalog_root, name, directory="env")
    [finding] = findings(catalog_root, "reserved-prefix")
    assert "reserved prefix" in finding.message and finding.location.line == 1


def test_reserved_prefix_in_literal_spec_name(catalog_root):
    write_env(catalog_root, files={"spec.yaml": SPEC.replace('name: "{{asset.name}}"', "name: AzureML-Sklearn")})
    [finding] = findings(catalog_root, "reserved-prefix")
    assert finding.location.path.name == "spec.yaml"


def test_reserved_word_later_in_name_is_not_a_prefix(catalog_root):
    write_env(catalog_root, "sklearn-azureml-1.5", directory="env")
    assert messages(catalog_root, "reserved-prefix") == []


class TestImageName:
    def test_wrong_image_name(self, catalog_root):
        write_env(catalog_root, files={"environment.yaml": ENVIRONMENT.replace("azureml/curated/NAME", "azureml/NAME")})
        [finding] = findings(catalog_root, "image-name")
        assert finding.location.line == 2
        assert finding.message == "image name 'azureml/sklearn-1.5' must be 'azureml/curated/sklearn-1.5'"

    def test_image_name_with_other_environment_name(self, catalog_root):
        write_env(
            catalog_root,
            files={"environment.yaml": ENVIRONMENT.replace("azureml/curated/NAME", "azureml/curated/sklearn")},
        )
        assert len(messages(catalog_root, "image-name")) == 1

    def test_suggested_image_name_is_lower_case(self, catalog_root):
        write_env(catalog_root, "AzureML-Minimal", directory="env")
        [finding] = findings(catalog_root, "image-name")
        assert finding.message == ("image name 'azureml/curated/AzureML-Minimal' must be "
                                   "'azureml/curated/azureml-minimal'")

    def test_lower_case_image_of_a_capitalised_name_is_right(self, catalog_root):
        write_env(catalog_root, "AzureML-Minimal", {"environment.yaml": ENVIRONMENT.replace("NAME", "azureml-minimal")},
                  directory="env")
        assert messages(catalog_root, "image-name") == []

    def test_built_image_without_publish_section(self, catalog_root):
        without_publish = ENVIRONMENT.split("  publish:")[0]
        write_env(catalog_root, files={"environment.yaml": without_publish})
        [finding] = findings(catalog_root, "image-name")
        assert finding.severity is Severity.ERROR and "no image.publish section" in finding.message
        assert (finding.location.path.name, finding.location.line) == ("environment.yaml", 1)

    def test_publish_location_must_be_mcr(self, catalog_root):
        write_env(catalog_root, files={"environment.yaml": ENVIRONMENT.replace("location: mcr", "location: acr")})
        [finding] = findings(catalog_root, "image-name")
        assert finding.severity is Severity.ERROR and "'acr' must be 'mcr'" in finding.message

    @pytest.mark.parametrize("visibility", ["internal", "staging", "unlisted"])
    def test_non_public_visibility_is_a_warning(self, catalog_root, visibility):
        write_env(catalog_root, files={"environment.yaml": ENVIRONMENT.replace("visibility: public", "visibility: "
                                                                                                     f"{visibility}")})
        [finding] = findings(catalog_root, "image-name")
        assert finding.severity is Severity.WARNING and visibility in finding.message


class TestDuplicate:
    def test_same_name_in_two_directories(self, catalog_root):
        write_env(catalog_root, directory="training/sklearn")
        write_env(catalog_root, directory="inference/sklearn")
        found = findings(catalog_root, "duplicate")
        name_findings = [f for f in found if "also named" in f.message]
        image_findings = [f for f in found if "also uses image" in f.message]
        assert len(name_findings) == 2 and len(image_findings) == 2
        assert (
            "inference/sklearn/asset.yaml" in name_findings[1].message
            or "inference/sklearn/asset.yaml" in name_findings[0].message
        )

    def test_same_image_name_only(self, catalog_root):
        write_env(catalog_root, "sklearn-1.5")
        write_env(
            catalog_root,
            "sklearn-1.6",
            {"environment.yaml": ENVIRONMENT.replace("azureml/curated/NAME", "azureml/curated/sklearn-1.5")},
        )
        found = messages(catalog_root, "duplicate")
        assert len(found) == 2 and all("also uses image 'azureml/curated/sklearn-1.5'" in m for m in found)

    def test_catalog_wide_even_when_one_target(self, catalog_root):
        first = write_env(catalog_root, directory="a")
        write_env(catalog_root, directory="b")
        found = findings(catalog_root, "duplicate", targets=[first])
        assert {f.location.path.parent.name for f in found} == {"a"}
        assert len(found) == 2
