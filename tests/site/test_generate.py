"""The generator on real catalogs on disk: pages, incremental runs, removal, links, build reports."""

import datetime
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from catalog.model import find_asset_files
from catalog.site.cache import scan_catalog
from catalog.site.output import JOURNAL, MANIFEST
from tests.conftest import SPEC, write_env
from tests.site.conftest import REPORT, SAMPLE, TODAY, generate, settle


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    root = tmp_path / "environments"
    shutil.copytree(SAMPLE, root)
    return root


def files_under(out: Path) -> dict[str, int]:
    """Generated files (not the state directory) and their modification times."""
    found = {}
    for path in out.rglob("*"):
        relative = path.relative_to(out).as_posix()
        if path.is_file() and not relative.startswith(".catalog/"):
            found[relative] = path.stat().st_mtime_ns
    return found


def test_sample_catalog_pages(catalog, tmp_path):
    out = tmp_path / "out"
    result = generate(catalog, out)
    assert result.environments == 9 and not result.problems
    pages = files_under(out)
    assert {"index.md", "tags.md", "deprecations.md", "rules.md", "catalog.json", "feed.xml",
            "assets/catalog/catalog.js", "assets/catalog/catalog.css"} <= set(pages)
    assert sorted(p for p in pages if p.startswith("environments/")) == sorted(
        f"environments/{d.name}.md" for d in SAMPLE.iterdir() if (d / "asset.yaml").is_file())

    page = (out / "environments/sklearn-1.5.md").read_text()
    assert page.startswith('---\ntitle: "sklearn-1.5"\n')
    assert "| Python | 3.11 |" in page and "| OS | Ubuntu 22.04 |" in page and "| Platform | linux |" in page
    assert '<code id="image-ref">mcr.microsoft.com/azureml/curated/sklearn-1.5:latest</code>' in page
    assert 'id="copy-image-ref"' in page
    for usage in ('=== "Azure ML CLI v2"', '=== "Python SDK v2"', '=== "docker pull"',
                  "azureml://registries/azureml/environments/sklearn-1.5/labels/latest",
                  "docker pull mcr.microsoft.com/azureml/curated/sklearn-1.5:latest"):
        assert usage in page
    assert (
        '```dockerfile linenums="1"\nFROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}'
        in page
    )
    assert '=== "requirements.txt"' in page
    assert 'data-status="unverified"' in page and "Not verified yet" in page
    assert "[Python](../tags.md#tag:python): [3.11](../tags.md#tag:python-311)" in page
    assert ("| next &#40;unreleased&#41; | not yet | not verified | "
            "`mcr.microsoft.com/azureml/curated/sklearn-1.5:latest` |") in page
    assert "deprecation-banner" not in page

    deprecated = (out / "environments/sklearn-1.3.md").read_text()
    assert 'id="deprecation-banner"' in deprecated
    assert '<a class="catalog-replacement" href="../sklearn-1.5/">sklearn-1.5</a>' in deprecated
    assert "2027-04-30" in deprecated and "159 days left" in deprecated

    prebuilt = (out / "environments/mlflow-inference.md").read_text()
    assert "pre-built image" in prebuilt and "```dockerfile" not in prebuilt

    home = (out / "index.md").read_text()
    assert home.count('<tr class="catalog-row"') == 9
    assert 'id="catalog-filter-text"' in home and 'id="catalog-filter-os"' in home
    assert '<option value="Ubuntu 24.04">Ubuntu 24.04</option>' in home
    assert '<a href="environments/sklearn-1.5/">sklearn-1.5</a>' in home

    deprecations = (out / "deprecations.md").read_text()
    assert ("| [sklearn-1.3](environments/sklearn-1.3.md) | 2027-04-30 | 159 | "
            "[sklearn-1.5](environments/sklearn-1.5.md) |") in deprecations
    rules = (out / "rules.md").read_text()
    assert "## curated-base" in rules and "**Why:**" in rules
    # the build policy, documented beside the lint rules
    assert "# Build policy" in rules and "## mixed-azure-ml-sdks" in rules
    assert "| [BLD002](#ubuntu-20-04-base) | ubuntu-20-04-base | warning |" in rules


def test_unchanged_catalog_writes_nothing(catalog, tmp_path):
    out = tmp_path / "out"
    generate(catalog, out)
    before = files_under(out)
    state = {p.name: p.stat().st_mtime_ns for p in (out / ".catalog").iterdir()}
    time.sleep(0.05)
    result = generate(catalog, out)
    assert result.written == [] and result.removed == [] and result.parsed == 0
    assert files_under(out) == before
    assert {p.name: p.stat().st_mtime_ns for p in (out / ".catalog").iterdir()} == state


def test_a_changed_environment_rewrites_only_what_shows_it(catalog, tmp_path):
    out = tmp_path / "out"
    generate(catalog, out)
    before = files_under(out)
    description = catalog / "lightgbm-4.5" / "description.md"
    description.write_text(description.read_text() + "\nA new paragraph.\n")
    settle(description)
    result = generate(catalog, out)
    assert result.parsed == 1 and result.written == ["environments/lightgbm-4.5.md"]
    assert "A new paragraph." in (out / "environments/lightgbm-4.5.md").read_text()
    after = files_under(out)
    assert {p for p in after if after[p] != before[p]} == {"environments/lightgbm-4.5.md"}

    spec = catalog / "lightgbm-4.5" / "spec.yaml"
    spec.write_text(spec.read_text().replace('Python: "3.11"', 'Python: "3.12"'))
    settle(spec)
    result = generate(catalog, out)
    assert sorted(result.written) == ["catalog.json", "environments/lightgbm-4.5.md", "index.md", "tags.md"]
    assert '<option value="3.12">3.12</option>' in (out / "index.md").read_text()
    assert 'id="tag:python-312"' in (out / "tags.md").read_text()


def test_a_vanished_environment_loses_its_page_and_nothing_else(catalog, tmp_path):
    out = tmp_path / "out"
    generate(catalog, out)
    (out / "notes.md").write_text("mine\n")
    (out / "environments" / "hand-written.md").write_text("mine too\n")
    shutil.rmtree(catalog / "xgboost-2.1")
    result = generate(catalog, out)
    assert result.removed == ["environments/xgboost-2.1.md"] and result.environments == 8
    assert not (out / "environments/xgboost-2.1.md").exists()
    assert (out / "notes.md").read_text() == "mine\n" and (out / "environments/hand-written.md").exists()
    assert "xgboost-2.1" not in (out / "index.md").read_text()
    assert "xgboost-2.1" not in (out / "catalog.json").read_text()
    manifest = json.loads((out / MANIFEST).read_text())["files"]
    assert "environments/xgboost-2.1.md" not in manifest and "notes.md" not in manifest


def test_files_of_an_interrupted_run_are_known_to_be_ours(catalog, tmp_path):
    out = tmp_path / "out"
    generate(catalog, out)
    # an interrupted run had written a page for an environment that is gone now
    (out / "environments" / "ghost.md").write_text("---\ntitle: ghost\n---\n")
    with open(out / JOURNAL, "a") as journal:
        journal.write("environments/ghost.md\n")
    (out / "environments" / ".sklearn-1.5.md.4242.0.tmp").write_text("half a page")
    result = generate(catalog, out)
    assert "environments/ghost.md" in result.removed and not (out / "environments/ghost.md").exists()
    assert not (out / JOURNAL).exists()
    assert not (out / "environments" / ".sklearn-1.5.md.4242.0.tmp").exists()


def test_an_interrupted_run_leaves_whole_files(tmp_path):
    """Kill a real run part way: every page there is complete; the next run finishes the job."""
    import signal
    import subprocess
    import sys

    from tests.conftest import REPO

    root = tmp_path / "environments"
    root.mkdir()
    for index in range(300):
        write_env(root, f"env-{index:03d}")
    out = tmp_path / "out"
    script = (f"from tests.site.conftest import generate\nfrom pathlib import Path\n"
              f"generate(Path({str(root)!r}), Path({str(out)!r}), workers=1)\n")
    process = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)))
    deadline = time.time() + 60
    while time.time() < deadline and len(list((out / "environments").glob("*.md"))) < 20:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    pages = list((out / "environments").glob("*.md"))
    assert 0 < len(pages) < 300
    for page in pages:
        text = page.read_text()
        assert text.startswith("---\ntitle:") and text.rstrip().endswith("```"), page
    result = generate(root, out)
    assert result.environments == 300
    assert len(list((out / "environments").glob("*.md"))) == 300
    assert not [p for p in out.rglob("*.tmp")]


def test_duplicate_names_get_pages_of_their_own(tmp_path):
    root = tmp_path / "environments"
    settle(write_env(root, "twin", {"description.md": "First twin.\n"}, directory="a"),
           write_env(root, "twin", {"description.md": "Second twin.\n"}, directory="b"))
    out = tmp_path / "out"
    result = generate(root, out)
    assert result.environments == 2
    assert sorted(p.name for p in (out / "environments").iterdir()) == ["twin-2.md", "twin.md"]
    assert (out / "index.md").read_text().count('<tr class="catalog-row"') == 2
    assert "First twin." in (out / "environments/twin.md").read_text()
    # editing the second twin must not write its page over the first one's
    (root / "b" / "description.md").write_text("Second twin, edited.\n")
    result = generate(root, out)
    assert result.written == ["environments/twin-2.md"]
    assert "First twin." in (out / "environments/twin.md").read_text()
    assert "Second twin, edited." in (out / "environments/twin-2.md").read_text()


def deprecated_spec(replacement: str) -> str:
    return SPEC.replace(
        "description: A scikit-learn environment for tests.",
        f'description: "DEPRECATED: Please use {replacement} instead. Old."',
    ) + '  Deprecated: ""\n  DeleteOn: "2027-01-31"\n'


def test_a_replacement_that_appears_later_gets_linked(tmp_path):
    root = tmp_path / "environments"
    old = write_env(root, "old-env", {"spec.yaml": deprecated_spec("new-env")})
    settle(old)
    out = tmp_path / "out"
    generate(root, out)
    page = (out / "environments/old-env.md").read_text()
    assert "<strong class=\"catalog-replacement\">new-env</strong> (not in this catalog)" in page
    assert "70 days left" in page
    settle(write_env(root, "new-env"))
    result = generate(root, out)
    assert "environments/old-env.md" in result.written
    assert (
        '<a class="catalog-replacement" href="../new-env/">new-env</a>' in (out / "environments/old-env.md").read_text()
    )
    assert "[new-env](environments/new-env.md)" in (out / "deprecations.md").read_text()


def test_a_new_day_updates_the_days_left(tmp_path):
    root = tmp_path / "environments"
    settle(write_env(root, "old-env", {"spec.yaml": deprecated_spec("new-env")}), write_env(root, "new-env"))
    out = tmp_path / "out"
    generate(root, out)
    result = generate(root, out, today=TODAY + datetime.timedelta(days=1))
    assert sorted(result.written) == ["deprecations.md", "environments/old-env.md"]
    assert "69 days left" in (out / "environments/old-env.md").read_text()
    result = generate(root, out, today=datetime.date(2027, 2, 2))
    assert "past its DeleteOn date by 2 days" in (out / "environments/old-env.md").read_text()
    assert "## Past their DeleteOn date" in (out / "deprecations.md").read_text()


def test_build_reports_show_on_the_page_home_and_catalog_json(catalog, tmp_path):
    out = tmp_path / "out"
    reports = tmp_path / "build-reports"
    (reports / "sklearn-1.5").mkdir(parents=True)
    (reports / "sklearn-1.5" / "next.json").write_text(json.dumps(REPORT))
    result = generate(catalog, out)
    assert not result.problems
    page = (out / "environments/sklearn-1.5.md").read_text()
    assert 'id="build-evidence" data-status="passed"' in page
    assert "buildah 1.28.2" in page and "700.0 MB" in page and "passed: 12 passed, 0 failed" in page
    assert '<a href="https://ci.example.com/builds/1" rel="nofollow noopener">' in page
    assert "passed 2026-11-20, unreleased" in (out / "index.md").read_text()
    entries = {e["name"]: e for e in json.loads((out / "catalog.json").read_text())["environments"]}
    assert entries["sklearn-1.5"]["build"] == REPORT and entries["lightgbm-4.5"]["build"] is None

    # a report that changes is picked up; a broken one is reported and not shown
    settle(reports)
    (reports / "sklearn-1.5" / "next.json").write_text(json.dumps({**REPORT, "status": "failed"}))
    result = generate(catalog, out)
    assert 'data-status="failed"' in (out / "environments/sklearn-1.5.md").read_text()
    (reports / "sklearn-1.5" / "next.json").write_text(json.dumps({**REPORT, "status": "maybe"}))
    result = generate(catalog, out)
    assert len(result.problems) == 1 and "$.status" in result.problems[0]
    assert 'data-status="unverified"' in (out / "environments/sklearn-1.5.md").read_text()
    (reports / "sklearn-1.5" / "next.json").write_text(json.dumps({**REPORT, "environment": "other"}))
    assert "expected 'sklearn-1.5'" in generate(catalog, out).problems[0]
    # the newest report of any version (by finished_at) is the one shown
    (reports / "sklearn-1.5" / "next.json").write_text(json.dumps({**REPORT, "status": "failed"}))
    (reports / "sklearn-1.5" / "2.json").write_text(
        json.dumps({**REPORT, "asset_version": "2", "finished_at": "2026-11-21T08:00:00Z"})
    )
    result = generate(catalog, out)
    assert not result.problems and 'data-status="passed"' in (out / "environments/sklearn-1.5.md").read_text()


def test_a_watcher_s_changes_limit_what_is_looked_at(catalog, tmp_path):
    out = tmp_path / "out"
    generate(catalog, out)
    description = catalog / "catboost-1.2" / "description.md"
    description.write_text("# catboost\n\nRewritten.\n")
    settle(description)
    result = generate(catalog, out, changed=[description])
    assert result.parsed == 1 and result.written == ["environments/catboost-1.2.md"]
    # a path outside every known environment (a new one) makes the run look at everything
    settle(write_env(catalog, "brand-new"))
    result = generate(catalog, out, changed=[catalog / "brand-new"])
    assert result.environments == 10 and (out / "environments/brand-new.md").exists()
    # a removed environment reported by the watcher
    shutil.rmtree(catalog / "brand-new")
    result = generate(catalog, out, changed=[catalog / "brand-new" / "asset.yaml"])
    assert result.environments == 9 and result.removed == ["environments/brand-new.md"]


def test_scan_finds_what_the_model_finds(tmp_path):
    root = tmp_path / "catalog"
    write_env(root, "a")
    write_env(root / "group", "b")
    write_env(root / "group" / "deeper" / "more", "c")
    write_env(root / ".hidden", "d")
    write_env(root / "node_modules", "e")
    write_env(root / "a" / "nested", "f")  # inside an asset directory: not an asset of its own
    (root / "linked").symlink_to(root / "group", target_is_directory=True)
    (root / "g").mkdir()
    (root / "g" / "asset.yaml").symlink_to(root / "a" / "asset.yaml")
    expected = {str(p.absolute()) for p in find_asset_files(root)}
    assert set(scan_catalog([root])) == expected == set(scan_catalog([root], with_trees=False))
    assert set(scan_catalog([root / "a"])) == {str((root / "a" / "asset.yaml").absolute())}


def test_broken_environments_still_get_pages(tmp_path):
    """The site shows what it can of broken environments (lint reports them); it never crashes."""
    root = tmp_path / "environments"
    write_env(root, "bad-yaml", {"spec.yaml": "tags: [unclosed\n  : :\n"})
    write_env(root, "binary", {"description.md": b"\x00\x01\xff\xfe", "context/blob.bin": b"\x00" * 100})
    write_env(root, "no-spec", {"spec.yaml": None})
    write_env(root, "no-context", {"context/Dockerfile": None, "context/requirements.txt": None})
    write_env(root, "not-utf8", {"spec.yaml": b"name: \xff\xfe\n"})
    write_env(root, "odd-tags", {"spec.yaml": SPEC + "  Number: 3.1\n  Nothing:\n  Listed: [1, 2]\n  Dated: "
                                                     "2027-01-31\n"})
    (root / "empty-asset").mkdir()
    (root / "empty-asset" / "asset.yaml").write_text("")
    (root / "list-asset").mkdir()
    (root / "list-asset" / "asset.yaml").write_text("- a\n- b\n")
    write_env(root, "huge", {"context/huge.txt": "x" * (2 << 20)})
    out = tmp_path / "out"
    result = generate(root, out)
    assert result.environments == 9
    assert len(list((out / "environments").glob("*.md"))) == 9
    huge = (out / "environments" / "huge.md").read_text()
    assert '=== "huge.txt"' in huge and "xxxxxxxxxx" not in huge
    assert "binary or unreadable, not shown" in (out / "environments" / "binary.md").read_text()
    odd = (out / "environments" / "odd-tags.md").read_text()
    assert "[Number](../tags.md#tag:number): [3.1]" in odd and "Dated" in odd
    assert json.loads((out / "catalog.json").read_text())["version"] == 1


def test_links_are_settled_before_any_page_is_written(tmp_path):
    root = tmp_path / "environments"
    settle(write_env(root, "twin", {"description.md": "Second twin.\n"}, directory="b"))
    out = tmp_path / "out"
    generate(root, out)
    assert "Second twin." in (out / "environments/twin.md").read_text()
    # a twin that sorts first takes the plain slug: the other moves, and each page is written once
    settle(write_env(root, "twin", {"description.md": "First twin.\n"}, directory="a"))
    result = generate(root, out)
    assert result.parsed == 2
    assert sorted(result.written) == ["catalog.json", "environments/twin-2.md", "environments/twin.md", "index.md",
                                      "tags.md"]  # each once: no page is rendered with a guess and again
    assert "First twin." in (out / "environments/twin.md").read_text()
    assert "Second twin." in (out / "environments/twin-2.md").read_text()
