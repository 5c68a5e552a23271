"""Progress of a build run: a live table on a terminal, plain lines in CI logs.

Builds take minutes; on a terminal each environment keeps one line that says what it
is doing and for how long, redrawn in place. Where output goes to a file or CI says
so (``CI=true``), each change is one plain line, so logs read top to bottom.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import IO

WAITING, DONE_STATES = "waiting", ("passed", "failed")


def elapsed_text(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def wants_live_progress(stream: IO[str]) -> bool:
    ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    return not ci and hasattr(stream, "isatty") and stream.isatty()


class PlainProgress:
    """One line per change of state."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self.started: dict[str, float] = {}
        self.lock = threading.Lock()

    def planned(self, names: list[str]) -> None:
        pass

    def update(self, name: str, phase: str) -> None:
        with self.lock:
            self.started.setdefault(name, time.monotonic())
            self.stream.write(f"{name}: {phase}\n")
            self.stream.flush()

    def finished(self, name: str, status: str, message: str) -> None:
        with self.lock:
            seconds = time.monotonic() - self.started.get(name, time.monotonic())
            self.stream.write(f"{name}: {status} in {elapsed_text(seconds)} ({message})\n")
            self.stream.flush()

    def close(self) -> None:
        pass


class LiveProgress(PlainProgress):
    """One line per environment, redrawn every half second with its phase and time."""

    def __init__(self, stream: IO[str] | None = None, interval: float = 0.5) -> None:
        super().__init__(stream)
        self.phases: dict[str, str] = {}
        self.ended: dict[str, float] = {}
        self.drawn = 0
        self.interval = interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def planned(self, names: list[str]) -> None:
        self.phases = {name: WAITING for name in names}
        self.thread.start()

    def update(self, name: str, phase: str) -> None:
        with self.lock:
            self.started.setdefault(name, time.monotonic())
            self.phases[name] = phase

    def finished(self, name: str, status: str, message: str) -> None:
        with self.lock:
            self.phases[name] = status
            self.ended[name] = time.monotonic()

    def _loop(self) -> None:
        while not self.stop.wait(self.interval):
            self._draw()

    def _draw(self) -> None:
        with self.lock:
            now = time.monotonic()
            width = max((len(name) for name in self.phases), default=0)
            lines = []
            for name, phase in self.phases.items():
                start = self.started.get(name)
                seconds = (self.ended.get(name, now) - start) if start is not None else 0
                mark = {"passed": "✓", "failed": "✗", WAITING: " "}.get(phase, "…")
                lines.append(f"{mark} {name:<{width}}  {phase:<12} {elapsed_text(seconds) if start else ''}")
            up = f"\x1b[{self.drawn}F" if self.drawn else ""
            self.stream.write(up + "".join(f"\x1b[2K{line}\n" for line in lines))
            self.stream.flush()
            self.drawn = len(lines)

    def close(self) -> None:
        if self.thread.is_alive():
            self.stop.set()
            self.thread.join()
        self._draw()


def make_progress(stream: IO[str] | None = None):
    stream = stream or sys.stdout
    return LiveProgress(stream) if wants_live_progress(stream) else PlainProgress(stream)
