"""Write files so that readers see the old content or the new, never half of it."""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import re
import stat
from pathlib import Path

_COUNTER = itertools.count()
_TEMPORARY = re.compile(r"\..+\.(\d+)\.\d+\.(?:tmp|old)")


def write_bytes_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` in one step (a temporary file renamed over it).

    ``durable`` also flushes the data to disk first, so the new content survives a power
    cut; files that can be generated again skip that (it costs a disk flush per file).
    """
    path = Path(path)
    # unique per process and call; O_EXCL refuses a name that exists (and any symlink)
    temporary = path.parent / f".{path.name}.{os.getpid()}.{next(_COUNTER)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(temporary, flags, 0o666)  # the umask applies, as for open()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_to_named(path: Path, data: bytes) -> None:
    """Write ``data`` to what the user named ``path``, replacing nothing but a regular file.

    - nothing there, or a regular file: replaced atomically;
    - a symbolic link to a regular file: the file it leads to is replaced atomically,
      and the link stays;
    - a FIFO, device or socket, or a link to one or to a descriptor of this process
      (``/dev/stdout``, ``/dev/null``): written to in place, after what it holds;
    - a directory, or a link to nothing: OSError.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise FileNotFoundError(errno.ENOENT, "a symbolic link to nothing", str(path)) from None
        write_bytes_atomic(path, data)
        return
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if stat.S_ISREG(info.st_mode) and not _names_a_descriptor(path):
        write_bytes_atomic(Path(os.path.realpath(path)), data)
        return
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)


def _names_a_descriptor(path: Path) -> bool:
    """Whether ``path`` leads through /proc (``/dev/stdout``, ``/dev/fd/1``): an open
    descriptor, maybe the shell's ``>> log``, which must be written to, not replaced."""
    current = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on links in a path
        parent = os.path.realpath(os.path.dirname(current))
        if parent == "/proc" or parent.startswith("/proc/"):
            return True
        current = os.path.join(parent, os.path.basename(current))
        if not os.path.islink(current):
            return False
        current = os.path.join(parent, os.readlink(current))
    return False


def stale_temporaries(directory: Path) -> list[Path]:
    """Temporary files and staging directories in ``directory`` left by writers that were
    killed (their process is gone)."""
    try:
        with os.scandir(directory) as scan:
            names = [entry.name for entry in scan]
    except OSError:
        return []
    return [Path(directory) / name for name in names if is_stale_temporary(name)]


def is_stale_temporary(name: str) -> bool:
    """Whether ``name`` is a temporary file or staging directory of a writer that is gone."""
    if not name.endswith((".tmp", ".old")):
        return False
    match = _TEMPORARY.fullmatch(name)
    return match is not None and not _alive(int(match.group(1)))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, as another user's process
    return True


def write_tree_atomic(target: Path, files: dict[str, bytes]) -> None:
    """Make ``target`` a directory holding exactly ``files`` (relative POSIX path -> content),
    in one step: the tree is written beside it and renamed into place, so a reader (or a
    run killed half-way) sees the old tree or the new one, never a mix."""
    import shutil

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.{os.getpid()}.{next(_COUNTER)}.tmp"
    try:
        _write_staging(staging, files)
        if not os.path.lexists(target):
            os.rename(staging, target)
            return
        if os.path.islink(target) or not target.is_dir():
            raise NotADirectoryError(f"{target} is there and is not a directory; nothing was replaced")
        retired = target.parent / f".{target.name}.{os.getpid()}.{next(_COUNTER)}.old"
        os.rename(target, retired)
        os.rename(staging, target)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        if os.path.lexists(staging):
            shutil.rmtree(staging, ignore_errors=True)


def write_new_tree(target: Path, files: dict[str, bytes]) -> None:
    """Create ``target`` as a directory holding exactly ``files``, in one step; raises
    FileExistsError, and writes nothing, when something is at ``target`` already."""
    import shutil

    target = Path(target)
    staging = target.parent / f".{target.name}.{os.getpid()}.{next(_COUNTER)}.tmp"
    try:
        _write_staging(staging, files)
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "exists already", str(target))
        os.rename(staging, target)  # an empty directory made meanwhile is the only thing it could replace
    finally:
        if os.path.lexists(staging):
            shutil.rmtree(staging, ignore_errors=True)


def _write_staging(staging: Path, files: dict[str, bytes]) -> None:
    os.mkdir(staging)
    for relative, data in files.items():
        parts = Path(relative).parts
        if not relative or ".." in parts or Path(relative).is_absolute() or "\0" in relative:
            raise ValueError(f"{relative!r}: not a path inside the tree")
        path = staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as stream:
            stream.write(data)
