"""A build's log: bounded, written beside the last one and put in its place at the end.

One chatty RUN step can print hundreds of megabytes that CI then uploads and caches; the
log keeps its first ``head`` bytes and its last ``tail`` bytes, with a line saying how
much was cut between them. It is written under a temporary name and renamed when the
build ends, so an interrupted build never truncates the log a completed report names:
a completed build's log becomes ``logs/<name>-<version>.log``, an interrupted one's
``logs/<name>-<version>.interrupted.log``.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import threading
from pathlib import Path

from catalog.records.build_report import BuildReports

HEAD_BYTES = 16 << 20
TAIL_BYTES = 8 << 20
_COUNTER = itertools.count()


class BuildLog:
    """A text log several threads append to (the tool's output pumps, the build's own lines)."""

    def __init__(self, reports: BuildReports, name: str, version: str, head: int = HEAD_BYTES,
                 tail: int = TAIL_BYTES) -> None:
        self.reports = reports
        self.environment, self.version = name, version
        self.final = reports.log_path(name, version)
        directory = reports.make_logs_directory()
        self.name = str(directory / f".{self.final.name}.{os.getpid()}.{next(_COUNTER)}.tmp")
        self._stream = open(self.name, "xb")  # noqa: SIM115 - open until finish() closes it
        self._head, self._tail_bytes = head, tail
        self._head_left = head
        self._tail_limit = tail
        self._tail: collections.deque[bytes] = collections.deque()
        self._tail_size = 0
        self._cut = 0
        self._lock = threading.Lock()
        self.closed = False

    # file-like, for our own lines
    def write(self, text: str) -> int:
        self.write_bytes(text.encode("utf-8", "replace"))
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if not self.closed:
                self._stream.flush()

    def write_bytes(self, data: bytes) -> None:
        with self._lock:
            if self.closed or not data:
                return
            if self._head_left > 0:
                part = data[: self._head_left]
                self._stream.write(part)
                self._head_left -= len(part)
                data = data[len(part):]
                if not data:
                    return
            self._tail.append(data)
            self._tail_size += len(data)
            while self._tail_size - len(self._tail[0]) >= self._tail_limit:
                dropped = self._tail.popleft()
                self._tail_size -= len(dropped)
                self._cut += len(dropped)

    @property
    def cut(self) -> int:
        """Bytes left out so far (beyond what the tail still holds)."""
        return self._cut + max(0, self._tail_size - self._tail_limit)

    def recent(self, max_bytes: int) -> str:
        """The last ``max_bytes`` of what was logged (for telling the error that failed a step)."""
        with self._lock:
            tail = b"".join(self._tail)[-max_bytes:]
            if len(tail) < max_bytes and not self.closed:
                self._stream.flush()
                with open(self.name, "rb") as head:
                    head.seek(0, 2)
                    size = head.tell()
                    head.seek(max(0, size - (max_bytes - len(tail))))
                    tail = head.read() + tail
        return tail.decode("utf-8", "replace")

    def finish(self, interrupted: bool = False) -> Path:
        """Close the log and put it in place; returns where it now is."""
        with self._lock:
            if self._tail:
                data = b"".join(self._tail)
                extra = max(0, len(data) - self._tail_limit)
                cut = self._cut + extra
                if cut:
                    self._stream.write(f"\n*** {cut:,} bytes of output cut here: the log keeps its first "
                                       f"{self._head:,} bytes and its last {self._tail_bytes:,} ***\n".encode())
                self._stream.write(data[extra:])
            self._stream.close()
            self.closed = True
        target = self.reports.log_path(self.environment, self.version, interrupted=interrupted)
        os.replace(self.name, target)
        return target

    def discard(self) -> None:
        with self._lock:
            if not self.closed:
                self._stream.close()
                self.closed = True
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.name)
