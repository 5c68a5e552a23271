"""What changed between released versions: Dockerfile lines and package versions."""

from catalog.records.ledger import Deprecation, ReleaseLedger, ReleaseRecord, file_digests
from catalog.release.diff import ADDED, CHANGED, DOWNGRADED, REMOVED, UPGRADED, package_changes, version_diff


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


def test_version_diff_reads_the_released_files(tmp_path):
    release(tmp_path, "env-1.0", 1, {"context/Dockerfile": "FROM base:1\nRUN pip install torch==2.3.0\n",
                                     "context/requirements.txt": "numpy==1.26.4\nsix==1.16.0\n",
                                     "spec.yaml": "name: env-1.0\n"})
    release(tmp_path, "env-1.0", 2, {"context/Dockerfile": "FROM base:2\nRUN pip install torch==2.4.0\n",
                                     "context/requirements.txt": "numpy==2.0.1\n", "spec.yaml": "name: env-1.0\n"})
    first, second = ReleaseLedger(tmp_path).versions("env-1.0")
    diff = version_diff(first, second)
    assert diff.previous == 1
    assert [line for line in diff.dockerfile if line[:1] in "+-"] == [
        "-FROM base:1", "-RUN pip install torch==2.3.0", "+FROM base:2", "+RUN pip install torch==2.4.0"]
    assert [(c.name, c.old, c.new, c.kind) for c in diff.packages] == [
        ("numpy", "1.26.4", "2.0.1", UPGRADED), ("six", "1.16.0", None, REMOVED), ("torch", "2.3.0", "2.4.0", UPGRADED)]
    assert version_diff(None, first).packages == [] and version_diff(None, first).previous is None


def test_a_file_edited_after_release_is_not_read_as_released(tmp_path):
    release(tmp_path, "env-1.0", 1, {"context/requirements.txt": "numpy==1.26.4\n"})
    (tmp_path / "env-1.0" / "1" / "context" / "requirements.txt").unlink()
    (tmp_path / "env-1.0" / "1" / "context" / "requirements.txt").symlink_to("/etc/passwd")
    [version] = ReleaseLedger(tmp_path).versions("env-1.0")
    assert version.file_text("context/requirements.txt") is None
