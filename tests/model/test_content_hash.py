"""The content hash: what determines the image, and nothing else."""

from catalog.model import load_catalog
from catalog.model.content_hash import content_hash, rough_key
from tests.conftest import DOCKERFILE, REQUIREMENTS, SPEC, findings, write_env

FIXED = DOCKERFILE.replace("NAME", "fixed")  # the same Dockerfile whatever the environment is called


def hash_of(root, name="sklearn-1.5", **files):
    files.setdefault("context/Dockerfile", FIXED)
    write_env(root, name, files)
    [env] = [e for e in load_catalog([root]).environments if e.name == name]
    return content_hash(env)


def test_name_version_description_and_tags_do_not_count(tmp_path):
    base = hash_of(tmp_path / "a")
    assert hash_of(tmp_path / "b", "renamed-2.0") == base
    spec = SPEC.replace("A scikit-learn environment for tests.", "Something else.").replace('Python: "3.10"', 'Python: '
                                                                                                              '"3.11"')
    assert hash_of(tmp_path / "c", **{"spec.yaml": spec, "description.md": "# other\n"}) == base
    asset = (tmp_path / "a" / "sklearn-1.5" / "asset.yaml").read_text().replace("version: auto", "version: 7")
    assert hash_of(tmp_path / "d", **{"asset.yaml": asset}) == base


def test_package_pins_and_their_order_count(tmp_path):
    base = hash_of(tmp_path / "a")
    assert hash_of(tmp_path / "b", **{"context/requirements.txt": REQUIREMENTS.replace("1.5.2", "1.5.1")}) != base
    reordered = "".join(reversed(REQUIREMENTS.splitlines(keepends=True)))
    assert hash_of(tmp_path / "c", **{"context/requirements.txt": reordered}) != base


def test_base_image_and_instructions_count_but_comments_and_layout_do_not(tmp_path):
    base = hash_of(tmp_path / "a")
    assert hash_of(tmp_path / "b", **{"context/Dockerfile": FIXED.replace("ubuntu22.04", "ubuntu20.04")}) != base
    assert hash_of(tmp_path / "c", **{"context/Dockerfile": FIXED + "ENV A=1\n"}) != base
    commented = "# syntax=docker/dockerfile:1\n# a comment\n\n" + FIXED.replace(
        "RUN pip install --no-cache-dir", "RUN pip install --no-cache-dir \\\n   ")
    assert hash_of(tmp_path / "d", **{"context/Dockerfile": commented}) == base
    assert hash_of(tmp_path / "e", **{"context/Dockerfile": FIXED.replace("FROM", "from")}) == base


def test_only_copied_context_files_count(tmp_path):
    base = hash_of(tmp_path / "a")
    assert hash_of(tmp_path / "b", **{"context/NOTES.md": "not copied\n"}) == base
    copy_all = FIXED.replace("COPY requirements.txt /tmp/requirements.txt", "COPY . /tmp/")
    with_notes = hash_of(tmp_path / "c", **{"context/Dockerfile": copy_all, "context/NOTES.md": "copied\n"})
    assert with_notes != hash_of(tmp_path / "d", **{"context/Dockerfile": copy_all, "context/NOTES.md": "changed\n"})


def test_pinned_texts_hash_like_files_that_hold_them(tmp_path):
    write_env(tmp_path / "a", "sklearn-1.5", {"context/Dockerfile": FIXED})
    [env] = load_catalog([tmp_path / "a"]).environments
    pinned_requirements = REQUIREMENTS.replace("{{latest-pypi-version}}", "1.58.0")
    pinned = content_hash(env, {"requirements.txt": pinned_requirements})
    assert pinned != content_hash(env)
    assert pinned == hash_of(tmp_path / "b", **{"context/requirements.txt": pinned_requirements})


def test_prebuilt_environment_hashes_the_image_it_names(tmp_path):
    # the image of a pre-built environment is environment.yaml's image.name; the spec names it
    # through {{image.name}} and says nothing of its own
    environment = "image:\n  name: mcr.microsoft.com/azureml/core:2.0\n  os: linux\n"
    spec = SPEC.split("build:")[0] + 'image: "{{image.name}}"\nos_type: linux\n'
    first = hash_of(tmp_path / "a", **{"environment.yaml": environment, "spec.yaml": spec})
    second = hash_of(
        tmp_path / "b", **{"environment.yaml": environment.replace("core:2.0", "core:3.0"), "spec.yaml": spec}
    )
    same = hash_of(tmp_path / "c", **{"environment.yaml": environment, "spec.yaml": spec.replace("os_type", "# a "
                                                                                                            "comment\nos_type")})
    assert first != second
    assert first == same


def test_equal_definitions_are_grouped_and_reported_once_each(catalog_root):
    write_env(catalog_root, "sklearn-1.5", {"context/Dockerfile": FIXED})
    write_env(catalog_root, "sklearn-1.5-copy", {"context/Dockerfile": FIXED})
    write_env(catalog_root, "other-1.0", {"context/Dockerfile": FIXED, "context/requirements.txt": "six==1.16.0\n"})
    groups = load_catalog([catalog_root]).equal_definitions
    assert [sorted(e.name for e in group) for group in groups.values()] == [["sklearn-1.5", "sklearn-1.5-copy"]]
    found = {f.environment: f for f in findings(catalog_root, "duplicate-definition")}
    assert sorted(found) == ["sklearn-1.5", "sklearn-1.5-copy"]
    assert "builds the same image as sklearn-1.5-copy" in found["sklearn-1.5"].message
    assert found["sklearn-1.5"].location.path.name == "asset.yaml"


def test_rough_key_is_shared_by_equal_hashes(tmp_path):
    write_env(tmp_path / "a", "one-1.0", {"context/Dockerfile": FIXED})
    commented = "# comment\n" + FIXED.replace("FROM", "from")
    write_env(tmp_path / "b", "two-1.0", {"context/Dockerfile": commented})
    [one], [two] = load_catalog([tmp_path / "a"]).environments, load_catalog([tmp_path / "b"]).environments
    assert content_hash(one) == content_hash(two) and rough_key(one) == rough_key(two)


def test_exec_and_shell_forms_differ(tmp_path):
    exec_form = hash_of(tmp_path / "a", **{"context/Dockerfile": FIXED + 'RUN ["echo", "hi"]\n'})
    shell_form = hash_of(tmp_path / "b", **{"context/Dockerfile": FIXED + "RUN echo hi\n"})
    assert exec_form != shell_form


def test_a_fifo_in_a_copied_context_does_not_block_the_hash(tmp_path):
    import os

    copy_all = FIXED.replace("COPY requirements.txt /tmp/requirements.txt", "COPY . /tmp/")
    write_env(tmp_path / "a", "sklearn-1.5", {"context/Dockerfile": copy_all})
    os.mkfifo(tmp_path / "a" / "sklearn-1.5" / "context" / "pipe")
    [env] = load_catalog([tmp_path / "a"]).environments
    assert content_hash(env).startswith("sha256:")  # returns: the FIFO is never opened
