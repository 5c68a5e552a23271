"""When work may be shared among forked worker processes, and how they die with their parent."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
Answer = TypeVar("Answer")


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


def map_forked_rounds(first: Callable[[int, int], list], second: Callable[[int, int, Answer], list],
                      between: Callable[[list], Answer], workers: int) -> tuple[list, list]:
    """Two rounds of work in the same forked workers, with the parent in between.

    Worker ``index`` of ``workers`` runs ``first(index, workers)``; the parent joins those
    results (in worker order) and passes them to ``between``, whose answer every worker
    receives for ``second(index, workers, answer)``. A worker keeps what it read in the
    first round for the second (loaded environments, say); only the results and the answer
    are pickled. Returns (the first round's results, the second's), joined in worker order.
    Call only when ``fork_is_safe()``; killing the parent kills the workers.
    """
    context = multiprocessing.get_context("fork")
    parent = os.getpid()
    pipes = [context.Pipe() for _ in range(workers)]

    def serve(index: int, connection) -> None:
        _die_with_parent(parent)
        try:
            connection.send((True, first(index, workers)))
            answer = connection.recv()
            connection.send((True, second(index, workers, answer)))
        except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
            connection.send((False, f"{type(exc).__name__}: {exc}"))
        finally:
            connection.close()

    processes = [context.Process(target=serve, args=(index, child), daemon=True)
                 for index, (_, child) in enumerate(pipes)]
    previous = signal.signal(signal.SIGTERM, _terminate_with_workers)
    try:
        for process in processes:
            process.start()
        for _, child in pipes:
            child.close()
        firsts = _receive([mine for mine, _ in pipes])
        answer = between(firsts)
        for mine, _ in pipes:
            mine.send(answer)
        return firsts, _receive([mine for mine, _ in pipes])
    finally:
        signal.signal(signal.SIGTERM, previous)
        for process in processes:
            if process.is_alive():
                process.kill()
            process.join()


def _receive(connections: list) -> list:
    """Each worker's results of one round, joined in worker order; a worker's failure is raised here."""
    joined: list = []
    for connection in connections:
        try:
            succeeded, value = connection.recv()
        except EOFError:
            raise RuntimeError("a worker died before it finished its share") from None
        if not succeeded:
            raise RuntimeError(f"a worker failed: {value}")
        joined.extend(value)
    return joined


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
