"""The model reads each file of an environment once, and every reader sees the same text."""

from __future__ import annotations

from catalog import dockerfile_model
from catalog.model import build_context, load_catalog
from tests.conftest import write_env


def test_the_dockerfile_is_read_once_for_the_parse_and_the_rules(tmp_path, monkeypatch):
    write_env(tmp_path / "environments")
    reads = []
    for module in (build_context, dockerfile_model):  # every way the model has of reading a file
        for name in ("read_bytes", "read_text"):
            real = getattr(module, name, None)
            if real is not None:
                monkeypatch.setattr(module, name, lambda path, *a, real=real: reads.append(path) or real(path, *a))
    [env] = load_catalog([tmp_path / "environments"]).environments
    assert env.dockerfile is not None and env.dockerfile.error is None
    assert env.context.text_of(env.context.dockerfile) == env.dockerfile.text
    assert env.facts.packages  # the requirement files, read for the packages they declare
    env.content_hash  # noqa: B018 (hashes the Dockerfile's instructions: no further read)
    assert reads.count(env.context.dockerfile) == 1
    assert len(reads) == len(set(reads))


def test_a_byte_order_mark_is_dropped_by_every_reader(tmp_path):
    env_dir = write_env(tmp_path / "environments")
    requirements = env_dir / "context" / "requirements.txt"
    requirements.write_bytes(b"\xef\xbb\xbf" + requirements.read_bytes())
    dockerfile = env_dir / "context" / "Dockerfile"
    dockerfile.write_bytes(b"\xef\xbb\xbf" + dockerfile.read_bytes())
    [env] = load_catalog([tmp_path / "environments"]).environments
    assert env.dockerfile.error is None and env.dockerfile.text == env.context.text_of(dockerfile)
    assert not any(package.name.startswith("\ufeff") for package in env.facts.packages)
    assert {package.file for package in env.facts.packages} >= {"requirements.txt"}


def test_bytecode_caches_are_no_part_of_the_definition(tmp_path):
    """Running an environment's tests leaves __pycache__ behind: it changes neither the
    content hash, nor the pinned copy, nor what the ledger checks of a released tree."""
    env_dir = write_env(tmp_path / "environments", files={"context/Dockerfile": "FROM python:3.11\nCOPY . /app\n"})
    [before] = load_catalog([tmp_path / "environments"]).environments
    (env_dir / "context" / "__pycache__").mkdir()
    (env_dir / "context" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\x00bytecode")
    [after] = load_catalog([tmp_path / "environments"]).environments
    assert after.content_hash == before.content_hash
    assert not any("__pycache__" in path.parts for path in after.context.files)
    from catalog.pin.copy import asset_files

    assert not any("__pycache__" in relative for relative in asset_files(env_dir))


def test_a_dockerfile_linked_outside_the_asset_is_not_read_for_the_content_hash(tmp_path):
    env_dir = write_env(tmp_path / "environments", files={"context/Dockerfile": None})
    outside = tmp_path / "outside-Dockerfile"
    outside.write_text("FROM secret:1\n")
    (env_dir / "context" / "Dockerfile").symlink_to(outside)
    [env] = load_catalog([tmp_path / "environments"]).environments
    before = env.content_hash
    outside.write_text("FROM secret:2\n")
    [again] = load_catalog([tmp_path / "environments"]).environments
    assert env.dockerfile is None and again.content_hash == before
