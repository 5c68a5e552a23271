"""The catalog in another repository: pyproject.toml, an empty docs/ and a four-line mkdocs.yml.

Real `mkdocs build --strict` and `mkdocs serve` processes; the plugin must bring its own
templates, extensions, CSS and JavaScript, leave docs/ to its owner, and rebuild once
per save.
"""

import json
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO
from tests.site.conftest import (
    REPORT,
    PageScan,
    assert_links_resolve,
    built_pages,
    catalog_validator,
    fetch,
    mkdocs_build,
    start_serve,
    wait_for,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def nav_links(scan: PageScan) -> list[str]:
    return [a["href"] for tag, a in scan.elements if tag == "a" and "md-nav__link" in (a.get("class") or "")]


def test_four_line_setup_builds_the_whole_site(four_line_project):
    project = four_line_project
    (project / "docs" / "guide.md").write_text("# Our guide\n\nSee the [environments](index.md).\n")
    before = {path.relative_to(project).as_posix() for path in project.rglob("*")}
    result = mkdocs_build(project)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr and "catalog: 9 environments" in result.stderr
    assert sorted(p.name for p in (project / "docs").iterdir()) == ["guide.md"]  # docs/ stays the user's
    # the plugin keeps its pages where Material's plugins keep their caches, and writes nothing else
    written = {path.relative_to(project).as_posix() for path in project.rglob("*")} - before
    assert {path.split("/")[0] for path in written} == {"site", ".cache"}
    assert {path for path in written if path.startswith(".cache")} >= {".cache/plugin", ".cache/plugin/catalog"}
    assert not [path for path in written if path.startswith(".cache/") and not path.startswith((".cache/plugin",))]

    site = project / "site"
    pages = built_pages(site)
    assert len([p for p in pages if p.startswith("environments/")]) == 9
    assert {"index.html", "tags/index.html", "rules/index.html", "deprecations/index.html",
            "guide/index.html"} <= set(pages)
    data = json.loads((site / "catalog.json").read_text())
    assert len(data["environments"]) == 9 and list(catalog_validator().iter_errors(data)) == []
    assert (site / "feed.xml").is_file()

    # the plugin's own CSS, JavaScript and theme override are in every page, and no web fonts
    home = pages["index.html"]
    links = {a.get("href") for tag, a in home.elements if tag == "link"}
    scripts = {a.get("src") for tag, a in home.elements if tag == "script"}
    assert "assets/catalog/catalog.css" in links and "assets/catalog/catalog.js" in scripts
    assert any(a.get("type") == "application/atom+xml" for tag, a in home.elements if tag == "link")
    assert (site / "assets/catalog/catalog.js").is_file()
    assert "fonts.googleapis" not in (site / "index.html").read_text()
    rows = [a for tag, a in home.elements if tag == "tr" and "catalog-row" in (a.get("class") or "")]
    assert len(rows) == 9

    # the generated pages need the extensions the plugin added: tabs, highlighted code with line numbers
    environment = (site / "environments/sklearn-1.5/index.html").read_text()
    assert "tabbed-set" in environment and "linenodiv" in environment
    assert 'class="md-tag' not in environment  # tags once, in our own list

    # environment pages stay out of the navigation; catalog pages and the user's own are in it
    nav = set(nav_links(pages["guide/index.html"]))
    assert {"..", "../tags/", "../rules/", "../deprecations/"} <= nav
    assert not [href for href in nav if "environments/" in href]
    assert "../guide/" in nav_links(pages["tags/index.html"])

    assert_links_resolve(site, pages)


def test_a_page_of_the_user_s_own_wins_over_a_generated_one(four_line_project):
    project = four_line_project
    (project / "docs" / "index.md").write_text(
        "# Welcome\n\nOur own home page; the catalog is under [tags](tags.md).\n"
    )
    result = mkdocs_build(project)
    assert result.returncode == 0, result.stderr
    assert "docs/index.md is your own page" in result.stderr
    home = (project / "site" / "index.html").read_text()
    assert "Our own home page" in home and "catalog-table" not in home
    assert (project / "site" / "environments" / "sklearn-1.5" / "index.html").is_file()


def test_pages_catalog_site_left_in_docs_dir_are_replaced(four_line_project):
    """`catalog site --out docs` (for Zensical) then `mkdocs build`: the plugin's fresh pages win."""
    project = four_line_project
    env = dict(os.environ, PYTHONPATH=str(REPO))
    subprocess.run([sys.executable, "-m", "catalog", "site", "--out", "docs"], cwd=project, env=env, check=True,
                   capture_output=True)
    description = project / "envs" / "lightgbm-4.5" / "description.md"
    description.write_text(description.read_text() + "\nWritten after catalog site.\n")
    result = mkdocs_build(project)
    assert result.returncode == 0, result.stderr
    assert "is your own page" not in result.stderr
    assert "Written after catalog site." in (project / "site/environments/lightgbm-4.5/index.html").read_text()


@pytest.mark.parametrize("breakage, expected", [
    ("toml", "pyproject.toml: invalid TOML"),
    ("no-roots", "no catalog to document: envs is not a directory"),
    ("cache-is-a-file", ".cache/plugin/catalog: cannot write the site"),
    ("unknown-key", "pyproject.toml: [tool.catalog] $: unknown key"),
])
def test_plugin_failures_are_one_line(four_line_project, breakage, expected):
    project = four_line_project
    if breakage == "toml":
        (project / "pyproject.toml").write_text('[tool.catalog\nroots = ["envs"]\n')
    elif breakage == "no-roots":
        subprocess.run(["rm", "-r", str(project / "envs")], check=True)
    elif breakage == "cache-is-a-file":
        (project / ".cache" / "plugin").mkdir(parents=True)
        (project / ".cache" / "plugin" / "catalog").write_text("not a directory\n")
    else:
        (project / "pyproject.toml").write_text('[tool.catalog]\nroots = ["envs"]\nroot = "typo"\n')
    result = mkdocs_build(project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1 and errors[0].startswith("ERROR   -  catalog: ") and expected in errors[0], result.stderr


@pytest.mark.parametrize("root", ["envs", "."])
def test_serve_rebuilds_once_per_save(four_line_project, root):
    """Also with the catalog at the top of the repository, where the plugin's cache lies inside it."""
    project = four_line_project
    (project / "pyproject.toml").write_text(f'[tool.catalog]\nroots = ["{root}"]\n')
    (project / "build-reports").mkdir()
    server, port, log = start_serve(project)
    url = f"http://127.0.0.1:{port}/environments/lightgbm-4.5/"

    def builds() -> int:
        return log.read_text().count("Building documentation...")

    def settled(count: int) -> None:
        """Wait for build number ``count``, then long enough for any further one to start."""
        wait_for(lambda: builds() >= count and "Reloading browsers" in log.read_text().rsplit("Building", 1)[1],
                 f"build {count}")
        time.sleep(3)  # MkDocs polls for changes every 0.5 s
        assert builds() == count, log.read_text()

    try:
        assert "<td>3.11</td>" in wait_for(lambda: fetch(url), "first build")
        assert builds() == 1
        time.sleep(2.5)  # the first build's own writes must not start a second one
        assert builds() == 1, log.read_text()

        spec = project / "envs" / "lightgbm-4.5" / "spec.yaml"
        spec.write_text(spec.read_text().replace('Python: "3.11"', 'Python: "3.12"'))
        wait_for(lambda: "<td>3.12</td>" in fetch(url), "the edited spec")
        settled(2)

        description = project / "envs" / "lightgbm-4.5" / "description.md"
        description.write_text(description.read_text() + "\nedited-by-the-test\n")
        wait_for(lambda: "edited-by-the-test" in fetch(url), "the edited description")
        settled(3)
        assert "catalog: 9 environments, 1 parsed; 1 file written" in log.read_text()

        report = {**REPORT, "environment": "lightgbm-4.5"}
        (project / "build-reports" / "lightgbm-4.5").mkdir()
        (project / "build-reports" / "lightgbm-4.5" / "next.json").write_text(json.dumps(report))
        wait_for(lambda: 'data-status="passed"' in fetch(url), "the new build report")
        settled(4)
        assert sorted(p.name for p in (project / "docs").iterdir()) == []  # nothing written into docs/
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "Traceback" not in log.read_text()


def test_the_plugin_s_hooks_take_their_arguments_as_mkdocs_declares_them():
    """MkDocs calls hooks with keyword arguments and declares which are positional-only (in
    BasePlugin's source: it deletes the declarations at import)."""
    import ast
    import inspect

    import mkdocs.plugins

    from catalog.mkdocs_plugin.plugin import CatalogPlugin

    [base] = [node for node in ast.parse(inspect.getsource(mkdocs.plugins)).body
              if isinstance(node, ast.ClassDef) and node.name == "BasePlugin"]
    declared = {node.name: node.args for node in base.body if isinstance(node, ast.FunctionDef)}
    for name in ("on_config", "on_pre_build", "on_files", "on_serve", "on_shutdown"):
        ours = inspect.signature(getattr(CatalogPlugin, name)).parameters.values()
        args = declared[name]
        expected = ([(a.arg, "POSITIONAL_ONLY") for a in args.posonlyargs]
                    + [(a.arg, "POSITIONAL_OR_KEYWORD") for a in args.args]
                    + [(a.arg, "KEYWORD_ONLY") for a in args.kwonlyargs])
        assert [(p.name, p.kind.name) for p in ours] == expected, name
