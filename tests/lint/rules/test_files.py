"""yaml-syntax, schema, missing-file and version."""

import pytest

from tests.conftest import ASSET, ENVIRONMENT, SPEC, findings, messages, write_env


def only(root, rule):
    return [(f.location.path.name, f.location.line, f.location.column, f.message) for f in findings(root, rule)]


class TestYamlSyntax:
    def test_duplicate_key_points_at_second_occurrence(self, catalog_root):
        write_env(catalog_root, files={"asset.yaml": ASSET + "name: other\n"})
        [(name, line, column, message)] = only(catalog_root, "yaml-syntax")
        assert (name, line, column) == ("asset.yaml", 7, 1)
        assert "duplicate key 'name' (first at line 1)" in message

    def test_invalid_yaml_reports_parser_position(self, catalog_root):
        write_env(catalog_root, files={"spec.yaml": "name: [unclosed\nversion: 1\n"})
        [(name, line, _, message)] = only(catalog_root, "yaml-syntax")
        assert name == "spec.yaml" and line == 2 and message.startswith("invalid YAML")

    @pytest.mark.parametrize(
        "content, expected",
        [
            ("", "file is empty"),
            ("# just a comment\n", "file is empty"),
            ("- a\n- b\n", "found a list"),
            ("just a string\n", "found a str"),
            ("a: 1\n---\nb: 2\n", "expected one YAML document"),
            ("a: !!python/object:os.system x\n", "unsupported YAML tag"),
        ],
    )
    def test_not_a_single_mapping(self, catalog_root, content, expected):
        write_env(catalog_root, files={"environment.yaml": content})
        assert any(expected in m for m in messages(catalog_root, "yaml-syntax"))

    def test_non_utf8_names_line(self, catalog_root):
        write_env(catalog_root, files={"spec.yaml": SPEC.encode() + b"tags2: \xff\xfe\n"})
        [(name, line, _, message)] = only(catalog_root, "yaml-syntax")
        assert name == "spec.yaml" and line == 13 and "not valid UTF-8" in message

    def test_utf8_bom_is_accepted(self, catalog_root):
        write_env(catalog_root, files={"asset.yaml": b"\xef\xbb\xbf" + ASSET.replace("NAME", "sklearn-1.5").encode()})
        assert findings(catalog_root) == []

    def test_alias_bomb_is_bounded(self, catalog_root):
        bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        previous = "a"
        for level in "bcdefghi":
            bomb += f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]\n"
            previous = level
        write_env(catalog_root, files={"spec.yaml": bomb})
        [(name, line, _, message)] = only(catalog_root, "yaml-syntax")
        assert name == "spec.yaml" and line == 7 and "expands to more than 2 MB of text (alias *f here)" in message

    def test_aliases_of_template_tags_give_one_finding_not_millions(self, catalog_root):
        tags = "{{nope}}" * 1000
        bomb = SPEC + f'x: &t "{tags}"\ny: &u [' + ", ".join(["*t"] * 200) + "]\nz: [" + ", ".join(["*u"] * 30) + "]\n"
        write_env(catalog_root, files={"spec.yaml": bomb})
        found = findings(catalog_root)
        assert [(f.rule, f.location.path.name, f.location.line) for f in found] == [("yaml-syntax", "spec.yaml", 15)]
        assert "alias *u" in found[0].message

    def test_plain_spec_with_50000_tags_is_accepted(self, catalog_root):
        tags = "".join(f"  Tag{index:05d}: value\n" for index in range(50_000))
        write_env(catalog_root, files={"spec.yaml": SPEC + tags.replace("  Tag00000", "  Extra")})
        assert messages(catalog_root, "yaml-syntax", "schema") == []

    @pytest.mark.parametrize("value", ["!!python/object:foo.Bar {a: 1}", "!custom [1]", "!!python/object/new:os.system "
                                                                                        "[ls]"])
    def test_tagged_mapping_or_list_is_named_with_its_line(self, catalog_root, value):
        write_env(catalog_root, files={"spec.yaml": SPEC.replace("tags:\n", f"tags: {value}\nx:\n")})
        [(name, line, _, message)] = only(catalog_root, "yaml-syntax")
        assert (name, line) == ("spec.yaml", 9) and "unsupported YAML tag" in message

    def test_deep_nesting_is_bounded(self, catalog_root):
        write_env(catalog_root, files={"spec.yaml": "a: " + "[" * 100000 + "]" * 100000 + "\n"})
        assert messages(catalog_root, "yaml-syntax") == ["YAML is nested deeper than 64 levels"]

    def test_directory_instead_of_file(self, catalog_root):
        env = write_env(catalog_root, files={"spec.yaml": None})
        (env / "spec.yaml").mkdir()
        assert any("is a directory" in m for m in messages(catalog_root, "yaml-syntax"))

    def test_large_file_is_refused_without_reading(self, catalog_root):
        env = write_env(catalog_root)
        with open(env / "spec.yaml", "ab") as handle:
            handle.truncate(50 * 1024 * 1024)
        assert any("50.0 MB" in m and "limit" in m for m in messages(catalog_root, "yaml-syntax"))


class TestSchema:
    def test_unknown_spec_key_is_named_with_its_line(self, catalog_root):
        write_env(catalog_root, files={"spec.yaml": SPEC + "os-type: linux\n"})
        [(name, line, column, message)] = only(catalog_root, "schema")
        assert (name, line, column) == ("spec.yaml", 13, 1)
        assert "$: unknown key 'os-type'" in message

    def test_json_path_of_nested_error(self, catalog_root):
        spec = SPEC + (
            "inference_config:\n  liveness_route: {path: /, port: http}\n"
            "  readiness_route: {path: /, port: 5001}\n  scoring_route: {path: /score, port: 5001}\n"
        )
        write_env(catalog_root, files={"spec.yaml": spec})
        [(_, line, _, message)] = only(catalog_root, "schema")
        assert line == 14
        assert "$.inference_config.liveness_route.port" in message and "integer" in message

    def test_inference_config_needs_all_three_routes(self, catalog_root):
        spec = SPEC + "inference_config:\n  liveness_route: {path: /, port: 5001}\n"
        write_env(catalog_root, files={"spec.yaml": spec})
        found = messages(catalog_root, "schema")
        assert any("readiness_route" in m for m in found) and any("scoring_route" in m for m in found)

    def test_image_and_build_together_is_an_error(self, catalog_root):
        write_env(catalog_root, files={"spec.yaml": SPEC + "image: mcr.microsoft.com/x:1\n"})
        assert any("exactly one of 'image'" in m for m in messages(catalog_root, "schema"))

    def test_neither_image_nor_build_is_an_error(self, catalog_root):
        spec = "\n".join(
            line
            for line in SPEC.splitlines()
            if "build" not in line and "dockerfile_path" not in line and "path:" not in line
        )
        write_env(catalog_root, files={"spec.yaml": spec + "\n"})
        assert any("exactly one of 'image'" in m for m in messages(catalog_root, "schema"))

    @pytest.mark.parametrize("os_type, ok", [("linux", True), ("Linux", True), ("WINDOWS", True), ("macos", False)])
    def test_os_type_is_case_insensitive(self, catalog_root, os_type, ok):
        write_env(catalog_root, files={"spec.yaml": SPEC.replace("os_type: linux", f"os_type: {os_type}")})
        assert (messages(catalog_root, "schema") == []) is ok

    def test_environment_os_enum(self, catalog_root):
        write_env(catalog_root, files={"environment.yaml": ENVIRONMENT.replace("os: linux", "os: macos")})
        [(name, line, column, message)] = only(catalog_root, "schema")
        assert (name, line) == ("environment.yaml", 3) and "$.image.os" in message

    def test_asset_requires_spec_and_extra_config(self, catalog_root):
        write_env(catalog_root, files={"asset.yaml": "name: NAME\nversion: auto\ntype: environment\n"})
        found = messages(catalog_root, "schema")
        assert any("'spec' is a required property" in m for m in found)
        assert any("'extra_config' is a required property" in m for m in found)

    def test_pytest_takes_one_requirements_kind(self, catalog_root):
        env = write_env(
            catalog_root,
            files={
                "asset.yaml": ASSET
                + "test:\n  pytest:\n    enabled: true\n    pip_requirements: r.txt\n    conda_environment: c.yml\n",
                "r.txt": "pytest\n",
                "c.yml": "name: x\n",
            },
        )
        assert any("either pip_requirements or conda_environment" in m for m in messages(catalog_root, "schema"))
        assert env


class TestMissingFile:
    def test_missing_dockerfile(self, catalog_root):
        write_env(catalog_root, files={"context/Dockerfile": None})
        [(name, line, _, message)] = only(catalog_root, "missing-file")
        assert (name, line) == ("environment.yaml", 6) and "Dockerfile 'Dockerfile' does not exist" in message

    def test_missing_context_dir(self, catalog_root):
        write_env(catalog_root, files={"environment.yaml": ENVIRONMENT.replace("dir: context", "dir: ctx")})
        assert messages(catalog_root, "missing-file") == ["build context directory 'ctx' does not exist"]

    def test_missing_spec_description_and_template_file(self, catalog_root):
        write_env(
            catalog_root,
            files={
                "spec.yaml": None,
                "description.md": None,
                "environment.yaml": ENVIRONMENT.replace("- requirements.txt", "- conda.yaml"),
            },
        )
        found = messages(catalog_root, "missing-file")
        assert "spec file 'spec.yaml' does not exist" in found
        assert "description file 'description.md' does not exist" in found
        assert "template file 'conda.yaml' does not exist in the build context" in found

    def test_release_paths_with_exclusions(self, catalog_root):
        env = write_env(catalog_root, files={"asset.yaml": ASSET + "release_paths:\n  - ../src\n  - '!../src/test'\n  "
                                                                   "- ../gone\n"})
        (env.parent / "src" / "test").mkdir(parents=True)
        [(name, line, _, message)] = only(catalog_root, "missing-file")
        assert (name, line) == ("asset.yaml", 10) and "'../gone'" in message

    def test_spec_conda_file(self, catalog_root):
        write_env(catalog_root, files={"spec.yaml": SPEC + "conda_file: conda.yaml\n"})
        assert messages(catalog_root, "missing-file") == ["conda_file 'conda.yaml' does not exist"]

    def test_symlink_loop_as_spec(self, catalog_root):
        env = write_env(catalog_root, files={"spec.yaml": None})
        (env / "spec.yaml").symlink_to(env / "spec.yaml")
        found = messages(catalog_root, "yaml-syntax")
        assert any("cannot read file" in m for m in found)


class TestVersion:
    @pytest.mark.parametrize("value", ["auto", "1", "42"])
    def test_good(self, catalog_root, value):
        write_env(catalog_root, files={"asset.yaml": ASSET.replace("version: auto", f"version: {value}")})
        assert messages(catalog_root, "version") == []

    @pytest.mark.parametrize(
        "value, shown",
        [("0", "0"), ("-1", "-1"), ("1.5", "1.5"), ("latest", "latest"), ("true", "true"), ("'01'", "01")],
    )
    def test_bad(self, catalog_root, value, shown):
        write_env(catalog_root, files={"asset.yaml": ASSET.replace("version: auto", f"version: {value}")})
        [(name, line, _, message)] = only(catalog_root, "version")
        assert (name, line) == ("asset.yaml", 2)
        assert f"version '{shown}'" in message or f"version {shown}" in message
