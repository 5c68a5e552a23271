"""Reading files from a catalog safely: bounded size, no FIFOs, nothing outside the asset,
clear reasons on failure."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

MAX_TEXT_BYTES = 1 << 20  # asset files are a few kB; anything bigger is a mistake


class UnreadableFile(Exception):
    """A file that cannot be read as text; the message says why, without the path."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


# Directories that are no part of an asset's definition: version control and Python's
# bytecode caches (running an environment's tests leaves them). No walker of an asset
# lists them: not the build context's listing (so not the content hash), not the pinned
# copy a release writes, not the ledger's check of a released tree.
NOT_DEFINITION_DIRS = frozenset({".git", "__pycache__"})


def read_bytes(path: Path, max_bytes: int = MAX_TEXT_BYTES) -> bytes:
    """Read a regular file of at most ``max_bytes`` bytes."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UnreadableFile("file does not exist") from None
    except OSError as exc:  # symlink loops, permissions, name too long
        raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise UnreadableFile("is a directory, expected a file")
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile("is not a regular file")
    if info.st_size > max_bytes:
        raise UnreadableFile(
            f"file is {human_size(info.st_size)}, larger than the {human_size(max_bytes)} limit"
        )
    try:
        with open(path, "rb", buffering=0) as handle:
            return _read_up_to(handle, min(info.st_size, max_bytes) + 1, max_bytes + 1)
    except OSError as exc:
        raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from None


def _read_up_to(handle, expected: int, limit: int) -> bytes:
    """Up to ``limit`` bytes, until end of file; ``expected`` is a first guess of the size.

    Reading ``limit`` bytes at once would allocate (and map) a buffer of ``limit`` bytes
    for each small file; unbuffered reads of the stat size skip that and the buffered
    reader's extra system calls. A file that grew since its stat is read on, to ``limit``.
    """
    chunks = []
    size = 0
    want = expected
    while size < limit:
        chunk = handle.read(min(want, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        want = max(want, 64 * 1024)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def decode_utf8(data: bytes) -> str:
    """Decode UTF-8 (a BOM is allowed); the error names the line of the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UnreadableFile(f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", line) from None
    return text[1:] if text.startswith("\ufeff") else text


def decode_lenient(data: bytes) -> str:
    """Decode UTF-8 the way rules read a file: a bad byte becomes U+FFFD, a BOM is dropped."""
    text = data.decode("utf-8", errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def read_text(path: Path, max_bytes: int = MAX_TEXT_BYTES) -> str:
    return decode_utf8(read_bytes(path, max_bytes))


class Within:
    """Whether paths lead inside one directory (or are it), following symbolic links.

    Lint quotes what it reads and the site publishes it, so the model reads nothing
    outside an asset directory: not a spec of ``../../private/secrets.yaml``, not a
    build context that is a link to ``/``. The site's writer keeps to its output
    directory the same way.

    ``os.path.realpath`` costs a system call per path component; here only the
    components below the directory are checked, each once, and a path is resolved in
    full only when one of them is a link or it climbs with "..".
    """

    def __init__(self, directory: Path) -> None:
        self.top = os.path.abspath(directory)
        self._real_top: str | None = None
        self._checked: set[str] = set()

    def __call__(self, path: Path | str) -> bool:
        written = os.path.abspath(path)
        if written == self.top:
            return True
        if written.startswith(self.top + os.sep) and ".." not in written.split(os.sep):
            current = self.top
            for part in written[len(self.top) + 1 :].split(os.sep):
                current = f"{current}{os.sep}{part}"
                if current in self._checked:
                    continue
                if os.path.islink(current):
                    return self._resolves_inside(written)
                self._checked.add(current)
            return True
        return self._resolves_inside(written)

    def _resolves_inside(self, path: str) -> bool:
        if self._real_top is None:
            self._real_top = os.path.realpath(self.top)
        real = os.path.realpath(path)
        return real == self._real_top or real.startswith(self._real_top.rstrip(os.sep) + os.sep)


def resolves_inside(path: Path | str, directory: Path | str) -> bool:
    return Within(Path(directory))(path)


def is_inside(path: Path | str, directory: Path | str) -> bool:
    """Whether ``path`` is ``directory`` or under it, by its absolute path (no link is resolved)."""
    inner, outer = os.path.abspath(path), os.path.abspath(directory)
    return inner == outer or inner.startswith(outer.rstrip(os.sep) + os.sep)


def looks_binary(head: bytes) -> bool:
    return b"\x00" in head


def human_size(size: int) -> str:
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MB"
    if size >= 1 << 10:
        return f"{size / (1 << 10):.1f} kB"
    return f"{size} bytes"


def file_sha256(path: Path, max_bytes: int | None = None) -> str:
    """The SHA-256 (hex) of a regular file, read in chunks, never through a final symbolic
    link and never blocking on a FIFO; else what stands in for it in a digest:
    ``not a regular file``, ``unreadable``, or ``size:N`` for a file past ``max_bytes``."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(path, flags)
    except OSError as exc:
        return "not a regular file" if exc.errno == errno.ELOOP else "unreadable"
    with os.fdopen(handle, "rb") as stream:
        try:
            info = os.fstat(handle)
            if not stat.S_ISREG(info.st_mode):
                return "not a regular file"
            if max_bytes is not None and info.st_size > max_bytes:
                return f"size:{info.st_size}"
            digest = hashlib.sha256()
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
        except OSError:
            return "unreadable"
    return digest.hexdigest()
