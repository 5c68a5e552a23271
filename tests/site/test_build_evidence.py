"""The site shows what the builds verified: per version, the packages page, and the changes
between versions read from the images' inventories."""

import json
import shutil
from html.parser import HTMLParser

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from tests.conftest import REPO
from tests.site.conftest import SAMPLE, generate, write_build_report

VERSION_1 = {"scikit-learn": "1.5.2", "matplotlib": "3.9.2", "numpy": "2.1.3", "six": "1.16.0"}
VERSION_2 = {"scikit-learn": "1.5.2", "matplotlib": "3.9.4", "numpy": "2.0.2", "pyparsing": "3.2.0"}


def project_with_builds(tmp_path):
    root = tmp_path / "environments"
    shutil.copytree(SAMPLE, root)
    shutil.copytree(REPO / "releases", tmp_path / "releases")
    reports = tmp_path / "build-reports"
    write_build_report(reports, "sklearn-1.5", "1", VERSION_1, finished_at="2026-11-19T09:00:00Z")
    write_build_report(reports, "sklearn-1.5", "2", VERSION_2, finished_at="2026-11-21T09:00:00Z")
    write_build_report(reports, "lightgbm-4.5", "2", {"lightgbm": "4.5.0", "numpy": "2.1.3"},
                       status="failed", checks=[{"name": "import lightgbm", "status": "failed", "detail": "No module"}])
    return root, reports


def build(tmp_path):
    root, reports = project_with_builds(tmp_path)
    out = tmp_path / "out"
    result = generate(root, out, reports_dir=reports, releases_dir=tmp_path / "releases")
    assert not result.problems, result.problems
    return out


class Rows(HTMLParser):
    """The packages page's rows: (package, version, [(link text, href, newest), ...])."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.rows, self._cell, self._cells, self._link = [], None, [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and attrs.get("class") == "catalog-package-row":
            self.rows.append([None, None, []])
            self._cells = []
        elif tag == "td" and self.rows:
            self._cell = ""
        elif tag == "a" and "catalog-package-env" in (attrs.get("class") or ""):
            self._link = [attrs["href"], attrs["data-newest"] == "true", ""]

    def handle_data(self, data):
        if self._link is not None:
            self._link[2] += data
        elif self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self.rows[-1][2].append((self._link[2], self._link[0], self._link[1]))
            self._link = None
        elif tag == "td" and self._cell is not None:
            self._cells.append(self._cell)
            self._cell = None
            if len(self._cells) == 2:
                self.rows[-1][0], self.rows[-1][1] = self._cells


def test_version_pages_show_their_builds_and_what_changed_in_the_image(tmp_path):
    out = build(tmp_path)
    second = (out / "environments/sklearn-1.5/2.md").read_text()
    assert 'id="version-build-evidence" data-status="passed"' in second
    assert "<code>sha256:" + "b" * 64 + "</code>" in second and "700.0 MB" in second and "buildah 1.28.2" in second
    assert "<td><code>python-version</code></td><td>passed</td>" in second
    assert (
        'id="version-inventory-table"' in second and "<tr><td>pyparsing</td><td>3.2.0</td><td>pip</td></tr>" in second
    )
    # the inventories of versions 1 and 2 compared: every kind of change, nothing that stayed
    assert "| matplotlib | 3.9.2 | 3.9.4 | upgraded |" in second  # also a declared change
    assert "| numpy | 2.1.3 | 2.0.2 | downgraded |" in second
    assert "| pyparsing |  | 3.2.0 | added |" in second and "| six | 1.16.0 |  | removed |" in second
    assert "| scikit-learn |" not in second
    first = (out / "environments/sklearn-1.5/1.md").read_text()
    assert "The first released version." in first and "Packages in the image" in first
    assert "<tr><td>six</td><td>1.16.0</td><td>pip</td></tr>" in first

    page = (out / "environments/sklearn-1.5.md").read_text()  # the newest build: version 2's
    assert 'id="build-evidence" data-status="passed"' in page and "(version 2)" in page
    assert "| [2](sklearn-1.5/2.md) |" in page and "| passed 2026-11-21 |" in page
    assert "| [1](sklearn-1.5/1.md) |" in page and "| passed 2026-11-19 |" in page
    failed = (out / "environments/lightgbm-4.5/2.md").read_text()
    assert 'data-status="failed"' in failed and '<details class="catalog-checks" open>' in failed
    assert "<td><code>import lightgbm</code></td><td>failed</td><td>No module</td>" in failed
    never = (out / "environments/catboost-1.2/2.md").read_text()
    assert 'data-status="unverified"' in never and "no build report for this version" in never


def test_packages_page_lists_what_each_verified_image_ships(tmp_path):
    out = build(tmp_path)
    rows = {(package, version): links for package, version, links in Rows((out / "packages.md").read_text()).rows}
    assert rows[("matplotlib", "3.9.4")] == [("sklearn-1.5 2", "../environments/sklearn-1.5/2/", True)]
    assert rows[("matplotlib", "3.9.2")] == [("sklearn-1.5 1", "../environments/sklearn-1.5/1/", False)]
    assert rows[("scikit-learn", "1.5.2")] == [("sklearn-1.5 2", "../environments/sklearn-1.5/2/", True),
                                               ("sklearn-1.5 1", "../environments/sklearn-1.5/1/", False)]
    assert ("lightgbm", "4.5.0") not in rows  # its build failed: nothing verified ships it
    assert len(rows) == 7
    home = (out / "index.md").read_text()
    assert "[package](packages.md)" in home


def test_catalog_json_carries_each_version_s_build_and_matches_its_schema(tmp_path):
    out = build(tmp_path)
    schemas = {name: json.loads((REPO / "schemas" / name).read_text())
               for name in ("catalog.schema.json", "build-report.schema.json")}
    registry = Registry().with_resources(
        (schema.get("$id", name), Resource.from_contents(schema)) for name, schema in schemas.items())
    data = json.loads((out / "catalog.json").read_text())
    assert list(Draft202012Validator(schemas["catalog.schema.json"], registry=registry).iter_errors(data)) == []
    entry = next(e for e in data["environments"] if e["name"] == "sklearn-1.5")
    assert [v["build"]["asset_version"] for v in entry["versions"]] == ["2", "1"]
    assert entry["build"]["asset_version"] == "2"
    assert entry["versions"][0]["built_changes"]["from"] == "1"
    assert {c["name"]: c["kind"] for c in entry["versions"][0]["built_changes"]["packages"]} == {
        "matplotlib": "upgraded", "numpy": "downgraded", "pyparsing": "added", "six": "removed"}
    assert entry["versions"][1]["built_changes"] is None


def test_a_build_of_the_working_copy_counts_for_the_version_it_was_released_as(tmp_path):
    root, reports = project_with_builds(tmp_path)
    ledger = json.loads((tmp_path / "releases/catboost-1.2/2/release.json").read_text())
    write_build_report(reports, "catboost-1.2", "next", {"catboost": "1.2.7"}, content_hash=ledger["content_hash"])
    out = tmp_path / "out"
    generate(root, out, reports_dir=reports, releases_dir=tmp_path / "releases")
    assert 'data-status="passed"' in (out / "environments/catboost-1.2/2.md").read_text()
    assert 'data-status="unverified"' in (out / "environments/catboost-1.2/1.md").read_text()


def test_version_pages_follow_the_ledger_and_come_back_when_deleted(tmp_path):
    root, reports = project_with_builds(tmp_path)
    out = tmp_path / "out"
    generate(root, out, reports_dir=reports, releases_dir=tmp_path / "releases")
    page = out / "environments/sklearn-1.5/2.md"
    page.unlink()
    result = generate(root, out, reports_dir=reports, releases_dir=tmp_path / "releases")
    assert page.is_file() and "environments/sklearn-1.5/2.md" in result.written
    # a new report changes the version page, the packages page and catalog.json, nothing else of others
    write_build_report(reports, "catboost-1.2", "2", {"catboost": "1.2.7"}, finished_at="2026-11-22T09:00:00Z")
    result = generate(root, out, reports_dir=reports, releases_dir=tmp_path / "releases")
    assert {"environments/catboost-1.2.md", "environments/catboost-1.2/2.md", "packages.md", "catalog.json",
            "index.md"} <= set(result.written)
    assert not any(p.startswith("environments/sklearn") for p in result.written)
    assert "catboost-1.2 2" in (out / "packages.md").read_text()


def test_newest_verified_version_is_marked_when_the_working_copy_is_unreleased(tmp_path):
    root, reports = project_with_builds(tmp_path)
    requirements = root / "sklearn-1.5/context/requirements.txt"
    requirements.write_text(requirements.read_text().replace("joblib==1.4.2", "joblib==1.4.1"))
    out = tmp_path / "out"
    generate(root, out, reports_dir=reports, releases_dir=tmp_path / "releases")
    rows = {(package, version): links for package, version, links in Rows((out / "packages.md").read_text()).rows}
    assert rows[("matplotlib", "3.9.4")] == [("sklearn-1.5 2", "../environments/sklearn-1.5/2/", True)]
    page = (out / "environments/sklearn-1.5.md").read_text()
    assert "| next &#40;unreleased&#41; | not yet | not verified |" in page


def test_a_build_of_what_the_working_copy_pins_to_now_is_the_next_version(tmp_path):
    """The working copy is written as its latest release, but its template tags pin to a newer base now."""
    root, reports = project_with_builds(tmp_path)
    released = json.loads((tmp_path / "releases/catboost-1.2/2/release.json").read_text())
    write_build_report(reports, "catboost-1.2", "next", {"catboost": "1.2.8"}, content_hash="sha256:" + "d" * 64,
                       finished_at="2027-01-15T09:00:00Z")
    out = tmp_path / "out"
    generate(root, out, reports_dir=reports, releases_dir=tmp_path / "releases")
    entry = next(
        e for e in json.loads((out / "catalog.json").read_text())["environments"] if e["name"] == "catboost-1.2"
    )
    assert [(v["label"], bool(v["build"])) for v in entry["versions"]] == [
        ("next (unreleased)", True), ("2", False), ("1", False)]
    assert entry["latest_version"] == "2" and released["date"] < "2027-01-15"
    assert (
        "| next &#40;unreleased&#41; | not yet | passed 2027-01-15 |"
        in (out / "environments/catboost-1.2.md").read_text()
    )
    rows = {(package, version): links for package, version, links in Rows((out / "packages.md").read_text()).rows}
    assert rows[("catboost", "1.2.8")] == [("catboost-1.2 next (unreleased)", "../environments/catboost-1.2/", True)]

    # a build from before the latest release is not of the next version: it is history
    write_build_report(reports, "catboost-1.2", "next", {"catboost": "1.2.8"}, content_hash="sha256:" + "d" * 64,
                       finished_at="2020-01-01T09:00:00Z")
    generate(root, out, reports_dir=reports, releases_dir=tmp_path / "releases")
    entry = next(
        e for e in json.loads((out / "catalog.json").read_text())["environments"] if e["name"] == "catboost-1.2"
    )
    assert [v["label"] for v in entry["versions"]] == ["2", "1"]


def test_what_a_report_says_is_escaped_everywhere_it_shows(tmp_path):
    root, reports = project_with_builds(tmp_path)
    hostile = {"<script>alert(1)</script>": "1.0", "[a](javascript:alert(2))": "<img src=x onerror=alert(3)>"}
    write_build_report(reports, "sklearn-1.5", "2", {**VERSION_2, **hostile}, finished_at="2026-11-21T09:00:00Z",
                       checks=[{"name": "<b>check</b>", "status": "failed", "detail": "<script>alert(4)</script>"}])
    out = tmp_path / "out"
    generate(root, out, reports_dir=reports, releases_dir=tmp_path / "releases")
    for page in ("packages.md", "environments/sklearn-1.5.md", "environments/sklearn-1.5/2.md"):
        text = (out / page).read_text()
        assert "<script>alert" not in text and "<img src=x" not in text and "<b>check" not in text, page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (out / "packages.md").read_text()
