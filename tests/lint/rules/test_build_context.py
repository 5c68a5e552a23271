"""extra-index-url, template-tag and build-context."""

import os

import pytest

from tests.conftest import DOCKERFILE, ENVIRONMENT, SPEC, findings, messages, write_env


class TestExtraIndexUrl:
    @pytest.mark.parametrize(
        "file, text",
        [
            ("context/requirements.txt", "--extra-index-url https://pkgs.example.com/simple\nsix==1.16.0\n"),
            ("context/pip.conf", "[global]\nextra-index-url = https://pkgs.example.com/simple\n"),
            ("context/Dockerfile", DOCKERFILE + "ENV PIP_EXTRA_INDEX_URL=https://pkgs.example.com/simple\n"),
            ("context/nested/conda.yaml", "dependencies:\n  - pip:\n    - --Extra-Index-Url https://x\n"),
        ],
    )
    def test_found_with_line(self, catalog_root, file, text):
        write_env(catalog_root, files={file: text})
        [finding] = findings(catalog_root, "extra-index-url")
        expected_line = next(
            i for i, line in enumerate(text.splitlines(), 1) if "index" in line.lower() and "extra" in line.lower()
        )
        assert finding.location.path.name == os.path.basename(file) and finding.location.line == expected_line

    def test_in_environment_yaml(self, catalog_root):
        write_env(catalog_root, files={"environment.yaml": ENVIRONMENT + "# pip: --extra-index-url https://x\n"})
        [finding] = findings(catalog_root, "extra-index-url")
        assert finding.location.path.name == "environment.yaml" and finding.location.line == 13

    def test_binary_file_is_skipped(self, catalog_root):
        write_env(catalog_root, files={"context/model.bin": b"\x00\x01extra-index-url\x00" * 100})
        assert messages(catalog_root, "extra-index-url") == []

    def test_large_file_is_scanned_in_chunks(self, catalog_root):
        env = write_env(catalog_root)
        big = env / "context" / "big.txt"
        with open(big, "w") as handle:
            for _ in range(40000):
                handle.write("x" * 60 + "\n")
            handle.write("--extra-index-url https://x\n")
        [finding] = findings(catalog_root, "extra-index-url")
        assert finding.location.line == 40001

    def test_index_url_alone_is_fine(self, catalog_root):
        write_env(catalog_root, files={"context/requirements.txt": "--index-url https://mirror/simple\nsix==1.16.0\n"})
        assert messages(catalog_root, "extra-index-url") == []


class TestTemplateTag:
    def test_unknown_spec_tag(self, catalog_root):
        write_env(
            catalog_root,
            files={"spec.yaml": SPEC.replace("{{asset.repo.build_context.path}}", "{{image.context.dir}}")},
        )
        [finding] = findings(catalog_root, "template-tag")
        assert finding.location.line == 6 and "unknown template tag {{image.context.dir}}" in finding.message

    def test_build_tag_in_spec(self, catalog_root):
        write_env(catalog_root, files={"spec.yaml": SPEC + '  Version: "{{latest-pypi-version}}"\n'})
        assert any("only in build context template_files" in m for m in messages(catalog_root, "template-tag"))

    def test_tag_in_file_not_listed(self, catalog_root):
        write_env(catalog_root, files={"environment.yaml": ENVIRONMENT.replace("      - requirements.txt\n", "")})
        [finding] = findings(catalog_root, "template-tag")
        assert finding.location.path.name == "requirements.txt" and finding.location.line == 2
        assert "not in template_files" in finding.message

    def test_default_template_files_is_dockerfile(self, catalog_root):
        environment = ENVIRONMENT.replace("    template_files:\n      - Dockerfile\n      - requirements.txt\n", "")
        write_env(catalog_root, files={"environment.yaml": environment, "context/requirements.txt": "six==1.16.0\n"})
        assert messages(catalog_root, "template-tag") == []

    def test_regex_with_braces_is_one_tag(self, catalog_root):
        dockerfile = DOCKERFILE.replace("{{latest-image-tag}}", "{{latest-image-tag:biweekly\\.\\d{6}\\.\\d{1}.*}}")
        write_env(catalog_root, files={"context/Dockerfile": dockerfile})
        assert messages(catalog_root, "template-tag") == []

    def test_regex_that_does_not_compile(self, catalog_root):
        dockerfile = DOCKERFILE.replace("{{latest-image-tag}}", "{{latest-image-tag:monthly\\.(\\d{6}}}")
        write_env(catalog_root, files={"context/Dockerfile": dockerfile})
        [finding] = findings(catalog_root, "template-tag")
        assert "does not compile" in finding.message and (finding.location.line, finding.location.column) == (1, 57)

    def test_image_tag_must_follow_image(self, catalog_root):
        write_env(catalog_root, files={"context/Dockerfile": DOCKERFILE + "ARG TAG={{latest-image-tag}}\n"})
        assert any("must follow an image reference" in m for m in messages(catalog_root, "template-tag"))

    @pytest.mark.parametrize(
        "line, ok",
        [
            ("six=={{latest-pypi-version}}", True),
            ("six~={{latest-pypi-version:pre}}", True),
            ("six>={{latest-pypi-version}}", False),
            ("six=={{latest-pypi-version:beta}}", False),
        ],
    )
    def test_pypi_version_placement(self, catalog_root, line, ok):
        write_env(catalog_root, files={"context/requirements.txt": line + "\n"})
        assert (messages(catalog_root, "template-tag") == []) is ok

    def test_unknown_build_file_tag_and_go_templates(self, catalog_root):
        dockerfile = DOCKERFILE + "RUN echo {{latest-conda-version}}\nRUN docker inspect --format '{{ .Id }}' x\n"
        write_env(catalog_root, files={"context/Dockerfile": dockerfile})
        assert messages(catalog_root, "template-tag") == ["unknown template tag {{latest-conda-version}} (build files "
                                                          "may use {{latest-image-tag}} and {{latest-pypi-version}})"]


class TestBuildContext:
    def test_copy_source_missing(self, catalog_root):
        write_env(catalog_root, files={"context/Dockerfile": DOCKERFILE + "COPY scripts/ /opt/scripts/\n"})
        [finding] = findings(catalog_root, "build-context")
        assert (finding.location.line, finding.location.column) == (4, 6)
        assert finding.message == "COPY source 'scripts/' does not exist in the build context"

    def test_copy_source_excluded_by_dockerignore(self, catalog_root):
        write_env(catalog_root, files={"context/.dockerignore": "*.txt\n"})
        assert messages(catalog_root, "build-context") == [
            "COPY source 'requirements.txt' is excluded by .dockerignore"
        ]

    def test_dockerignore_exception_reincludes(self, catalog_root):
        write_env(catalog_root, files={"context/.dockerignore": "*.txt\n!requirements.txt\n"})
        assert messages(catalog_root, "build-context") == []

    def test_json_form_wildcards_and_from_stage(self, catalog_root):
        dockerfile = DOCKERFILE + ('COPY ["requirements.txt", "/x/"]\nCOPY *.txt /y/\nCOPY --from=build /opt '
                                   '/opt\nCOPY *.whl /w/\nADD https://example.com/x.tgz /z\n')
        write_env(catalog_root, files={"context/Dockerfile": dockerfile})
        assert messages(catalog_root, "build-context") == ["COPY source '*.whl' matches nothing in the build context"]

    def test_copy_outside_context(self, catalog_root):
        write_env(catalog_root, files={"context/Dockerfile": DOCKERFILE + "COPY ../spec.yaml /x\n"})
        assert messages(catalog_root, "build-context") == ["COPY source '../spec.yaml' is outside the build context"]

    def test_heredoc_copy_is_not_a_source(self, catalog_root):
        write_env(catalog_root, files={"context/Dockerfile": DOCKERFILE + "COPY <<EOF /etc/x\nhello\nEOF\n"})
        assert messages(catalog_root, "build-context") == []

    def test_context_outside_asset(self, catalog_root):
        (catalog_root / "shared").mkdir()
        (catalog_root / "shared" / "Dockerfile").write_text(DOCKERFILE)
        (catalog_root / "shared" / "requirements.txt").write_text("six==1.16.0\n")
        write_env(catalog_root, files={"environment.yaml": ENVIRONMENT.replace("dir: context", "dir: ../shared")})
        assert "the build context directory is outside the asset directory" in messages(catalog_root, "build-context")

    def test_symlink_leading_outside(self, catalog_root, tmp_path):
        env = write_env(catalog_root)
        (tmp_path / "secret").write_text("x")
        (env / "context" / "secret").symlink_to(tmp_path / "secret")
        (env / "context" / "inside").symlink_to(env / "context" / "requirements.txt")
        assert messages(catalog_root, "build-context") == ["symlink 'secret' leads outside the build context"]

    def test_symlink_loop(self, catalog_root):
        env = write_env(catalog_root)
        (env / "context" / "loop").symlink_to(env / "context" / "loop")
        assert messages(catalog_root, "build-context") == ["symlink loop in the build context"]

    def test_spec_build_without_context(self, catalog_root):
        environment = "image:\n  name: azureml/curated/NAME\n  os: linux\n"
        write_env(catalog_root, files={"environment.yaml": environment})
        assert messages(catalog_root, "build-context") == ["the spec builds from a context, but environment.yaml has "
                                                           "no image.context"]

    def test_prebuilt_image_over_a_context_is_a_warning(self, catalog_root):
        spec = (
            SPEC.split("build:")[0]
            + 'image: "mcr.microsoft.com/azureml/curated/other:3"\n'
            + SPEC.split('dockerfile_path: "{{image.dockerfile.path}}"\n')[1]
        )
        write_env(catalog_root, files={"spec.yaml": spec})
        [finding] = findings(catalog_root, "build-context")
        assert "the context is never built" in finding.message

    @pytest.mark.parametrize("image", ['"{{image.publish.hostname}}/{{image.name}}:{{asset.version}}"',
                                       '"{{ image.publish.hostname }}/{{ image.name }}:{{ asset.version }}"'])
    def test_spec_naming_its_own_published_image_is_standard(self, catalog_root, image):
        spec = SPEC.split("build:")[0] + f"image: {image}\n" + SPEC.split("dockerfile_path: "
                                                                          "\"{{image.dockerfile.path}}\"\n")[1]
        write_env(catalog_root, files={"spec.yaml": spec})
        assert messages(catalog_root, "build-context") == []
