"""Hostile input for the site generator: it reads nothing outside an asset, writes nothing
outside its output, and reports a failing environment as one warning naming its file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from catalog.site.output import STATE_DIR
from tests.conftest import ASSET, SECRET, SPEC, _nest_beyond_path_max, run_bounded, write_env, write_private_file
from tests.site.conftest import generate, mkdocs_build, settle, site_options


def site_files(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): p.read_text(errors="replace") for p in out.rglob("*")
            if p.is_file() and STATE_DIR not in p.parts}


def test_build_context_linked_to_root_is_not_read(tmp_path):
    env = write_env(tmp_path / "environments", files={"context/Dockerfile": None, "context/requirements.txt": None})
    (env / "context").symlink_to("/")
    result = run_bounded("site", cwd=tmp_path, timeout=30)
    assert result.returncode == 0 and result.seconds < 20, result.stderr
    page = (tmp_path / "site-docs" / "environments" / "sklearn-1.5.md").read_text()
    assert "etc/passwd" not in page and "proc/" not in page


def test_files_outside_the_asset_are_never_published(tmp_path):
    write_private_file(tmp_path, "secrets.yaml", f"name: x\ndescription: {SECRET}\ntags: {{Leak: {SECRET}}}\n")
    write_private_file(tmp_path, "description.md", f"# {SECRET}\n")
    write_env(tmp_path / "environments", files={"asset.yaml": ASSET.replace("spec: spec.yaml", "spec: "
                                                                                               "../../private/secrets.yaml")})
    linked = write_env(
        tmp_path / "environments", "lightgbm-4.5", files={"description.md": None, "context/Dockerfile": None}
    )
    (linked / "description.md").symlink_to(tmp_path / "private" / "description.md")
    (linked / "context" / "Dockerfile").symlink_to(write_private_file(tmp_path, "Dockerfile", f"FROM {SECRET}\n"))
    result = run_bounded("site", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    files = site_files(tmp_path / "site-docs")
    assert "environments/sklearn-1.5.md" in files and "environments/lightgbm-4.5.md" in files
    assert [name for name, text in files.items() if SECRET.lower() in text.lower()] == []


@pytest.mark.parametrize("directory", [STATE_DIR, "environments", "assets"])
def test_a_linked_directory_in_the_output_is_refused(tmp_path, directory):
    write_env(tmp_path / "environments")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "site-docs").mkdir()
    (tmp_path / "site-docs" / directory).symlink_to(elsewhere)
    result = run_bounded("site", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (f"catalog: error: refusing to write into {tmp_path / 'site-docs' / directory}: "
                             "it is a symbolic link; remove it and run again\n")
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("name", ["journal", "cache.log", "manifest.json", "cache.pickle"])
def test_a_linked_file_in_the_state_directory_is_refused(tmp_path, name):
    write_env(tmp_path / "environments")
    assert run_bounded("site", cwd=tmp_path).returncode == 0
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me\n")
    state = tmp_path / "site-docs" / STATE_DIR
    (state / name).unlink(missing_ok=True)
    (state / name).symlink_to(target)
    (tmp_path / "environments/sklearn-1.5/description.md").write_text("# changed\n\nSo the run writes.\n")
    result = run_bounded("site", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (f"catalog: error: refusing to write into {state / name}: "
                             "it is a symbolic link; remove it and run again\n")
    assert target.read_text() == "keep me\n"


def test_an_environment_that_fails_is_a_warning_and_the_others_are_generated(tmp_path, monkeypatch):
    import catalog.site.generate

    root = tmp_path / "environments"
    write_env(root, "sklearn-1.5")
    write_env(root, "lightgbm-4.5")
    site_entry = catalog.site.generate.site_entry

    def failing(env, *args):
        if env.name == "sklearn-1.5":
            raise RuntimeError("a bug\nover two lines")
        return site_entry(env, *args)

    monkeypatch.setattr(catalog.site.generate, "site_entry", failing)
    monkeypatch.chdir(tmp_path)
    result = generate(root, tmp_path / "out")
    assert result.problems == ["internal error while generating the page of environments/sklearn-1.5/asset.yaml: "
                               "RuntimeError: a bug over two lines, please report"]
    assert (tmp_path / "out" / "environments" / "lightgbm-4.5.md").is_file()
    assert not (tmp_path / "out" / "environments" / "sklearn-1.5.md").exists()
    assert result.environments == 1


@pytest.mark.parametrize("case", ["asset type is a list", "DeleteOn is a date-time"])
def test_odd_values_do_not_stop_the_site(tmp_path, case):
    root = tmp_path / "environments"
    if case == "asset type is a list":
        write_env(root, files={"asset.yaml": ASSET.replace("type: environment", "type: [environment]")})
    else:
        write_env(root, files={"spec.yaml": SPEC + "  Deprecated: ''\n  DeleteOn: 2027-04-30 10:00:00\n"})
    write_env(root, "lightgbm-4.5")
    result = run_bounded("site", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert all("sklearn-1.5/asset.yaml" in line for line in result.stderr.splitlines())
    assert (tmp_path / "site-docs" / "environments" / "lightgbm-4.5.md").is_file()


def test_a_catalog_directory_that_cannot_be_listed_is_a_warning(tmp_path):
    root = tmp_path / "environments"
    write_env(root)
    (root / "deep").mkdir()
    _nest_beyond_path_max(root / "deep")
    result = run_bounded("site", cwd=tmp_path)
    assert result.returncode == 0
    [warning] = result.stderr.splitlines()
    assert warning.startswith("catalog: warning: environments/deep/dddd")
    assert warning.endswith(": cannot read directory (File name too long); environments in it are left out")


def test_non_ascii_text_round_trips_into_the_page_front_matter(tmp_path):
    description = "Café 😀 environment, 日本語"
    write_env(
        tmp_path / "environments",
        files={"spec.yaml": SPEC.replace("A scikit-learn environment for tests.", description)},
    )
    result = run_bounded("site", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site-docs" / "environments" / "sklearn-1.5.md").read_text(encoding="utf-8")
    front_matter = yaml.safe_load(page.split("---\n")[1])
    assert front_matter["title"] == "sklearn-1.5" and front_matter["description"] == description
    assert f'description: "{description}"' in page


def test_non_ascii_text_reaches_the_built_page(project):
    spec = project / "environments" / "sklearn-1.5" / "spec.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("description: ", "description: Café 😀 ", 1), encoding="utf-8")
    result = mkdocs_build(project)
    assert result.returncode == 0, result.stderr
    html = (project / "site" / "environments" / "sklearn-1.5" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="description" content="Café 😀 ' in html
    assert "<title>sklearn-1.5 - " in html


def test_mkdocs_reports_a_refused_output_in_one_line(project):
    elsewhere = project / "elsewhere"
    elsewhere.mkdir()
    cache = project / ".cache" / "plugin" / "catalog"  # where the plugin keeps the pages it generates
    cache.mkdir(parents=True)
    (cache / STATE_DIR).symlink_to(elsewhere)
    result = mkdocs_build(project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    assert errors == [f"ERROR   -  catalog: cannot generate the site: refusing to write into "
                      f"{cache / STATE_DIR}: it is a symbolic link; remove it and run again"]
    assert list(elsewhere.iterdir()) == []


def test_mkdocs_plugin_turns_a_bug_into_one_line(tmp_path, monkeypatch):
    from mkdocs.exceptions import PluginError

    import catalog.site
    from catalog.mkdocs_plugin.plugin import CatalogPlugin

    def broken(options):
        raise KeyError("environments/x/asset.yaml")

    monkeypatch.setattr(catalog.site, "generate_checked", broken)
    plugin = CatalogPlugin()
    plugin.options = site_options(tmp_path / "environments", tmp_path / "site-docs")
    with pytest.raises(PluginError) as raised:
        plugin.on_pre_build(config=None)
    assert str(raised.value) == ("catalog: cannot generate the site: internal error: KeyError: "
                                 "'environments/x/asset.yaml', please report")


def test_a_tampered_cache_entry_is_parsed_again_and_writes_only_inside_the_output(tmp_path):
    import pickle

    from catalog.site.cache import CACHE_FILE

    root = tmp_path / "environments"
    settle(write_env(root, "sklearn-1.5"), write_env(root, "lightgbm-4.5"))
    out = tmp_path / "out"
    generate(root, out)  # in this process: the next run would reuse the cache it saved, unless the file changed
    state = pickle.loads((out / CACHE_FILE).read_bytes())
    key = next(key for key in state["entries"] if "sklearn" in key)
    packed = list(state["entries"][key])
    packed[5] = ("../../escaped", None, None, True)  # its links: a slug leading out of the output
    packed[6] = ("../../released",)  # its released versions, each a page
    state["entries"][key] = tuple(packed)
    (out / CACHE_FILE).write_bytes(pickle.dumps(state))
    result = generate(root, out)
    assert result.parsed == 1 and result.problems == []
    assert (out / "environments/sklearn-1.5.md").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["environments", "out"]
    assert not (out / "environments/sklearn-1.5.md").is_symlink()
