"""The ``catalog`` command as users run it: paths, formats, exit codes, configuration."""

import json

import pytest

from tests.conftest import DOCKERFILE, ENVIRONMENT, SPEC, lint_json, run_cli, write_env


@pytest.fixture
def project(tmp_path):
    """A repository with a pyproject.toml and a catalog of two environments, one broken."""
    (tmp_path / "pyproject.toml").write_text('[tool.catalog]\nroots = ["environments"]\n')
    root = tmp_path / "environments"
    write_env(root, "sklearn-1.5")
    write_env(root, "lightgbm-4.5", {"spec.yaml": SPEC.replace('Python: "3.10"', "Python: 3.10")})
    return tmp_path


def test_text_format_and_exit_code(project):
    result = run_cli("lint", cwd=project)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "environments/lightgbm-4.5/spec.yaml:11:11: CAT202 tag-value tag Python is the number 3.1 "
        '(written 3.10); tag values are strings: write Python: "3.10"'
    )
    assert lines[-1] == "Found 1 error and 0 warnings in 2 environments."


def test_clean_catalog_exits_zero(project):
    result = run_cli("lint", "environments/sklearn-1.5", cwd=project)
    assert result.returncode == 0, result.stdout
    assert result.stdout == "All clean: 1 environment checked.\n"


def test_json_format_exactly(project):
    code, report = lint_json(cwd=project)
    assert code == 1
    assert report == {
        "version": 1,
        "environments": 2,
        "errors": 1,
        "warnings": 0,
        "findings": [
            {
                "rule": "tag-value",
                "code": "CAT202",
                "severity": "error",
                "path": "environments/lightgbm-4.5/spec.yaml",
                "line": 11,
                "column": 11,
                "environment": "lightgbm-4.5",
                "message": 'tag Python is the number 3.1 (written 3.10); tag values are strings: write Python: "3.10"',
            }
        ],
    }


def test_paths_are_relative_to_working_directory(project):
    result = run_cli("lint", "--format", "json", "..", cwd=project / "environments" / "sklearn-1.5")
    paths = {f["path"] for f in json.loads(result.stdout)["findings"]}
    assert paths == {"../lightgbm-4.5/spec.yaml"}


def test_files_map_to_their_asset(project):
    (project / "README.md").write_text("hi")
    code, report = lint_json("environments/lightgbm-4.5/context/Dockerfile", "README.md", cwd=project)
    assert report["environments"] == 1 and code == 1
    code, report = lint_json("README.md", cwd=project)
    assert (code, report["environments"], report["findings"]) == (0, 0, [])


def test_other_asset_types_are_ignored(project):
    # Real repositories hold evaluators, benchmark specs and evaluation templates beside
    # environments: any type other than `environment` is another kind of asset.
    for kind in ("component", "evaluator", "benchmarkspec", "humanevaluationtemplate", "somethingnew"):
        other = project / "environments" / f"a-{kind}"
        other.mkdir()
        (other / "asset.yaml").write_text(f"name: x-{kind}\ntype: {kind}\nspec: spec.yaml\n")
    code, report = lint_json(cwd=project)
    assert report["environments"] == 2
    assert not any("a-" in f["path"] for f in report["findings"])


@pytest.mark.parametrize("type_line", ["type: [environment]", "", "type: 7"])
def test_missing_or_non_string_type_is_a_schema_finding(project, type_line):
    write_env(project / "environments", "odd-1.0", {"asset.yaml": f"name: odd-1.0\n{type_line}\nversion: auto\n"
                                                                  "spec: spec.yaml\nextra_config: environment.yaml\n"})
    code, report = lint_json("environments/odd-1.0", cwd=project)
    schema = [f for f in report["findings"] if f["rule"] == "schema"]
    assert code == 1 and schema, report
    assert all(f["path"] == "environments/odd-1.0/asset.yaml" for f in schema)
    assert any("type" in f["message"] for f in schema)


def test_empty_directory_is_not_a_clean_catalog(project):
    (project / "empty").mkdir()
    result = run_cli("lint", "empty", cwd=project)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("catalog: error: no environments found under empty "
                             "(an environment is a directory whose asset.yaml says type: environment)\n")


def test_directory_of_other_assets_is_not_a_clean_catalog(project):
    models = project / "models" / "phi"
    models.mkdir(parents=True)
    (models / "asset.yaml").write_text("name: phi\ntype: model\n")
    result = run_cli("lint", "models", cwd=project)
    assert result.returncode == 2 and "no environments found under models" in result.stderr


def test_configured_roots_without_environments_are_an_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.catalog]\nroots = ["environments"]\n')
    (tmp_path / "environments").mkdir()
    result = run_cli("lint", cwd=tmp_path)
    assert result.returncode == 2 and "no environments found under environments" in result.stderr


def test_file_outside_any_environment_is_skipped_without_claiming_clean(project):
    (project / "README.md").write_text("hi")
    result = run_cli("lint", "README.md", cwd=project)
    assert result.returncode == 0
    assert "All clean" not in result.stdout
    assert result.stdout == "Nothing to lint: no environment owns the given files.\n"


def test_catalog_wide_rules_see_environments_not_named(project):
    write_env(project / "environments", "sklearn-1.5", directory="copy-of-sklearn")
    code, report = lint_json("environments/sklearn-1.5", cwd=project)
    assert {f["rule"] for f in report["findings"]} == {"duplicate", "duplicate-definition"}
    assert all(f["path"].startswith("environments/sklearn-1.5/") for f in report["findings"])


def test_select_and_ignore_by_name_code_and_prefix(project):
    assert lint_json("--ignore", "tag-value", cwd=project)[0] == 0
    assert lint_json("--ignore", "CAT202", cwd=project)[0] == 0
    assert lint_json("--ignore", "CAT2", cwd=project)[0] == 0
    assert lint_json("--select", "naming,schema", cwd=project)[0] == 0
    assert lint_json("--select", "tag-value", cwd=project)[0] == 1


def test_unknown_rule_is_a_usage_error(project):
    result = run_cli("lint", "--select", "tag-valu", cwd=project)
    assert result.returncode == 2 and "unknown rule 'tag-valu'" in result.stderr and "Traceback" not in result.stderr


def test_strict_makes_warnings_fail(project):
    write_env(project / "environments", "sklearn-1.5", {"environment.yaml": ENVIRONMENT.replace("public", "internal")})
    assert run_cli("lint", "--select", "image-name", cwd=project).returncode == 0
    assert run_cli("lint", "--select", "image-name", "--strict", cwd=project).returncode == 1


def test_config_select_ignore_and_required_tags(project):
    (project / "pyproject.toml").write_text(
        '[tool.catalog]\nroots = ["environments"]\nignore = ["tag-value"]\nrequired-tags = ["OS", "Owner"]\n'
    )
    code, report = lint_json(cwd=project)
    assert code == 1
    assert {(f["rule"], f["message"]) for f in report["findings"]} == {("required-tag", "spec has no Owner tag")}


def test_per_path_ignores(project):
    (project / "pyproject.toml").write_text(
        '[tool.catalog]\nroots = ["environments"]\n[tool.catalog.per-path-ignores]\n"environments/lightgbm-*" = '
        '["tag-value"]\n'
    )
    assert lint_json(cwd=project)[0] == 0


@pytest.mark.parametrize(
    "comment_line",
    ["  Python: 3.10  # catalog: ignore[tag-value]", "  Python: 3.10  # catalog: ignore[naming, CAT202]"],
)
def test_inline_ignore_in_yaml(project, comment_line):
    spec = project / "environments" / "lightgbm-4.5" / "spec.yaml"
    spec.write_text(spec.read_text().replace("  Python: 3.10", comment_line))
    assert lint_json(cwd=project)[0] == 0


def test_inline_ignore_for_another_rule_does_not_suppress(project):
    spec = project / "environments" / "lightgbm-4.5" / "spec.yaml"
    spec.write_text(spec.read_text().replace("  Python: 3.10", "  Python: 3.10  # catalog: ignore[naming]"))
    assert lint_json(cwd=project)[0] == 1


def test_inline_ignore_in_dockerfile_on_line_above(project):
    dockerfile = project / "environments" / "sklearn-1.5" / "context" / "Dockerfile"
    dockerfile.write_text("# catalog: ignore[base-registry]\nFROM ubuntu:22.04\n" + DOCKERFILE.split("\n", 1)[1])
    code, report = lint_json("environments/sklearn-1.5", cwd=project)
    assert code == 0, report


def test_inline_ignore_holds_in_a_file_with_a_byte_that_is_not_utf8(project):
    """The rule reads requirements.txt leniently; the suppression must read it the same way,
    or one bad byte on another line silently disables the comment."""
    requirements = project / "environments" / "sklearn-1.5" / "context" / "requirements.txt"
    requirements.write_bytes(b"--extra-index-url https://pkgs.example.com/simple  # catalog: ignore[extra-index-url]\n"
                             + requirements.read_bytes() + b"# caf\xe9\n")
    code, report = lint_json("environments/sklearn-1.5", cwd=project)
    assert code == 0, report
    requirements.write_bytes(requirements.read_bytes().replace(b"  # catalog: ignore[extra-index-url]", b""))
    code, report = lint_json("environments/sklearn-1.5", cwd=project)
    assert code == 1 and [f["rule"] for f in report["findings"]] == ["extra-index-url"]


def test_inline_ignore_holds_in_a_dockerfile_that_is_not_utf8(project):
    """The Dockerfile's strict parse fails on a bad byte; its comments are still read, leniently."""
    dockerfile = project / "environments" / "sklearn-1.5" / "context" / "Dockerfile"
    dockerfile.write_bytes(dockerfile.read_bytes() + b"# catalog: ignore[dockerfile-syntax]\nRUN echo caf\xe9\n")
    code, report = lint_json("environments/sklearn-1.5", "--select", "dockerfile-syntax", cwd=project)
    assert code == 0, report
    dockerfile.write_bytes(dockerfile.read_bytes().replace(b"# catalog: ignore[dockerfile-syntax]\n", b""))
    code, report = lint_json("environments/sklearn-1.5", "--select", "dockerfile-syntax", cwd=project)
    assert code == 1 and "not valid UTF-8" in report["findings"][0]["message"]


def test_missing_path_is_a_usage_error(project):
    result = run_cli("lint", "nope", cwd=project)
    assert result.returncode == 2 and result.stderr.strip() == "catalog: error: nope: no such file or directory"


def test_no_catalog_is_a_usage_error(tmp_path):
    result = run_cli("lint", cwd=tmp_path)
    assert result.returncode == 2 and "environments is not a directory" in result.stderr


@pytest.mark.parametrize(
    "pyproject, expected",
    [
        ("[tool.catalog\n", "invalid TOML"),
        ('[tool.catalog]\nroots = "environments"\n', "$.roots: 'environments' is not of type 'array'"),
        ('[tool.catalog]\nrots = ["x"]\n', "unknown key 'rots'"),
        ('[tool.catalog]\nnaming-skip = "("\n', "naming-skip: invalid regular expression"),
    ],
)
def test_bad_configuration(tmp_path, pyproject, expected):
    (tmp_path / "pyproject.toml").write_text(pyproject)
    result = run_cli("lint", cwd=tmp_path)
    assert result.returncode == 2
    assert "pyproject.toml" in result.stderr and expected in result.stderr and "Traceback" not in result.stderr


def test_today_option(project):
    write_env(project / "environments", "sklearn-1.5", {"spec.yaml": SPEC + '  Deprecated: ""\n  DeleteOn: '
                                                                            '"2027-01-01"\n'})
    assert (
        run_cli("lint", "--select", "deprecation", "--today", "2027-01-02", cwd=project).stdout.count("has passed") == 1
    )
    result = run_cli("lint", "--today", "tomorrow", cwd=project)
    assert result.returncode == 2 and "--today 'tomorrow'" in result.stderr


def test_output_file_is_written_atomically(project):
    out = project / "reports" / "lint.json"
    result = run_cli("lint", "--format", "json", "-o", str(out), cwd=project)
    assert result.returncode == 1 and result.stdout == ""
    assert json.loads(out.read_text())["errors"] == 1
    assert [p.name for p in out.parent.iterdir()] == ["lint.json"]


def test_rules_command_lists_and_explains():
    result = run_cli("rules", cwd=".")
    assert result.returncode == 0
    names = [line.split()[1] for line in result.stdout.splitlines()]
    for name in ["yaml-syntax", "schema", "missing-file", "name-mismatch", "version-mismatch", "reserved-prefix",
                 "image-name", "required-tag", "tag-value", "naming", "deprecation", "curated-base",
                 "unpinned-base", "base-registry", "extra-index-url", "template-tag", "build-context",
                 "duplicate", "version"]:
        assert name in names
    explained = run_cli("rules", "tag-value", cwd=".")
    assert "**Bad:**" in explained.stdout and "Python: 3.10" in explained.stdout
    assert run_cli("rules", "nope", cwd=".").returncode == 2


def test_rules_command_lists_and_explains_the_build_policy():
    listed = run_cli("rules", "--policy", cwd=".")
    assert listed.returncode == 0
    assert [line.split()[:3] for line in listed.stdout.splitlines()] == [
        ["BLD001", "eol-python", "error"], ["BLD002", "ubuntu-20-04-base", "warning"],
        ["BLD003", "mixed-azure-ml-sdks", "error"], ["BLD004", "pip-conflict", "warning"]]
    assert "BLD001" not in run_cli("rules", cwd=".").stdout  # the lint rules alone
    explained = run_cli("rules", "BLD003", cwd=".")
    assert explained.stdout.startswith("BLD003 mixed-azure-ml-sdks (error)") and "**Why:**" in explained.stdout
    assert json.loads(run_cli("rules", "pip-conflict", "--format", "json", cwd=".").stdout)[0]["code"] == "BLD004"


def test_rules_have_stable_unique_codes_and_full_docs():
    from catalog.lint.rules import all_rules

    rules = all_rules()
    assert len({r.code for r in rules}) == len(rules) == len({r.name for r in rules})
    for r in rules:
        assert r.summary and "**Why:**" in r.body and "**Bad" in r.body and "**Good" in r.body, r.name


def test_version_and_help():
    assert run_cli("--version", cwd=".").stdout.startswith("envcatalog, version")
    assert run_cli("lint", "--help", cwd=".").returncode == 0
    assert run_cli("lint", "--format", "xml", cwd=".").returncode == 2


def test_lint_does_not_import_heavy_modules(tmp_path):
    """Start-up is most of linting one environment: the site's libraries, jsonschema (a clean
    catalog passes the quick schema check) and multiprocessing (few environments) stay out."""
    write_env(tmp_path / "environments")
    (tmp_path / "pyproject.toml").write_text('[tool.catalog]\nroots = ["environments"]\nignore = ["naming"]\n')
    heavy = ("mkdocs", "requests", "jinja2", "material", "jsonschema", "multiprocessing", "concurrent.futures")
    probe = (
        "import sys, runpy; sys.argv=['catalog','lint']\n"
        "try:\n    runpy.run_module('catalog', run_name='__main__')\nexcept SystemExit: pass\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr


def test_readme_rules_table_matches_the_registry():
    from catalog.lint.rules import all_rules
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text()
    for r in all_rules():
        assert f"| `{r.code}` | `{r.name}` | {r.severity.value} | {r.summary} |" in readme, r.name


def test_a_tree_outside_every_root_is_a_catalog_of_its_own(project, tmp_path):
    other = tmp_path / "other-repo" / "assets"
    write_env(other, "sklearn-1.5")  # the same name as the repository's own sklearn-1.5
    result = run_cli("lint", str(other), cwd=project)
    assert result.returncode == 0, result.stdout
    assert "duplicate" not in result.stdout and result.stdout == "All clean: 1 environment checked.\n"
    # inside the repository the two still meet
    write_env(project / "environments", "sklearn-1.5", directory="copy/sklearn-1.5")
    inside = run_cli("lint", "environments/copy", cwd=project)
    assert inside.returncode == 1 and "CAT004 duplicate" in inside.stdout


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_versions_commands_take_an_environments_directory_anywhere(project, tmp_path, where):
    directory = (project / "environments" / "sklearn-1.5") if where == "inside" else \
        write_env(tmp_path / "elsewhere", "elsewhere-1.0")
    result = run_cli("hash", str(directory), cwd=project)
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    digest, name = line.split()
    assert digest.startswith("sha256:") and name == directory.name
    assert run_cli("hash", str(tmp_path / "nothing-here"), cwd=project).returncode == 2
