"""``catalog release`` on the cases the azureml-assets release tooling tests itself with
(its update and build fixtures, reproduced here with our own files): a version written as
a string in the spec, a pre-built image named with a template tag, a build context outside
the asset, and pre-built environments that differ only in their image."""

from __future__ import annotations

import json

import yaml

from tests.conftest import run_cli, write_env
from tests.servers.fixtures import BASE_REPOSITORY, BASE_TAGS

PREBUILT_ASSET = "name: NAME\ntype: environment\nspec: spec.yaml\nextra_config: environment.yaml\n"
PREBUILT_SPEC = ('$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\n'
                 'description: A pre-built image.\nname: "{{asset.name}}"\nversion: "{{asset.version}}"\n'
                 'image: "{{image.name}}"\nos_type: linux\ntags:\n  OS: Ubuntu22.04\n  Python: "3.10"\n')


def prebuilt(project, name: str, image: str, version: str = "auto"):
    return write_env(project / "environments", name, {
        "asset.yaml": PREBUILT_ASSET.replace("type:", f"version: {version}\ntype:"),
        "environment.yaml": f"image:\n  name: \"{image}\"\n  os: linux\n",
        "spec.yaml": PREBUILT_SPEC, "context/Dockerfile": None, "context/requirements.txt": None,
        "description.md": None,
    })


def release_json(project, name: str, version: int) -> dict:
    return json.loads((project / "releases" / name / str(version) / "release.json").read_text())


def test_a_version_written_as_a_string_in_the_spec_is_that_version(project):
    asset = project / "environments/sklearn-1.5/asset.yaml"
    asset.write_text(asset.read_text().replace("version: auto\n", ""))
    spec = project / "environments/sklearn-1.5/spec.yaml"
    spec.write_text(spec.read_text().replace('version: "{{asset.version}}"', 'version: "2"'))
    assert run_cli("lint", "--select", "version,version-mismatch", cwd=project).returncode == 0  # lint accepts it
    result = run_cli("release", "sklearn-1.5", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "sklearn-1.5: new version 2" in result.stdout and release_json(project, "sklearn-1.5", 2)["version"] == 2
    # and "02" is neither, for lint and release alike
    spec.write_text(spec.read_text().replace('version: "2"', 'version: "02"'))
    assert run_cli("lint", "--select", "version", cwd=project).returncode == 1
    assert run_cli("release", "sklearn-1.5", cwd=project).returncode == 1


def test_a_prebuilt_image_named_with_a_template_tag_is_pinned_in_the_release(project):
    prebuilt(project, "base-image", f"mcr.microsoft.com/{BASE_REPOSITORY}:{{{{latest-image-tag}}}}")
    result = run_cli("release", "base-image", cwd=project)
    assert result.returncode == 0, result.stderr
    released = project / "releases/base-image/1"
    pinned = f"mcr.microsoft.com/{BASE_REPOSITORY}:{BASE_TAGS[-1]}"
    assert yaml.safe_load((released / "environment.yaml").read_text())["image"]["name"] == pinned
    assert yaml.safe_load((released / "spec.yaml").read_text())["image"] == pinned
    assert release_json(project, "base-image", 1)["image"] == pinned  # as it is: no second registry in front
    assert "{{" in (project / "environments/base-image/environment.yaml").read_text()  # the source keeps its tag


def test_a_prebuilt_image_whose_tag_cannot_be_resolved_fails_the_release(project):
    prebuilt(project, "no-latest", "mcr.microsoft.com/azureml/no-latest:{{latest-image-tag}}")
    result = run_cli("release", "no-latest", cwd=project)
    assert result.returncode == 1
    assert "environments/no-latest/environment.yaml:2:" in result.stderr and "has no tag latest" in result.stderr
    assert not (project / "releases" / "no-latest").exists()


def test_prebuilt_environments_are_their_image(project):
    prebuilt(project, "core", "mcr.microsoft.com/azureml/core:2.0")
    assert run_cli("release", "core", cwd=project).returncode == 0
    first = release_json(project, "core", 1)
    assert first["image"] == "mcr.microsoft.com/azureml/core:2.0"
    assert "core: unchanged" in run_cli("release", "core", "-v", cwd=project).stdout
    environment = project / "environments/core/environment.yaml"
    environment.write_text(environment.read_text().replace("core:2.0", "core:3.0"))
    result = run_cli("release", "core", cwd=project)
    assert result.returncode == 0 and "core: new version 2" in result.stdout
    second = release_json(project, "core", 2)
    assert second["image"] == "mcr.microsoft.com/azureml/core:3.0" and second["content_hash"] != first["content_hash"]


def test_a_build_context_outside_the_asset_is_refused_saying_so(project):
    env = project / "environments/sklearn-1.5"
    (project / "shared-context").mkdir()
    for name in ("Dockerfile", "requirements.txt"):
        (env / "context" / name).rename(project / "shared-context" / name)
    (env / "environment.yaml").write_text((env / "environment.yaml").read_text().replace("dir: context", "dir: "
                                                                                                         "../../shared-context"))
    result = run_cli("release", "sklearn-1.5", cwd=project)
    assert result.returncode == 1
    assert "the build context is outside the asset directory" in result.stderr
    assert "template file cannot be read" not in result.stderr
    assert not (project / "releases" / "sklearn-1.5").exists()
