"""What changed between released versions: Dockerfile lines and package versions."""

import pytest

from catalog.model.released import build_files, released_asset
from catalog.records.ledger import Deprecation, ReleaseLedger, ReleaseRecord, file_digests
from catalog.release.diff import (
    ADDED,
    CHANGED,
    DOWNGRADED,
    REMOVED,
    UPGRADED,
    package_changes,
    released_packages,
    version_diff,
)


def release(root, name, version, files):
    """A release written by the ledger's own writer."""
    record = ReleaseRecord(name=name, version=version, date="2026-11-20T10:00:00Z", content_hash="sha256:" + "1" * 64,
                           source_hash="sha256:" + "2" * 64, image=None, base_image=None, source_commit=None,
                           deprecation=Deprecation(False, None, None), packages=(),
                           files=file_digests({k: v.encode() for k, v in files.items()}))
    ReleaseLedger(root).write(record, {k: v.encode() for k, v in files.items()})


def test_package_changes_by_kind():
    old = {"numpy": "1.26.4", "pandas": "2.2.3", "six": "1.16.0", "torch": "2.3.0", "weird": "abc"}
    new = {"numpy": "2.0.1", "pandas": "2.2.2", "scipy": "1.14.1", "torch": "2.3.0", "weird": "def"}
    assert [(c.name, c.kind) for c in package_changes(old, new)] == [
        ("numpy", UPGRADED), ("pandas", DOWNGRADED), ("scipy", ADDED), ("six", REMOVED), ("weird", CHANGED)]


def released_tree(context_dir: str, dockerfile: str, requirements: str) -> dict[str, str]:
    """The files of a released asset whose build context is ``context_dir``."""
    return {"asset.yaml": "name: env-1.0\nversion: auto\ntype: environment\nspec: spec.yaml\n"
                          "extra_config: environment.yaml\n",
            "environment.yaml": f"image:\n  name: azureml/curated/env-1.0\n  os: linux\n  context:\n"
                                f"    dir: {context_dir}\n    dockerfile: Dockerfile\n",
            "spec.yaml": "name: env-1.0\n",
            f"{context_dir}/Dockerfile": dockerfile, f"{context_dir}/requirements.txt": requirements}


@pytest.mark.parametrize("context_dir", ["context", "docker"])
def test_version_diff_reads_the_released_asset_where_its_image_config_puts_the_context(tmp_path, context_dir):
    release(tmp_path, "env-1.0", 1, released_tree(context_dir, "FROM base:1\nRUN pip install torch==2.3.0\n",
                                                  "numpy==1.26.4\nsix==1.16.0\n"))
    release(tmp_path, "env-1.0", 2, released_tree(context_dir, "FROM base:2\nRUN pip install torch==2.4.0\n",
                                                  "numpy==2.0.1\n"))
    first, second = ReleaseLedger(tmp_path).versions("env-1.0")
    diff = version_diff(first, second)
    assert diff.previous == 1
    assert [line for line in diff.dockerfile if line[:1] in "+-"] == [
        "-FROM base:1", "-RUN pip install torch==2.3.0", "+FROM base:2", "+RUN pip install torch==2.4.0"]
    assert [(c.name, c.old, c.new, c.kind) for c in diff.packages] == [
        ("numpy", "1.26.4", "2.0.1", UPGRADED), ("six", "1.16.0", None, REMOVED), ("torch", "2.3.0", "2.4.0", UPGRADED)]
    assert version_diff(None, first).packages == [] and version_diff(None, first).previous is None
    assert [relative for relative, _ in build_files(released_asset(second))] == [
        f"{context_dir}/Dockerfile", f"{context_dir}/requirements.txt"]


def test_a_released_file_linked_outside_is_not_read(tmp_path):
    release(tmp_path, "env-1.0", 1, released_tree("context", "FROM base:1\n", "numpy==1.26.4\n"))
    requirements = tmp_path / "env-1.0" / "1" / "context" / "requirements.txt"
    requirements.unlink()
    requirements.symlink_to("/etc/passwd")
    [version] = ReleaseLedger(tmp_path).versions("env-1.0")
    asset = released_asset(version)
    assert released_packages(asset) == {} and [r for r, _ in build_files(asset)] == ["context/Dockerfile"]
