"""The output directory: write files that changed, remove only what we generated.

Each file is written atomically (readers see the old content or the new), and only
when its content differs from what the manifest says was written last time. The
manifest (``.catalog/manifest.json``) lists every file a run generated; removal only
ever touches files listed there. A run appends each path to ``.catalog/journal``
before writing it, so files written by an interrupted run are known to be ours too.
MkDocs ignores the dot-directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from json.encoder import encode_basestring_ascii
from pathlib import Path

from catalog.atomic import stale_temporaries, write_bytes_atomic
from catalog.site.paths import UnsafePath, Within, inside

STATE_DIR = ".catalog"
MANIFEST = f"{STATE_DIR}/manifest.json"
JOURNAL = f"{STATE_DIR}/journal"

FileInfo = tuple  # (sha256 hex digest, size)


def refuse_linked_directories(out: Path, directories) -> None:
    """Refuse to run when a directory the generator writes into (or deletes from), or one
    of its parents in ``out``, is a link.

    A ``.catalog`` that is a link to elsewhere would have the generator write its state,
    and remove the files its manifest lists, outside the output directory.
    """
    parts = [relative.split("/") for relative in directories]
    for path in sorted({out.joinpath(*names[:depth]) for names in parts for depth in range(1, len(names) + 1)}):
        if os.path.islink(path):
            raise UnsafePath(f"refusing to write into {path}: it is a symbolic link; remove it and run again")
        if os.path.lexists(path) and not os.path.isdir(path):
            raise UnsafePath(f"refusing to write into {path}: it is not a directory")


def refuse_linked_state(out: Path) -> None:
    """Refuse to run when anything in the state directory is a symbolic link: the journal
    and the cache log are appended to, and the manifest says what may be removed."""
    state = out / STATE_DIR
    try:
        with os.scandir(state) as scan:
            linked = sorted(entry.name for entry in scan if entry.is_symlink())
    except FileNotFoundError:
        return
    if linked:
        raise UnsafePath(f"refusing to write into {state / linked[0]}: it is a symbolic link; remove it and run again")


def file_info(data: bytes) -> FileInfo:
    return hashlib.sha256(data).hexdigest(), len(data)


class SiteWriter:
    """Writes into ``out``; remembers what this run generated.

    Everything the last run generated counts as generated again unless it is dropped:
    an incremental run does not touch what did not change.
    """

    def __init__(self, out: Path, previous: dict[str, FileInfo]) -> None:
        self.out = out
        self.previous = previous
        self.generated: dict[str, FileInfo] = dict(previous)
        self.written: list[str] = []
        self.within = Within(out)
        self._journal_fd: int | None = None

    def write(self, relative: str, data: bytes, verify: bool = True) -> FileInfo:
        """Write ``data`` unless the file already holds it; ``verify`` checks the file is there."""
        target = inside(self.out, relative, self.within)
        info = file_info(data)
        self.generated[relative] = info
        if self.previous.get(relative) == info and (not verify or _has_size(target, info[1])):
            return info
        self._journal(relative)
        write_bytes_atomic(target, data, durable=False)
        self.written.append(relative)
        return info

    def _journal(self, relative: str) -> None:
        """Note ``relative`` as ours before it exists, in case the run is interrupted."""
        if self._journal_fd is None:
            # O_APPEND: forked workers share the descriptor without interleaving lines
            (self.out / STATE_DIR).mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
            self._journal_fd = os.open(self.out / JOURNAL, flags, 0o644)
        os.write(self._journal_fd, (relative + "\n").encode("utf-8"))

    def drop(self, relative: str) -> None:
        """A file this run no longer generates: ``finish`` removes it."""
        self.generated.pop(relative, None)

    def adopt(self, relative: str, info: FileInfo, written: bool) -> None:
        """A file another process wrote for this run."""
        self.generated[relative] = info
        if written:
            self.written.append(relative)

    def finish(self, tidy: bool = False) -> list[str]:
        """Remove what earlier runs generated and this one did not; save the manifest.

        ``tidy`` also removes temporary files that killed runs left in our directories.
        """
        if tidy:
            for directory in {os.path.dirname(relative) for relative in self.generated} | {STATE_DIR}:
                for temporary in stale_temporaries(self.out / directory):
                    with contextlib.suppress(OSError):  # a directory: not a file this writer leaves
                        temporary.unlink(missing_ok=True)
        ours = set(self.previous) | set(read_journal(self.out))
        removed = []
        for relative in sorted(ours - set(self.generated)):
            try:
                target = inside(self.out, relative, self.within)
            except UnsafePath:
                continue  # never delete through a path that leaves the output
            try:
                os.unlink(target)
                removed.append(relative)
            except FileNotFoundError:
                pass
            _remove_empty_parents(target.parent, self.out)
        if self.generated != self.previous:
            write_bytes_atomic(
                self.out / MANIFEST, manifest_json(sorted(self.generated.items())).encode(), durable=False
            )
        if self._journal_fd is not None:
            os.close(self._journal_fd)
            self._journal_fd = None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.out / JOURNAL)
        return removed


def manifest_json(files: list[tuple[str, FileInfo]]) -> str:
    """``json.dumps({"version": 1, "files": {path: list(info), ...}}, indent=0)``, built faster.

    With ``indent`` json.dumps falls back to its pure-Python encoder, slow on a manifest
    of 10,000 files; each value here goes through the C string encoder instead.
    """
    text = encode_basestring_ascii  # what json.dumps writes for a str
    entries = ",\n".join(f"{text(path)}: [\n{text(digest)},\n{int(size)!r}\n]" for path, (digest, size) in files)
    return '{\n"version": 1,\n"files": ' + ("{\n" + entries + "\n}" if files else "{}") + "\n}"


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
