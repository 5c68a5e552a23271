"""When work may be shared among forked worker processes."""

from __future__ import annotations

import multiprocessing
import sys
import threading


def fork_is_safe() -> bool:
    """Whether this process can fork workers that see its loaded catalog.

    The Dockerfile parser runs a Go runtime whose threads do not survive fork(), and
    neither do any other threads (a file watcher under `mkdocs serve`, say).
    """
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and "dockerfile" not in sys.modules
        and threading.active_count() == 1
    )
