"""Write files so that readers see the old content or the new, never half of it."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

_COUNTER = itertools.count()


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
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))
