"""What git knows about a line: when it was added."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path


def line_added_on(path: Path, line: int, today: datetime.date) -> datetime.date | None:
    """The day ``line`` of ``path`` was committed; ``today`` if it is not committed yet.

    None when git cannot tell (no git, not a repository, a timeout).
    """
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
        if "no such path" in result.stderr:  # untracked file inside a repository: added now
            return today
        return None
    lines = result.stdout.splitlines()
    if lines and lines[0].startswith("0" * 40):
        return today
    for entry in lines:
        if entry.startswith("committer-time "):
            return datetime.datetime.fromtimestamp(int(entry.split()[1]), datetime.timezone.utc).date()
    return None
