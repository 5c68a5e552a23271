"""What git knows about a line: when it was added."""

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


def line_added_on(path: Path, line: int, today: datetime.date) -> datetime.date | None:
    """The day ``line`` of ``path`` was committed; ``today`` if it is not committed yet.

    None when git cannot tell (no git, not a repository, a timeout).
    """
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
            # untracked, or a repository without commits: the line is being added now
            return today
        return None
    lines = result.stdout.splitlines()
    if lines and lines[0].startswith("0" * 40):
        return today
    for entry in lines:
        if entry.startswith("committer-time "):
            return datetime.datetime.fromtimestamp(int(entry.split()[1]), datetime.timezone.utc).date()
    return None
