"""Names and paths from the catalog never lead the generator outside its output, or into other files."""

import os
import re
from pathlib import Path

import pytest

from catalog.site import SiteError, generate_configured_site
from catalog.site.paths import UnsafePath, Within, assign_slugs, inside, slug_for
from tests.conftest import run_cli, write_env
from tests.site.conftest import generate, yaml_string

HOSTILE_NAMES = [
    "../../../escaped",
    "/etc/passwd",
    "a/b/c",
    "..",
    ".",
    ".hidden",
    "index",
    "README",
    "con",
    "x\0y",
    "tab\there",
    "new\nline",
    "環境-1.0",
    "A" * 300,
    "Sklearn-1.5",
    "sklearn-1.5",
    "",
]


def all_files(top: Path) -> set[Path]:
    return {p for p in top.rglob("*") if p.is_file() or p.is_symlink()}


def test_hostile_names_stay_inside_the_output(tmp_path):
    root = tmp_path / "catalog" / "environments"
    for index, name in enumerate(HOSTILE_NAMES):
        env = write_env(root, "placeholder", directory=f"env{index:02d}")
        asset = env / "asset.yaml"
        asset.write_text(asset.read_text().replace("name: placeholder", f"name: {yaml_string(name)}"))
    outside_before = all_files(tmp_path)
    out = tmp_path / "site" / "docs"
    result = generate(root, out)
    assert result.environments == len(HOSTILE_NAMES)
    created = all_files(tmp_path) - outside_before
    assert created and all(out in path.parents for path in created), sorted(created)
    pages = sorted(p.name for p in (out / "environments").iterdir())
    assert len(pages) == len(HOSTILE_NAMES)
    for page in pages:
        assert re.fullmatch(r"[a-z0-9][a-z0-9.-]{0,99}\.md", page) and not page.startswith(("index.", "readme.")), page
    assert not (tmp_path / "escaped.md").exists() and not (tmp_path / "site" / "escaped.md").exists()


def test_slugs():
    assert slug_for("sklearn-1.5") == "sklearn-1.5"
    assert slug_for("pytorch-2.5-cuda12.4") == "pytorch-2.5-cuda12.4"
    assert re.fullmatch(r"escaped-[0-9a-f]{8}", slug_for("../../escaped"))
    assert slug_for("Sklearn-1.5") != slug_for("sklearn-1.5")
    assert slug_for("a/b") != slug_for("a-b") and slug_for("index") != "index"
    assert re.fullmatch(r"environment-[0-9a-f]{8}", slug_for("..")) and len(slug_for("A" * 300)) <= 100
    assert assign_slugs([("k2", "x"), ("k1", "x"), ("k3", "y")]) == {"k1": "x", "k2": "x-2", "k3": "y"}


def test_inside_refuses_paths_that_leave(tmp_path):
    out = tmp_path / "out"
    (out / "environments").mkdir(parents=True)
    assert inside(out, "environments/a.md") == out / "environments/a.md"
    for bad in ("../a.md", "/etc/passwd", "environments/../../a.md", "", "a//b.md", "a/./b.md", "a\0.md"):
        with pytest.raises(UnsafePath):
            inside(out, bad)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "linked").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UnsafePath):
        inside(out, "linked/a.md")


def test_a_planted_symlink_in_the_output_stops_the_run(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.catalog]\nroots = ["environments"]\nsite-dir = "out"\n')
    write_env(tmp_path / "environments", "sklearn-1.5")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "environments").symlink_to(elsewhere, target_is_directory=True)
    result = run_cli("site", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("catalog: error: ") and "Traceback" not in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_files_outside_the_environment_are_not_published(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-TOKEN\n")
    root = tmp_path / "environments"
    env = write_env(root, "sklearn-1.5")
    (env / "context" / "leak.txt").symlink_to(secret)
    (env / "context" / "inside.txt").symlink_to(env / "description.md")
    asset = env / "asset.yaml"
    asset.write_text(
        asset.read_text().replace("description_file: description.md", "description_file: ../../secret.txt")
    )
    out = tmp_path / "out"
    generate(root, out)
    page = (out / "environments/sklearn-1.5.md").read_text()
    assert "TOP-SECRET-TOKEN" not in page
    assert '=== "leak.txt"' in page and "outside the environment directory, not shown" in page
    assert '=== "inside.txt"' in page and "For tests." in page  # a link within the environment is fine


def test_within_follows_links(tmp_path):
    top = tmp_path / "env"
    (top / "context").mkdir(parents=True)
    (top / "context" / "file").write_text("x")
    (top / "up").symlink_to(tmp_path, target_is_directory=True)
    within = Within(top)
    assert within(top / "context" / "file") and within(str(top / "context"))
    assert not within(tmp_path / "other") and not within(top / "up" / "other")
    assert not within(top / "context" / ".." / ".." / "other")
    assert within(top / "context" / ".." / "context" / "file")


def test_no_catalog_is_a_usage_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.catalog]\nroots = ["missing"]\n')
    result = run_cli("site", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("catalog: error: no catalog to document: missing is not a directory (set roots in "
                             "[tool.catalog])\n")
    from catalog.config import load_config

    with pytest.raises(SiteError):
        generate_configured_site(load_config(cwd=tmp_path))


def test_the_site_command(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.catalog]\nroots = ["environments"]\n')
    write_env(tmp_path / "environments", "sklearn-1.5")
    result = run_cli("site", "--today", "2026-11-22", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Site pages in {tmp_path / 'site-docs'}: 1 environment, 1 parsed;")
    assert (tmp_path / "site-docs" / "environments" / "sklearn-1.5.md").is_file()
    other = run_cli("site", "--out", "elsewhere", cwd=tmp_path)
    assert other.returncode == 0 and (tmp_path / "elsewhere" / "index.md").is_file()
    assert run_cli("site", "--today", "someday", cwd=tmp_path).returncode == 2
    assert os.path.isfile(tmp_path / "site-docs" / ".catalog" / "manifest.json")
