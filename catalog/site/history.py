"""When things in the catalog happened, for the feed: git commit times, or nothing.

A file's "added" time is the commit that last added it; a line's time is the commit that
last changed it (``git blame``). What git does not know (uncommitted work, the cut of a
shallow clone, a catalog outside any repository, such as an unpacked tarball) has no
date: a file's modification time would announce every environment of a fresh checkout
as new. Unknown dates are provisional: the cache looks again once HEAD moves (or a
repository appears).
"""

from __future__ import annotations

import datetime
import os
from functools import cached_property
from pathlib import Path

from catalog.git import files_added_at, head_commit, in_work_tree, line_committed_at

Dated = tuple  # (datetime or None, provisional: bool)


class CatalogHistory:
    def __init__(self, base_dir: Path, roots: list[Path]) -> None:
        self.base_dir = base_dir
        self.roots = [root for root in roots if os.path.isdir(root)]
        in_work_tree.cache_clear()  # each run asks afresh: `mkdocs serve` may outlive a `git init`

    def relative(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.base_dir)).as_posix()

    @cached_property
    def in_git(self) -> bool:
        return any(in_work_tree(Path(os.path.abspath(root))) for root in self.roots)

    @cached_property
    def head(self) -> str | None:
        return head_commit(Path(os.path.abspath(self.roots[0]))) if self.in_git else None

    @cached_property
    def _added(self) -> dict[Path, datetime.datetime]:
        added: dict[Path, datetime.datetime] = {}
        if self.in_git:
            for root in self.roots:
                added.update(files_added_at(Path(os.path.realpath(root))))
        return added

    def prepare(self) -> None:
        """Ask git now, before workers are forked, so each does not ask again."""
        self._added, self.head  # noqa: B018 (computes the cached properties)

    def file_added(self, path: Path) -> Dated:
        when = self._added.get(Path(os.path.realpath(path))) if self._added else None
        return when, when is None

    def line_committed(self, path: Path, line: int) -> Dated:
        when = line_committed_at(Path(os.path.abspath(path)), line) if self.in_git else None
        return when, when is None
