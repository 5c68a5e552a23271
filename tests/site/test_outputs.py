"""catalog.json against its schema, and the Atom feed as a feed reader sees it."""

import datetime
import json
import re
import shutil
from xml.etree import ElementTree

from jsonschema import Draft202012Validator, FormatChecker

from catalog.resources import load_schema
from tests.conftest import write_env
from tests.site.conftest import REPORT, SAMPLE, catalog_validator, commit_all, generate, git, write_hostile_env

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def test_catalog_json_validates_against_its_schema(tmp_path):
    root = tmp_path / "environments"
    shutil.copytree(SAMPLE, root)
    write_hostile_env(root)
    reports = tmp_path / "build-reports"
    (reports / "sklearn-1.5").mkdir(parents=True)
    (reports / "sklearn-1.5" / "next.json").write_text(json.dumps(REPORT))
    out = tmp_path / "out"
    generate(root, out)
    data = json.loads((out / "catalog.json").read_text())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in catalog_validator().iter_errors(data)]
    assert errors == []
    names = [e["name"] for e in data["environments"]]
    assert len(names) == 10 and names == sorted(names, key=lambda n: (n.lower(), n))
    by_name = {e["name"]: e for e in data["environments"]}
    assert by_name["sklearn-1.3"]["deprecation"] == {"replacement": "sklearn-1.5", "delete_on": "2027-04-30"}
    assert by_name["sklearn-1.3"]["status"] == "deprecated" and by_name["sklearn-1.5"]["build"]["status"] == "passed"
    assert by_name["mlflow-inference"]["image"]["prebuilt"] is True
    assert (
        by_name["minimal-inference"]["purposes"] == ["Inference"] and by_name["minimal-inference"]["python"] == "3.11"
    )
    assert by_name["catboost-1.2"]["framework"] == {"name": "CatBoost", "version": "1.2"}
    assert by_name["sklearn-1.5"]["image"]["reference"] == "mcr.microsoft.com/azureml/curated/sklearn-1.5:latest"
    assert by_name["sklearn-1.5"]["page"] == "environments/sklearn-1.5/"


def test_build_report_schema_accepts_the_documented_example():
    validator = Draft202012Validator(load_schema("build-report"), format_checker=FormatChecker())
    assert list(validator.iter_errors(REPORT)) == []
    assert list(validator.iter_errors({**REPORT, "log_url": "javascript:alert(1)"}))
    assert list(validator.iter_errors({**REPORT, "extra": 1}))


def test_feed_is_atom_with_stable_ids_and_dates(tmp_path):
    root = tmp_path / "environments"
    shutil.copytree(SAMPLE, root)
    shutil.copytree(SAMPLE.parent / "releases", tmp_path / "releases")  # the sample's ledger dates its releases
    commit_all(tmp_path)
    out = tmp_path / "out"
    generate(root, out, releases_dir=tmp_path / "releases")
    first = (out / "feed.xml").read_bytes()
    feed = ElementTree.fromstring(first)
    assert feed.tag == f"{ATOM}feed"
    for child in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{child}") is not None, child
    assert RFC3339.fullmatch(feed.findtext(f"{ATOM}updated"))
    entries = feed.findall(f"{ATOM}entry")
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    released = sum(1 for _ in (tmp_path / "releases").glob("*/*/release.json"))
    assert released == 18  # nine environments, each released twice
    assert len(ids) == len(set(ids)) == 9 + released + 1  # each environment, each release, one deprecation
    for entry in entries:
        assert entry.findtext(f"{ATOM}title") and RFC3339.fullmatch(entry.findtext(f"{ATOM}updated"))
        assert entry.find(f"{ATOM}link").get("href").startswith("environments/")
    titles = {e.findtext(f"{ATOM}title") for e in entries}
    assert {"Deprecated: sklearn-1.3", "sklearn-1.5 version 2", "sklearn-1.5 version 1", "minimal-inference version 1",
            "New environment: mlflow-inference"} <= titles
    second = next(e for e in entries if e.findtext(f"{ATOM}title") == "sklearn-1.5 version 2")
    ledger = json.loads((tmp_path / "releases/sklearn-1.5/2/release.json").read_text())
    assert second.findtext(f"{ATOM}updated") == ledger["date"]
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True) and feed.findtext(f"{ATOM}updated") == updated[0]
    # the same catalog gives the same feed, from a fresh output too
    generate(root, tmp_path / "again", releases_dir=tmp_path / "releases")
    assert (tmp_path / "again" / "feed.xml").read_bytes() == first


def test_feed_dates_come_from_git_when_committed(tmp_path):
    root = tmp_path / "environments"
    shutil.copytree(SAMPLE, root)
    commit_all(tmp_path)
    out = tmp_path / "out"
    generate(root, out)
    data = json.loads((out / "catalog.json").read_text())
    for entry in data["environments"]:
        assert entry["dates"]["added"] == "2026-01-02T03:04:05Z", entry["name"]
    deprecated = next(e for e in data["environments"] if e["name"] == "sklearn-1.3")
    assert deprecated["dates"]["deprecated"] == "2026-01-02T03:04:05Z"
    assert datetime.datetime.fromisoformat(
        ElementTree.parse(out / "feed.xml").getroot().findtext(f"{ATOM}updated")).year == 2026


def feed_titles(out) -> list[str]:
    return [e.findtext(f"{ATOM}title") for e in ElementTree.parse(out / "feed.xml").getroot().findall(f"{ATOM}entry")]


def test_without_git_history_nothing_is_called_new(tmp_path):
    """A tarball (no repository at all): no dates, no feed entries, rather than file times."""
    root = tmp_path / "environments"
    shutil.copytree(SAMPLE, root)
    out = tmp_path / "out"
    generate(root, out)
    assert feed_titles(out) == []
    data = json.loads((out / "catalog.json").read_text())
    assert {json.dumps(e["dates"]) for e in data["environments"]} == {
        '{"added": null, "version": null, "deprecated": null}'}
    assert list(catalog_validator().iter_errors(data)) == []

    # committed now: git knows, and the next run says so without being asked to look at everything
    commit_all(tmp_path)
    generate(root, out)
    assert "New environment: sklearn-1.5" in feed_titles(out)

    # an environment not committed yet is not announced until it is
    shutil.copytree(root / "sklearn-1.5", root / "sklearn-copy")
    asset = root / "sklearn-copy" / "asset.yaml"
    asset.write_text(asset.read_text().replace("name: sklearn-1.5", "name: sklearn-copy"))
    generate(root, out)
    assert "New environment: sklearn-copy" not in feed_titles(out)


def test_a_shallow_clone_dates_only_what_came_after_its_cut(tmp_path):
    """`git clone --depth N`: the oldest commit seems to add everything; only later additions are dated."""
    origin = tmp_path / "origin"
    write_env(origin / "environments", "env-a")
    commit_all(origin, "a", date="2025-01-01T00:00:00Z")
    write_env(origin / "environments", "env-b")
    commit_all(origin, "b", date="2025-02-01T00:00:00Z")
    write_env(origin / "environments", "env-c")
    commit_all(origin, "c", date="2025-03-01T00:00:00Z")
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{origin}", "clone")
    clone = tmp_path / "clone"
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    out = tmp_path / "out"
    generate(clone / "environments", out)
    dates = {e["name"]: e["dates"]["added"] for e in json.loads((out / "catalog.json").read_text())["environments"]}
    assert dates == {"env-a": None, "env-b": None, "env-c": "2025-03-01T00:00:00Z"}
    assert feed_titles(out) == ["New environment: env-c"]
