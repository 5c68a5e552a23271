"""The site reads the release ledger: versions with dates, pinned files and what changed."""

import json
import shutil

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from tests.conftest import REPO
from tests.site.conftest import SAMPLE, generate


def sample_with_ledger(tmp_path):
    root = tmp_path / "environments"
    shutil.copytree(SAMPLE, root)
    shutil.copytree(REPO / "releases", tmp_path / "releases")
    return root


def test_each_released_version_has_a_page_with_its_files_and_changes(tmp_path):
    root = sample_with_ledger(tmp_path)
    generate(root, tmp_path / "out", releases_dir=tmp_path / "releases")
    page = (tmp_path / "out/environments/sklearn-1.5.md").read_text()
    ledger = json.loads((tmp_path / "releases/sklearn-1.5/2/release.json").read_text())
    assert (f"| [2](sklearn-1.5/2.md) | {ledger['date']} | not verified | "
            "`mcr.microsoft.com/azureml/curated/sklearn-1.5:2` |") in page
    assert "| [1](sklearn-1.5/1.md) |" in page and "| Latest version | [2](sklearn-1.5/2.md) |" in page
    assert "next &#40;unreleased&#41;" not in page  # the working copy is what version 2 released
    assert '<code id="image-ref">mcr.microsoft.com/azureml/curated/sklearn-1.5:2</code>' in page

    second = (tmp_path / "out/environments/sklearn-1.5/2.md").read_text()
    assert second.startswith('---\ntitle: "sklearn-1.5 version 2"\n')
    assert "[All of sklearn-1.5](../sklearn-1.5.md) · [version 1](1.md)\n\n| Property | Value |\n" in second
    assert "| matplotlib | 3.9.2 | 3.9.4 | upgraded |" in second
    assert "-FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20251001.v1" in second
    assert "+FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20251110.v1" in second
    assert '=== "context/requirements.txt"' in second and "matplotlib==3.9.4" in second
    assert f"| Content hash | `{ledger['content_hash']}` |" in second
    assert 'id="version-build-evidence" data-status="unverified"' in second
    assert "Not the latest version" not in second

    first = (tmp_path / "out/environments/sklearn-1.5/1.md").read_text()
    assert "The first released version." in first and "matplotlib==3.9.2" in first
    assert (
        "[All of sklearn-1.5](../sklearn-1.5.md) · [version 2](2.md)\n\n!!! note" in first
        and ("Version 2 is the latest released version of sklearn-1.5.") in first
    )


def test_a_changed_working_copy_is_the_next_unreleased_version(tmp_path):
    root = sample_with_ledger(tmp_path)
    requirements = root / "sklearn-1.5/context/requirements.txt"
    requirements.write_text(requirements.read_text().replace("joblib==1.4.2", "joblib==1.4.1"))
    generate(root, tmp_path / "out", releases_dir=tmp_path / "releases")
    data = json.loads((tmp_path / "out/catalog.json").read_text())
    entry = next(e for e in data["environments"] if e["name"] == "sklearn-1.5")
    assert [v["label"] for v in entry["versions"]] == ["next (unreleased)", "2", "1"]
    assert entry["latest_version"] == "2" and entry["versions"][0]["date"] is None
    assert entry["versions"][1]["changes"]["packages"] == [
        {"name": "matplotlib", "old": "3.9.2", "new": "3.9.4", "kind": "upgraded"}]


def test_catalog_json_with_versions_matches_its_schema(tmp_path):
    root = sample_with_ledger(tmp_path)
    generate(root, tmp_path / "out", releases_dir=tmp_path / "releases")
    schemas = {name: json.loads((REPO / "schemas" / name).read_text())
               for name in ("catalog.schema.json", "build-report.schema.json")}
    registry = Registry().with_resources(
        (schema.get("$id", name), Resource.from_contents(schema)) for name, schema in schemas.items())
    validator = Draft202012Validator(schemas["catalog.schema.json"], registry=registry)
    data = json.loads((tmp_path / "out/catalog.json").read_text())
    assert list(validator.iter_errors(data)) == []
    assert all(len(e["versions"]) >= 2 for e in data["environments"] if e["name"] in ("sklearn-1.5", "xgboost-2.1"))


def test_a_new_release_regenerates_the_page(tmp_path):
    root = sample_with_ledger(tmp_path)
    out = tmp_path / "out"
    generate(root, out, releases_dir=tmp_path / "releases")
    shutil.rmtree(tmp_path / "releases/xgboost-2.1/2")
    result = generate(root, out, releases_dir=tmp_path / "releases")
    assert result.parsed >= 1
    page = (out / "environments/xgboost-2.1.md").read_text()
    assert "[2](xgboost-2.1/2.md)" not in page and "next &#40;unreleased&#41;" in page
    assert not (out / "environments/xgboost-2.1/2.md").exists() and (out / "environments/xgboost-2.1/1.md").is_file()


def test_feed_links_each_release_to_its_version_page(tmp_path):
    from xml.etree import ElementTree

    root = sample_with_ledger(tmp_path)
    generate(root, tmp_path / "out", releases_dir=tmp_path / "releases")
    ledger = json.loads((tmp_path / "releases/sklearn-1.5/2/release.json").read_text())
    atom = "{http://www.w3.org/2005/Atom}"
    entries = {entry.find(f"{atom}id").text: entry
               for entry in ElementTree.parse(tmp_path / "out/feed.xml").getroot().iter(f"{atom}entry")}
    second = entries["urn:envcatalog:environment:sklearn-1.5:version:2"]
    assert second.find(f"{atom}link").get("href") == "environments/sklearn-1.5/2/"
    assert second.find(f"{atom}updated").text == ledger["date"]
    assert second.find(f"{atom}title").text == "sklearn-1.5 version 2"
