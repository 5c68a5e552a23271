"""What git knows about a line or a file: when it was added."""

from __future__ import annotations

import datetime
import os
import subprocess
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1024)
def in_work_tree(directory: Path) -> bool:
    """Whether a .git lies at or above ``directory`` (checked without running git)."""
    if os.path.exists(directory / ".git"):
        return True
    parent = directory.parent
    return parent != directory and in_work_tree(parent)


_UNCOMMITTED = "uncommitted"


def _blame(path: Path, line: int) -> datetime.datetime | str | None:
    """When ``line`` of ``path`` was committed; ``_UNCOMMITTED`` if it is being added now
    (uncommitted, untracked, or a repository without commits); None if git cannot tell."""
    if not in_work_tree(path.parent):
        return None
    try:
        result = subprocess.run(
            ["git", "blame", "--porcelain", "-L", f"{line},{line}", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        if "no such path" in result.stderr or "no such ref: HEAD" in result.stderr:
            return _UNCOMMITTED
        return None
    if result.stdout.startswith("0" * 40):
        return _UNCOMMITTED
    if result.stdout[:40] in shallow_cut(path.parent):
        return None  # a shallow clone's oldest commit "adds" every line it holds
    for entry in result.stdout.splitlines():
        if entry.startswith("committer-time "):
            return _utc(entry.split()[1])
    return None


def line_added_on(path: Path, line: int, today: datetime.date) -> datetime.date | None:
    """The day ``line`` of ``path`` was committed; ``today`` if it is not committed yet.

    None when git cannot tell (no git, not a repository, a timeout).
    """
    when = _blame(path, line)
    if when == _UNCOMMITTED:
        return today
    return when.date() if isinstance(when, datetime.datetime) else None


def line_committed_at(path: Path, line: int) -> datetime.datetime | None:
    """When ``line`` of ``path`` was committed; None when it is not committed or git cannot tell."""
    when = _blame(path, line)
    return when if isinstance(when, datetime.datetime) else None


def _run_git(args: list[str], cwd: Path, timeout: float = 30) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def _utc(timestamp: str) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(int(timestamp), datetime.timezone.utc)


def head_commit(directory: Path) -> str | None:
    if not in_work_tree(directory):
        return None
    out = _run_git(["rev-parse", "HEAD"], directory, timeout=10)
    return out.strip() if out else None


@lru_cache(maxsize=64)
def shallow_cut(directory: Path) -> frozenset[str]:
    """The commits where a shallow clone's history is cut off (none in a full clone).

    Such a commit looks as if it added every file it holds, on the day it was made.
    """
    out = _run_git(["rev-parse", "--git-path", "shallow"], directory, timeout=10)
    if not out:
        return frozenset()
    try:
        text = (directory / out.strip()).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return frozenset()
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def files_added_at(directory: Path) -> dict[Path, datetime.datetime]:
    """For each file under ``directory``, when it was last added in a commit (one ``git log``).

    Files a shallow clone's cut "adds" are left out: git does not know when they came.
    """
    if not in_work_tree(directory):
        return {}
    top = _run_git(["rev-parse", "--show-toplevel"], directory, timeout=10)
    out = _run_git(["-c", "core.quotePath=false", "log", "--diff-filter=A", "--format=%x00%H %ct", "--name-only",
                    "--", "."], directory)
    if not top or not out:
        return {}
    root = Path(top.strip())
    cut = shallow_cut(directory)
    added: dict[Path, datetime.datetime | None] = {}
    for commit in out.split("\0")[1:]:
        header, _, names = commit.partition("\n")
        sha, _, stamp = header.partition(" ")
        when = None if sha in cut else _utc(stamp)
        for name in names.split("\n"):
            if name:
                added.setdefault(root / name, when)  # the log is newest first
    return {path: when for path, when in added.items() if when is not None}


def remote_url(directory: Path) -> str | None:
    """The URL of the ``origin`` remote, without credentials."""
    if not in_work_tree(directory):
        return None
    out = _run_git(["remote", "get-url", "origin"], directory, timeout=10)
    if not out:
        return None
    url = out.strip()
    if "://" in url and "@" in url.split("://", 1)[1].split("/", 1)[0]:
        scheme, rest = url.split("://", 1)
        url = f"{scheme}://{rest.split('@', 1)[1]}"
    return url


def create_tag(directory: Path, name: str) -> str | None:
    """Tag HEAD as ``name``; the error git gave, or None on success."""
    try:
        result = subprocess.run(["git", "tag", name], cwd=directory, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)
    return None if result.returncode == 0 else (result.stderr.strip().splitlines() or ["git tag failed"])[-1]


def changed_since(directory: Path, revision: str) -> tuple[list[Path] | None, str | None]:
    """(files changed since ``revision``: committed, staged, in the work tree or untracked;
    None and git's error when git cannot tell)."""
    if not in_work_tree(directory):
        return None, f"{directory} is not in a git work tree"
    try:
        check = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], cwd=directory,
                               capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, str(exc)
    if check.returncode != 0:
        return None, f"{revision!r} is not a commit git knows"
    top = _run_git(["rev-parse", "--show-toplevel"], directory, timeout=10)
    changed = _run_git(
        ["-c", "core.quotePath=false", "diff", "--name-only", "-z", check.stdout.strip(), "--"], directory
    )
    untracked = _run_git(
        ["-c", "core.quotePath=false", "ls-files", "-z", "--full-name", "--others", "--exclude-standard"], directory
    )
    if top is None or changed is None or untracked is None:
        return None, "git diff failed"
    root = Path(top.strip())
    names = [name for name in (changed + untracked).split("\0") if name]
    return [root / name for name in names], None
