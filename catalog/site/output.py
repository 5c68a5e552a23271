"""The output directory: write files that changed, remove only what we generated.

Each file is written atomically (readers see the old content or the new), and only
when its content differs from what the manifest says was written last time. The
manifest (``.catalog/manifest.json``) lists every file a run generated; removal only
ever touches files listed there. A run appends each path to ``.catalog/journal``
before writing it, so files written by an interrupted run are known to be ours too.
MkDocs ignores the dot-directory.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from catalog.atomic import write_bytes_atomic
from catalog.site.paths import UnsafePath, inside

STATE_DIR = ".catalog"
MANIFEST = f"{STATE_DIR}/manifest.json"
JOURNAL = f"{STATE_DIR}/journal"

FileInfo = tuple  # (sha256 hex digest, size)


def file_info(data: bytes) -> FileInfo:
    return hashlib.sha256(data).hexdigest(), len(data)


class SiteWriter:
    """Writes into ``out``; remembers what this run generated."""

    def __init__(self, out: Path, previous: dict[str, FileInfo]) -> None:
        self.out = out
        self.previous = previous
        self.generated: dict[str, FileInfo] = {}
        self.written: list[str] = []

    def write(self, relative: str, data: bytes, verify: bool = True) -> FileInfo:
        """Write ``data`` unless the file already holds it; ``verify`` checks the file is there."""
        target = inside(self.out, relative)
        info = file_info(data)
        self.generated[relative] = info
        if self.previous.get(relative) == info and (not verify or _has_size(target, info[1])):
            return info
        _journal(self.out, relative)
        write_bytes_atomic(target, data, durable=False)
        self.written.append(relative)
        return info

    def keep(self, relative: str, info: FileInfo) -> None:
        """A file generated earlier and unchanged this run."""
        self.generated[relative] = info

    def adopt(self, relative: str, info: FileInfo, written: bool) -> None:
        """A file another process wrote for this run."""
        self.generated[relative] = info
        if written:
            self.written.append(relative)

    def finish(self) -> list[str]:
        """Remove what earlier runs generated and this one did not; save the manifest."""
        ours = set(self.previous) | set(read_journal(self.out))
        removed = []
        for relative in sorted(ours - set(self.generated)):
            try:
                target = inside(self.out, relative)
            except UnsafePath:
                continue  # never delete through a path that leaves the output
            try:
                os.unlink(target)
                removed.append(relative)
            except FileNotFoundError:
                pass
            _remove_empty_parents(target.parent, self.out)
        if self.generated != self.previous:
            manifest = {"version": 1, "files": {path: list(info) for path, info in sorted(self.generated.items())}}
            write_bytes_atomic(self.out / MANIFEST, json.dumps(manifest, indent=0).encode(), durable=False)
        try:
            os.unlink(self.out / JOURNAL)
        except FileNotFoundError:
            pass
        return removed


def read_manifest(out: Path) -> dict[str, FileInfo]:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        return {str(path): (str(info[0]), int(info[1])) for path, info in data["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return {}


def read_journal(out: Path) -> list[str]:
    try:
        return [line for line in (out / JOURNAL).read_text(encoding="utf-8").splitlines() if line]
    except (OSError, UnicodeDecodeError):
        return []


def _journal(out: Path, relative: str) -> None:
    # O_APPEND: forked workers append to the same journal without interleaving lines
    (out / STATE_DIR).mkdir(parents=True, exist_ok=True)
    fd = os.open(out / JOURNAL, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (relative + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def _has_size(path: Path, size: int) -> bool:
    try:
        return os.stat(path).st_size == size
    except OSError:
        return False


def _remove_empty_parents(directory: Path, out: Path) -> None:
    while directory != out and out in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent
