"""Hostile and unusual input: each case ends in bounded time and memory, with a finding or
one error line naming the file, and nothing read or written where it should not be.

The real ``catalog`` command runs in a subprocess with its address space capped
(``run_bounded``), so a case that used to eat gigabytes fails instead of swapping.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from catalog.config import Config
from catalog.finding import Severity
from catalog.lint.rules import Rule, choose
from catalog.lint.run import MAX_FINDINGS_PER_FILE, lint
from catalog.model import load_catalog
from tests.conftest import (
    ASSET,
    SECRET,
    SPEC,
    TODAY,
    _nest_beyond_path_max,
    findings,
    run_bounded,
    write_env,
    write_private_file,
)


def finding_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stdout.splitlines() if ": CAT" in line]


# --- symbolic links and paths out of the asset ------------------------------------------


def test_build_context_linked_to_root_is_a_finding_not_a_filesystem_scan(tmp_path):
    env = write_env(tmp_path / "environments", files={"context/Dockerfile": None, "context/requirements.txt": None})
    (env / "context").symlink_to("/")
    result = run_bounded("lint", cwd=tmp_path, timeout=30)
    assert result.returncode == 1 and result.seconds < 20
    assert "environments/sklearn-1.5/environment.yaml:5:10: CAT306 build-context the build context directory " \
           "is outside the asset directory" in result.stdout
    assert len(finding_lines(result)) == 1, result.stdout


def test_context_files_linked_outside_are_reported_and_never_read(tmp_path):
    env = write_env(tmp_path / "environments", files={"context/Dockerfile": None})
    (env / "context" / "Dockerfile").symlink_to(write_private_file(tmp_path, "Dockerfile", f"FROM {SECRET}\n"))
    (env / "context" / "everything").symlink_to("/")
    result = run_bounded("lint", cwd=tmp_path, timeout=30)
    assert result.returncode == 1 and result.seconds < 20
    assert SECRET.lower() not in result.stdout.lower()
    lines = finding_lines(result)
    assert "environments/sklearn-1.5/context/Dockerfile: CAT306 build-context symlink 'Dockerfile' leads outside " \
           "the build context" in lines
    assert "environments/sklearn-1.5/context/everything: CAT306 build-context symlink 'everything' leads outside " \
           "the build context" in lines


def test_spec_outside_the_asset_is_a_finding_and_never_read(tmp_path):
    write_private_file(tmp_path, "secrets.yaml", f"name: x\ndescription: {SECRET}\ntags: [{SECRET}]\n")
    write_env(tmp_path / "environments", files={"asset.yaml": ASSET.replace("spec: spec.yaml", "spec: "
                                                                                               "../../private/secrets.yaml")})
    result = run_bounded("lint", cwd=tmp_path)
    assert result.returncode == 1 and SECRET not in result.stdout
    assert finding_lines(result) == [
        "environments/sklearn-1.5/asset.yaml:4:7: CAT003 missing-file spec file '../../private/secrets.yaml' "
        "is outside the asset directory; it is not read"]


def test_spec_linked_outside_the_asset_is_not_read(tmp_path):
    env = write_env(tmp_path / "environments", files={"spec.yaml": None})
    (env / "spec.yaml").symlink_to(write_private_file(tmp_path, "spec.yaml", SPEC.replace("A scikit", SECRET)))
    result = run_bounded("lint", cwd=tmp_path)
    assert result.returncode == 1 and SECRET not in result.stdout
    assert "CAT003 missing-file spec file 'spec.yaml' is outside the asset directory; it is not read" in result.stdout


# --- .dockerignore ----------------------------------------------------------------------


def test_dockerignore_fifo_is_not_opened(tmp_path):
    env = write_env(tmp_path / "environments")
    os.mkfifo(env / "context" / ".dockerignore")
    result = run_bounded("lint", cwd=tmp_path, timeout=30)
    assert result.returncode == 1
    assert finding_lines(result) == [
        "environments/sklearn-1.5/context/.dockerignore: CAT306 build-context cannot read .dockerignore: "
        "is not a regular file"]


def test_sparse_1_gb_dockerignore_is_not_read_into_memory(tmp_path):
    env = write_env(tmp_path / "environments")
    with open(env / "context" / ".dockerignore", "wb") as handle:
        handle.truncate(1 << 30)  # sparse: no disk space used
    result = run_bounded("lint", cwd=tmp_path, timeout=30, memory=1 << 30 | 1 << 29)
    assert result.returncode == 1 and result.seconds < 20
    assert "CAT306 build-context cannot read .dockerignore: file is 1024.0 MB, larger than the 1.0 MB limit" \
           in result.stdout


def test_invalid_dockerignore_pattern_is_a_finding(tmp_path):
    write_env(tmp_path / "environments", files={"context/.dockerignore": "# comment\n*.md\n[z-a]\n"})
    result = run_bounded("lint", cwd=tmp_path)
    assert result.returncode == 1
    [line] = finding_lines(result)
    assert line.startswith("environments/sklearn-1.5/context/.dockerignore:3:1: CAT306 build-context "
                           "pattern '[z-a]' is invalid (bad character range z-a")


def test_repeated_double_star_patterns_match_in_linear_time(tmp_path):
    deep = "/".join(["a"] * 40)
    env = write_env(tmp_path / "environments", files={
        "context/.dockerignore": "**/" * 12 + "x\n",
        f"context/{deep}/b": "data\n",
        "context/Dockerfile": f"FROM mcr.microsoft.com/azureml/x:1\nCOPY {deep}/b /b\n",
    })
    assert (env / "context" / deep / "b").is_file()
    result = run_bounded("lint", cwd=tmp_path, timeout=30)
    assert result.returncode == 0 and result.seconds < 20, result.stdout


# --- many findings ----------------------------------------------------------------------


def test_3000_environments_with_one_name_give_one_short_finding_each(tmp_path):
    root = tmp_path / "environments"
    first = write_env(root, directory="e0000")
    for index in range(1, 3000):
        shutil.copytree(first, root / f"e{index:04d}")
    result = run_bounded("lint", "--format", "json", cwd=tmp_path, timeout=120)
    assert result.returncode == 1 and result.seconds < 60
    assert len(result.stdout) < 5_000_000 and max(map(len, result.stdout.splitlines())) < 1000
    report = json.loads(result.stdout)
    assert report["environments"] == 3000 and report["errors"] == 6000
    by_environment: dict[str, list[str]] = {}
    same_definition: dict[str, int] = {}
    for finding in report["findings"]:
        environment = finding["path"].split("/")[1]
        if finding["rule"] == "duplicate-definition":  # copies build one image too: one warning each
            same_definition[environment] = same_definition.get(environment, 0) + 1
            continue
        assert finding["rule"] == "duplicate"
        by_environment.setdefault(environment, []).append(finding["message"])
    assert len(same_definition) == 3000 and set(same_definition.values()) == {1}
    assert len(by_environment) == 3000 and all(len(found) == 2 for found in by_environment.values())
    assert by_environment["e0001"] == [
        "another environment is also named 'sklearn-1.5': environments/e0000/asset.yaml, which comes first "
        "(3,000 environments share it)",
        "another environment also uses image 'azureml/curated/sklearn-1.5': environments/e0000/asset.yaml, "
        "which comes first (3,000 environments share it)"]
    assert by_environment["e0000"][0] == ("another environment is also named 'sklearn-1.5': "
                                          "environments/e0001/asset.yaml (3,000 environments share it)")


def test_findings_of_a_rule_in_one_file_are_bounded(catalog_root):
    write_env(catalog_root, files={"context/requirements.txt": "--extra-index-url https://x.example/simple\n" * 50})
    found = findings(catalog_root, "extra-index-url")
    assert len(found) == MAX_FINDINGS_PER_FILE + 1
    assert [f.location.line for f in found[:MAX_FINDINGS_PER_FILE]] == list(range(1, MAX_FINDINGS_PER_FILE + 1))
    summary = found[-1]
    assert summary.location.line == MAX_FINDINGS_PER_FILE + 1 and summary.severity is Severity.ERROR
    assert summary.message == "30 more extra-index-url findings in this file not shown (only the first 20 are)"


# --- internal errors --------------------------------------------------------------------


def test_a_rule_that_raises_is_a_finding_and_the_rest_is_still_checked(catalog_root, monkeypatch):
    first = write_env(catalog_root, "sklearn-1.5")
    write_env(catalog_root, "lightgbm-4.5", files={"spec.yaml": SPEC.replace('Python: "3.10"', "Python: 3.10")})

    def explode(env, ctx):
        """Fails on one environment."""
        if env.directory == first:
            raise KeyError("boom")
        return iter(())

    monkeypatch.chdir(catalog_root.parent)
    broken = Rule("CAT999", "exploding", Severity.ERROR, explode)
    catalog = load_catalog([catalog_root])
    result = lint(catalog, catalog.environments, Config(base_dir=catalog_root.parent), [broken, *choose([], [])], TODAY)
    assert [(f.rule, f.location.path, f.message) for f in result.findings if f.rule == "exploding"] == [
        (
            "exploding",
            first / "asset.yaml",
            "internal error while checking exploding on environments/sklearn-1.5/asset.yaml: KeyError: 'boom', please "
            "report",
        )
    ]
    assert any(f.rule == "tag-value" and f.environment == "lightgbm-4.5" for f in result.findings)


def test_asset_type_that_is_a_list_does_not_stop_the_run(tmp_path):
    root = tmp_path / "environments"
    write_env(root, files={"asset.yaml": ASSET.replace("type: environment", "type: [environment]")})
    write_env(root, "lightgbm-4.5", files={"spec.yaml": SPEC.replace('Python: "3.10"', "Python: 3.10")})
    result = run_bounded("lint", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = finding_lines(result)
    assert any(line.startswith("environments/sklearn-1.5/asset.yaml:") for line in lines)
    assert any(line.startswith("environments/lightgbm-4.5/spec.yaml:") and "tag-value" in line for line in lines)


def test_unquoted_delete_on_date_time_is_a_finding(tmp_path):
    spec = SPEC.replace("description: A scikit-learn environment for tests.",
                        "description: 'DEPRECATED: Please use lightgbm-4.5 instead.'")
    write_env(tmp_path / "environments", files={"spec.yaml": spec + "  Deprecated: ''\n  DeleteOn: 2027-04-30 "
                                                                    "10:00:00\n"})
    write_env(tmp_path / "environments", "lightgbm-4.5")
    result = run_bounded("lint", "--today", "2026-11-22", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "environments/sklearn-1.5/spec.yaml:14:13: CAT203 deprecation DeleteOn '2027-04-30 10:00:00' is not " \
           "a calendar date in the form YYYY-MM-DD" in finding_lines(result)
    assert "internal error" not in result.stdout


def test_catalog_directory_that_cannot_be_listed_is_a_finding_naming_it(tmp_path):
    root = tmp_path / "environments"
    write_env(root, "lightgbm-4.5", files={"spec.yaml": SPEC.replace('Python: "3.10"', "Python: 3.10")})
    (root / "deep").mkdir()
    _nest_beyond_path_max(root / "deep")
    result = run_bounded("lint", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == ""
    assert "CAT202 tag-value" in result.stdout  # the rest is still checked and reported
    [finding] = [line for line in result.stdout.splitlines() if "CAT008" in line]
    assert finding.startswith("environments/deep/dddd") and finding.endswith(
        ": CAT008 unreadable-directory cannot read directory: File name too long; the environments in it are not "
        "checked"
    )
    # a clean catalog beside it is still not clean
    (root / "lightgbm-4.5" / "spec.yaml").write_text(SPEC)
    assert run_bounded("lint", cwd=tmp_path).returncode == 1
    assert run_bounded("lint", "--ignore", "unreadable-directory", cwd=tmp_path).returncode == 0


def test_build_context_directory_that_cannot_be_listed_is_a_finding(tmp_path):
    env = write_env(tmp_path / "environments")
    _nest_beyond_path_max(env / "context")
    result = run_bounded("lint", cwd=tmp_path)
    assert result.returncode == 1
    [line] = finding_lines(result)
    assert line.startswith("environments/sklearn-1.5/context/dddd") and "CAT306 build-context cannot list directory" \
           in line and line.endswith("of the build context: File name too long")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop privileges")
def test_unreadable_directories_as_an_unprivileged_user(tmp_path):
    """chmod 000 stops only a user without root's privileges: lint runs as nobody here."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="catalog-nobody-"))  # tmp_path is root's alone
    try:
        base.chmod(0o755)
        root = base / "environments"
        write_env(root, "sklearn-1.5")
        locked = write_env(root, "lightgbm-4.5", directory="locked/lightgbm-4.5")
        (locked / "context" / "sub").mkdir()
        (locked / "context" / "sub").chmod(0)
        (root / "locked").chmod(0o711)  # can be passed through, not listed
        code, out, err = _run_as_nobody(["lint", "environments", "environments/locked/lightgbm-4.5"], base)
        assert code == 1, out + err
        assert "environments/locked/lightgbm-4.5/context/sub: CAT306 build-context cannot list directory 'sub' " \
               "of the build context: Permission denied" in out
        assert "environments/locked: CAT008 unreadable-directory cannot read directory: Permission denied; " \
               "the environments in it are not checked" in out
        assert err == ""
    finally:
        shutil.rmtree(base)


def _run_as_nobody(argv: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run the CLI in a forked child that has dropped root; modules are imported first,
    since nobody may not read the interpreter's own files."""
    import dockerfile  # noqa: F401

    import catalog.cli
    import catalog.cli.lint
    import catalog.lint.report
    import catalog.lint.report.text
    import catalog.lint.run
    from catalog.lint.rules import all_rules

    all_rules()
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 70
        try:
            os.dup2(out_write, 1)
            os.dup2(err_write, 2)
            sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115  # not pytest's capture
            sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115 - the child exits with them open
            os.chdir(cwd)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            try:
                catalog.cli.main(argv)
            except SystemExit as exit:
                code = exit.code or 0
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(out_write)
    os.close(err_write)
    chunks = {out_read: [], err_read: []}

    def drain(fd: int) -> None:
        while data := os.read(fd, 65536):
            chunks[fd].append(data)

    readers = [threading.Thread(target=drain, args=(fd,)) for fd in chunks]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + 60
    while (waited := os.waitpid(pid, os.WNOHANG))[0] == 0:
        if time.monotonic() > deadline:
            os.kill(pid, 9)
        time.sleep(0.05)
    for reader in readers:
        reader.join()
    for fd in chunks:
        os.close(fd)
    return (
        os.waitstatus_to_exitcode(waited[1]),
        b"".join(chunks[out_read]).decode(),
        b"".join(chunks[err_read]).decode(),
    )


# --- passing silently before --------------------------------------------------------------


def test_nul_byte_in_dockerfile_is_a_syntax_finding_on_its_line(tmp_path):
    write_env(tmp_path / "environments", files={
        "context/Dockerfile": "FROM mcr.microsoft.com/azureml/x:1\nRUN true\0\nFROM ubuntu\n"})
    result = run_bounded("lint", cwd=tmp_path)
    assert result.returncode == 1
    assert finding_lines(result) == [
        "environments/sklearn-1.5/context/Dockerfile:2:1: CAT307 dockerfile-syntax NUL byte on line 2: "
        "the lines after it would be hidden from the parser"]


def _directory(path: Path) -> None:
    path.mkdir()


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _invalid_utf8(path: Path) -> None:
    path.write_bytes(b"# sklearn\n\ncaf\xe9\n")


def _two_megabytes(path: Path) -> None:
    with open(path, "wb") as handle:
        handle.truncate(2 << 20)


@pytest.mark.parametrize("make, reason", [
    (_directory, "is a directory, expected a file"),
    (_fifo, "is not a regular file"),
    (_invalid_utf8, "not valid UTF-8 (byte 0xe9) on line 3"),
    (_two_megabytes, "file is 2.0 MB, larger than the 1.0 MB limit"),
], ids=["directory", "fifo", "invalid-utf8", "2-mb"])
def test_description_file_that_cannot_be_read_is_a_finding(tmp_path, make, reason):
    env = write_env(tmp_path / "environments", files={"description.md": None})
    make(env / "description.md")
    result = run_bounded("lint", cwd=tmp_path, timeout=30)
    assert result.returncode == 1
    assert finding_lines(result) == [
        f"environments/sklearn-1.5/asset.yaml:6:19: CAT003 missing-file description file 'description.md' "
        f"cannot be read: {reason}"]


# --- the report file (-o) -----------------------------------------------------------------


def _broken_catalog(tmp_path: Path) -> None:
    write_env(tmp_path / "environments", files={"spec.yaml": SPEC.replace('Python: "3.10"', "Python: 3.10")})


def test_report_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    _broken_catalog(tmp_path)
    (tmp_path / "reports").mkdir()
    target = tmp_path / "reports" / "lint.txt"
    target.write_text("old\n")
    (tmp_path / "latest.txt").symlink_to("reports/lint.txt")
    result = run_bounded("lint", "-o", "latest.txt", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert os.readlink(tmp_path / "latest.txt") == "reports/lint.txt"
    assert "CAT202 tag-value" in target.read_text()


def test_report_to_a_fifo_is_written_into_it(tmp_path):
    _broken_catalog(tmp_path)
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run_bounded("lint", "-o", str(fifo), cwd=tmp_path, timeout=30)
    reader.join(10)
    if reader.is_alive():  # nothing was written into the FIFO: release the reader
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert result.returncode == 1
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert b"CAT202 tag-value" in received[0]


def test_report_to_a_link_to_standard_output_writes_to_it(tmp_path):
    _broken_catalog(tmp_path)
    (tmp_path / "stdout").symlink_to("/proc/self/fd/1")  # what /dev/stdout is, without touching /dev
    result = run_bounded("lint", "-o", "stdout", cwd=tmp_path)
    assert result.returncode == 1 and "CAT202 tag-value" in result.stdout
    assert os.readlink(tmp_path / "stdout") == "/proc/self/fd/1"


@pytest.mark.parametrize("make", ["directory", "dangling link"])
def test_report_to_what_cannot_hold_it_is_a_usage_error(tmp_path, make):
    _broken_catalog(tmp_path)
    if make == "directory":
        (tmp_path / "out").mkdir()
    else:
        (tmp_path / "out").symlink_to("nowhere/report.txt")
    result = run_bounded("lint", "-o", "out", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    reason = os.strerror(errno.EISDIR) if make == "directory" else "a symbolic link to nothing"
    assert result.stderr == f"catalog: error: out: cannot write report: {reason}\n"
    assert (tmp_path / "out").is_dir() if make == "directory" else (tmp_path / "out").is_symlink()


def test_asset_yaml_linked_out_of_the_asset_is_not_read(tmp_path):
    secret = tmp_path / "private" / "asset.yaml"
    secret.parent.mkdir()
    secret.write_text("name: secret-token-1234\ntype: environment\n")
    env = write_env(tmp_path / "environments", files={"asset.yaml": None})
    (env / "asset.yaml").symlink_to(secret)
    result = run_bounded("lint", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert "secret-token-1234" not in result.stdout
    assert any(f["path"] == "environments/sklearn-1.5/asset.yaml" and f["rule"] == "yaml-syntax"
               and "leading outside the asset directory" in f["message"] for f in report["findings"])
