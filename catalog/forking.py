"""When work may be shared among forked worker processes, and how they die with their parent."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


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


# The work of the current map_forked_shares call; forked workers inherit it, so neither
# the function nor the catalog it reads is pickled (only share indexes and results are).
_SHARE_WORK: tuple | None = None


def _run_share(index: int) -> list:
    assert _SHARE_WORK is not None, "a share runs only in a worker forked by map_forked_shares"
    work, shares = _SHARE_WORK
    return work(index, shares)


def map_forked_shares(work: Callable[[int, int], list], workers: int, shares_per_worker: int = 4) -> list:
    """``work(index, shares)`` for each share, in forked workers; the results joined in share order.

    Call only when ``fork_is_safe()``. More shares than workers even out the load.
    Killing the parent (any signal, SIGKILL too) kills the workers.
    """
    from concurrent.futures import ProcessPoolExecutor

    global _SHARE_WORK
    shares = workers * shares_per_worker
    _SHARE_WORK = (work, shares)
    previous = signal.signal(signal.SIGTERM, _terminate_with_workers)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
            return [item for share in pool.map(_run_share, range(shares)) for item in share]
    finally:
        signal.signal(signal.SIGTERM, previous)
        _SHARE_WORK = None


def _die_with_parent(parent: int) -> None:
    """In a worker: ask Linux for SIGKILL when the parent dies, however it dies."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited through fork
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _terminate_with_workers(signum: int, frame) -> None:
    """SIGTERM in the parent: stop the workers now, then die of the signal as if unhandled.

    Leaving it to the pool would wait for every worker to finish its share first.
    """
    for child in multiprocessing.active_children():
        child.kill()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
