"""The package index client against a real simple-API server on 127.0.0.1."""

import pytest

from catalog.pin.http import HttpClient, HttpOptions, LookupFailed
from catalog.pin.package_index import PackageIndex


def index(url: str) -> PackageIndex:
    return PackageIndex(HttpClient(HttpOptions(timeout=3, retries=0)), url)


@pytest.mark.parametrize("fixture", ["package_index", "html_package_index"])
def test_newest_final_release_not_yanked(request, fixture):
    url = request.getfixturevalue(fixture)
    # 1.5.3 is yanked and 1.6.0rc1 a pre-release: 1.5.2 is the answer, in JSON and in HTML
    assert index(url).latest_version("scikit-learn") == "1.5.2"
    assert index(url).latest_version("Scikit_Learn") == "1.5.2"


def test_pre_releases_only_when_asked(package_index):
    assert index(package_index).latest_version("scikit-learn", pre=True) == "1.6.0rc1"
    assert index(package_index).latest_version("only-pre", pre=True) == "2.0b1"


def test_sdists_and_wheels_count_alike(package_index):
    assert index(package_index).latest_version("azureml-mlflow") == "1.58.0"


@pytest.mark.parametrize("project, expected", [
    ("only-pre", "has no final release"),
    ("all-yanked", "has no final release"),
    ("no-such-project", "no project 'no-such-project' on the index"),
])
def test_no_release_is_an_error_never_none(package_index, project, expected):
    with pytest.raises(LookupFailed, match=expected) as caught:
        index(package_index).latest_version(project)
    assert f"/simple/{project}/" in str(caught.value)


def test_index_that_is_not_there(tmp_path):
    with pytest.raises(LookupFailed, match="connection refused"):
        index("http://127.0.0.1:9/simple/").latest_version("six")


def test_a_registry_is_not_an_index(faulty_registry):
    with pytest.raises(LookupFailed, match="no project 'six' on the index"):
        index(faulty_registry + "/simple/").latest_version("six")
