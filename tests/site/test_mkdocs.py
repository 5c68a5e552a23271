"""The real thing: `mkdocs build --strict` (and Zensical, when installed) on generated pages."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import REPO
from tests.site.conftest import (
    HOSTILE_NAME,
    PageScan,
    assert_links_resolve,
    built_pages,
    commit_all,
    fetch,
    mkdocs_build,
    start_serve,
    wait_for,
    write_hostile_env,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_strict_build_of_the_sample_catalog(project):
    result = mkdocs_build(project)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr and "catalog: 9 environments" in result.stderr
    site = project / "site"
    pages = built_pages(site)
    assert len([p for p in pages if p.startswith("environments/")]) == 9

    assert_links_resolve(site, pages)

    # nothing is fetched from another host: scripts, styles, fonts, images are the site's own
    for page, scan in pages.items():
        for tag, attributes in scan.elements:
            source = attributes.get("src") if tag in ("script", "img", "iframe") else (
                attributes.get("href") if tag == "link" else None)
            assert not source or not urlsplit(source).netloc, (page, tag, attributes)
    assert "fonts.googleapis" not in (site / "index.html").read_text()

    home = pages["index.html"]
    rows = [a for tag, a in home.elements if tag == "tr" and "catalog-row" in (a.get("class") or "")]
    assert len(rows) == 9 and {r["data-name"] for r in rows} >= {"sklearn-1.5", "mlflow-inference"}
    ids = {a.get("id") for _, a in home.elements}
    assert {"catalog-filter-text", "catalog-filter-os", "catalog-filter-python", "catalog-filter-framework",
            "catalog-filter-compute", "catalog-filter-purpose", "catalog-filter-status", "catalog-table",
            "catalog-count"} <= ids
    deprecated = pages["environments/sklearn-1.3/index.html"]
    banner = [a for _, a in deprecated.elements if a.get("id") == "deprecation-banner"]
    assert banner and banner[0]["data-replacement"] == "sklearn-1.5"
    assert "highlight" in (site / "environments/sklearn-1.5/index.html").read_text()
    assert any(a.get("href") == "feed.xml" and a.get("type") == "application/atom+xml"
               for tag, a in home.elements if tag == "link")
    index = json.loads((site / "search" / "search_index.json").read_text())
    assert any(doc["location"].startswith("environments/sklearn-1.5/") for doc in index["docs"])
    tags = (site / "tags" / "index.html").read_text()
    assert 'id="tag:os-ubuntu2404"' in tags and "minimal-inference" in tags


def test_injected_environment_executes_nothing(project):
    write_hostile_env(project / "environments")
    commit_all(project)  # the feed announces what git dates
    result = mkdocs_build(project)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    site = project / "site"
    pages = built_pages(site)
    hostile = [p for p in pages if p.startswith("environments/evil-")]
    assert len(hostile) == 1
    for page, scan in pages.items():
        for tag, attributes in scan.elements:
            assert tag not in ("iframe", "object", "embed"), (page, tag, attributes)
            assert not (tag == "img" and attributes.get("src") == "x"), (page, attributes)
            assert "xss" not in (attributes.get("class") or ""), (page, attributes)
            for name, value in attributes.items():
                assert not name.startswith("on"), (page, tag, attributes)
                target = re.sub(r"[\x00-\x20]", "", value or "").lower()
                assert not target.startswith(("javascript:", "vbscript:", "data:")), (page, tag, attributes)
        assert not [s for s in scan.scripts if "xss" in s or "alert" in s], page
    text = pages[hostile[0]].visible_text
    for shown in ('<script>alert("xss-description")</script>', '<img src=x onerror=alert("xss-img")>',
                  "{{ config.site_name }}", "{% if true %}", '<script>alert("xss-tag-key")</script>',
                  '<img src=x onerror=alert("xss-tag-value")> {{ 7*7 }} {% endif %}',
                  '<script>alert(\\"xss-spec\\")</script> {{ 7*7 }} {% if x %}', HOSTILE_NAME):
        assert shown in text, shown
    assert HOSTILE_NAME in pages["index.html"].visible_text
    assert HOSTILE_NAME in PageScan("<p>" + (site / "tags" / "index.html").read_text()).visible_text
    feed = (site / "feed.xml").read_text()
    assert "&lt;script&gt;alert(\"xss-name\")" in feed and "<script>" not in feed


def find_zensical() -> str | None:
    """$ZENSICAL, else the one installed beside this Python (a venv need not be on PATH), else PATH's."""
    if os.environ.get("ZENSICAL"):
        return os.path.abspath(os.environ["ZENSICAL"])
    beside = Path(sys.executable).parent / "zensical"
    return str(beside) if beside.is_file() else shutil.which("zensical")


def test_zensical_builds_the_same_pages(project):
    zensical = find_zensical()
    if not zensical:
        pytest.skip("zensical is not installed (pip install zensical)")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    site_command = subprocess.run([sys.executable, "-m", "catalog", "site"], cwd=project, env=env,
                                  capture_output=True, text=True)
    assert site_command.returncode == 0, site_command.stderr
    result = subprocess.run([zensical, "build"], cwd=project, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    site = project / "site"
    page = (site / "environments" / "sklearn-1.3" / "index.html").read_text()
    assert 'id="deprecation-banner"' in page and 'id="copy-image-ref"' in page
    assert (site / "index.html").read_text().count('class="catalog-row"') == 9
    assert (site / "catalog.json").is_file() and (site / "feed.xml").is_file()
    assert (site / "assets" / "catalog" / "catalog.js").is_file()
    # the tags page is ours: no MkDocs tags plugin needed
    tags = (site / "tags" / "index.html").read_text()
    assert 'id="tag:os-ubuntu2404"' in tags and 'href="../environments/minimal-inference/"' in tags


def test_serve_reloads_an_edited_environment(project):
    server, port, log = start_serve(project)
    url = f"http://127.0.0.1:{port}/environments/lightgbm-4.5/"
    try:
        page = wait_for(lambda: fetch(url), "first build")
        assert "LightGBM" in page and "edited-by-the-test" not in page
        description = project / "environments" / "lightgbm-4.5" / "description.md"
        description.write_text(description.read_text() + "\nedited-by-the-test\n")
        wait_for(lambda: "edited-by-the-test" in fetch(url) or None, "rebuild after the edit")
        # the watcher told the generator what changed: one environment parsed, not all nine
        assert "catalog: 9 environments, 1 parsed; 1 file written" in log.read_text()
        shutil.copytree(project / "environments" / "sklearn-1.5", project / "environments" / "sklearn-copy")
        asset = project / "environments" / "sklearn-copy" / "asset.yaml"
        asset.write_text(asset.read_text().replace("name: sklearn-1.5", "name: sklearn-copy"))
        wait_for(lambda: fetch(f"http://127.0.0.1:{port}/environments/sklearn-copy/"), "a new environment")
    finally:
        server.terminate()
        server.wait(timeout=30)


