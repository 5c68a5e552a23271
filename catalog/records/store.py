"""A directory of records (``releases/``, ``build-reports/``, the lookup cache's): reached
only through real directories, read only as bounded regular files, written atomically.

A pull request can commit symbolic links anywhere, so every record is reached from the
repository without following one: a ``releases/`` that is a link to ``/etc`` is
neither read nor written through, and neither is a ``release.json`` that is a link to
another repository's file. Writers leave staging files and directories behind when they
are killed; ``stale_staging`` finds them so the next run removes them and lint reports
them meanwhile.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog import bounded_json
from catalog.atomic import stale_temporaries, write_bytes_atomic, write_new_tree
from catalog.files import UnreadableFile, decode_utf8, human_size


class RecordUnreadable(Exception):
    """A record that cannot be used: which file, and why (``str()``: both, in one line)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


@dataclass(frozen=True)
class RecordProblem:
    """A record file that could not be read, or a file in a records directory that is not one."""

    path: Path
    message: str
    name: str | None = None  # the environment it belongs to, when its place says
    stale: bool = False  # left by a writer that was killed: removed by the next write, nothing lost

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class RecordRefused(Exception):
    """A write that would leave its directory (through a link) or replace what is there."""


class RecordTree:
    """Files under ``root``, which lies in the repository ``top`` (or anywhere, when
    configured elsewhere: then only ``root`` and what is below it are checked)."""

    def __init__(self, root: Path, top: Path | None = None) -> None:
        self.root = Path(os.path.abspath(root))
        top_text = os.path.abspath(top) if top is not None else None
        inside = top_text is not None and (str(self.root) + os.sep).startswith(top_text.rstrip(os.sep) + os.sep)
        self._start: str = top_text if top_text is not None and inside else os.path.dirname(str(self.root))
        self._real_dirs: set[str] = set()

    def link_on_the_way(self, path: Path | str) -> str | None:
        """The first component between the repository and ``path`` (itself included) that is
        a symbolic link, or that is missing or not a directory on the way; None when the
        path is reached through real directories (``path`` itself may be missing)."""
        target = os.path.abspath(path)
        if not (target + os.sep).startswith(self._start.rstrip(os.sep) + os.sep):
            raise ValueError(f"{target} is not below {self._start}")  # record paths are made below the root
        rest = target[len(self._start):].strip(os.sep)
        current = self._start
        parts = rest.split(os.sep) if rest else []
        for position, part in enumerate(parts):
            current = f"{current.rstrip(os.sep)}{os.sep}{part}"
            last = position == len(parts) - 1
            if not last and current in self._real_dirs:
                continue
            try:
                info = os.lstat(current)
            except FileNotFoundError:
                return None  # nothing there yet: nothing to follow
            except OSError:
                return current
            if stat.S_ISLNK(info.st_mode):
                return current
            if not last:
                if not stat.S_ISDIR(info.st_mode):
                    return current
                self._real_dirs.add(current)
        return None

    def vouch(self, directory: Path | str) -> None:
        """``directory`` was seen to be a real directory (a scan said so, not following links)."""
        self._real_dirs.add(os.path.abspath(directory))

    def is_real_directory(self, path: Path | str) -> bool:
        """Whether ``path`` is a directory reached without links."""
        return self.link_on_the_way(path) is None and os.path.isdir(path) and not os.path.islink(path)

    # --- reading -----------------------------------------------------------------------

    def read_bytes(self, path: Path, max_bytes: int) -> bytes:
        """A regular file's bytes (at most ``max_bytes``); ``RecordUnreadable`` otherwise."""
        linked = self.link_on_the_way(path)
        if linked is not None:
            raise RecordUnreadable(path, f"{_what(linked)}; records are never read through links")
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            handle = os.open(path, flags)
        except FileNotFoundError:
            raise RecordUnreadable(path, "missing") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise RecordUnreadable(path, "a symbolic link; records are never read through links") from None
            raise RecordUnreadable(path, f"cannot read: {exc.strerror or exc}") from None
        try:
            info = os.fstat(handle)
            if not stat.S_ISREG(info.st_mode):
                kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
                raise RecordUnreadable(path, f"{kind}")
            if info.st_size > max_bytes:
                raise RecordUnreadable(path, f"{human_size(info.st_size)}, larger than the "
                                       f"{human_size(max_bytes)} a record may be")
            chunks, size = [], 0
            while True:
                chunk = os.read(handle, min(1 << 20, max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    raise RecordUnreadable(path, f"larger than the {human_size(max_bytes)} a record may be")
            return b"".join(chunks)
        except OSError as exc:
            raise RecordUnreadable(path, f"cannot read: {exc.strerror or exc}") from None
        finally:
            os.close(handle)

    def read_text(self, path: Path, max_bytes: int) -> str:
        data = self.read_bytes(path, max_bytes)
        try:
            return decode_utf8(data)
        except UnreadableFile as exc:
            raise RecordUnreadable(path, f"{exc}" + (f" on line {exc.line}" if exc.line else "")) from None

    def read_json(self, path: Path, max_bytes: int) -> Any:
        data = self.read_bytes(path, max_bytes)
        try:
            return bounded_json.loads(data)
        except bounded_json.JsonRefused as exc:
            raise RecordUnreadable(path, f"{exc}") from None

    # --- writing -----------------------------------------------------------------------

    def make_directory(self, path: Path) -> Path:
        """``path`` and the directories above it inside the tree, each a real directory."""
        linked = self.link_on_the_way(path)
        if linked is not None:
            raise RecordRefused(f"refusing to write into {path}: {_what(linked)}")
        if os.path.islink(path):
            raise RecordRefused(f"refusing to write into {path}: it is a symbolic link")
        os.makedirs(path, exist_ok=True)
        if not os.path.isdir(path):
            raise RecordRefused(f"refusing to write into {path}: it is not a directory")
        return path

    def write_file(self, path: Path, data: bytes) -> None:
        """Replace one record file atomically (never through a link, never a directory)."""
        self.make_directory(path.parent)
        if os.path.islink(path) or os.path.isdir(path):
            raise RecordRefused(f"refusing to replace {path}: it is a symbolic link or a directory")
        write_bytes_atomic(path, data)

    def write_new_tree(self, target: Path, files: dict[str, bytes]) -> None:
        """Create ``target`` holding ``files``, in one step; an existing ``target`` is never replaced."""
        self.make_directory(target.parent)
        if os.path.lexists(target):
            raise RecordRefused(f"{target} exists already; nothing was written")
        try:
            write_new_tree(target, files)
        except FileExistsError:
            raise RecordRefused(f"{target} exists already; nothing was written") from None


def _what(path: str) -> str:
    return f"{path} is a symbolic link" if os.path.islink(path) else f"{path} is not a directory"


def stale_staging(directory: Path) -> list[Path]:
    """Staging files and directories that killed writers left in ``directory``."""
    return stale_temporaries(directory)


def remove_stale_staging(directory: Path) -> list[Path]:
    """Remove what ``stale_staging`` finds (a link is unlinked, never followed)."""
    import shutil

    removed = []
    for path in stale_staging(directory):
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
            removed.append(path)
        except OSError:
            continue
    return removed
