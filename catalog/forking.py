"""When work may be shared among forked worker processes."""

from __future__ import annotations

import multiprocessing
import sys
import threading
from typing import Callable


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
    work, shares = _SHARE_WORK
    return work(index, shares)


def map_forked_shares(work: Callable[[int, int], list], workers: int, shares_per_worker: int = 4) -> list:
    """``work(index, shares)`` for each share, in forked workers; the results joined in share order.

    Call only when ``fork_is_safe()``. More shares than workers even out the load.
    """
    from concurrent.futures import ProcessPoolExecutor

    global _SHARE_WORK
    shares = workers * shares_per_worker
    _SHARE_WORK = (work, shares)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return [item for share in pool.map(_run_share, range(shares)) for item in share]
    finally:
        _SHARE_WORK = None
