"""Forked workers die with their parent: killing `catalog lint` or `catalog site` leaves nothing running."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO


def write_synthetic_catalog(root: Path, count: int) -> None:
    """bench/synthetic_catalog.py's copies of the sample catalog: enough environments to fork workers."""
    spec = importlib.util.spec_from_file_location("synthetic_catalog", REPO / "bench" / "synthetic_catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_catalog(root, count)


def workers_of(pid: int) -> list[int]:
    """Children of ``pid`` that are forks of it (same command line): its workers, not git."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        children = [int(child) for task in os.listdir(f"/proc/{pid}/task")
                    for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    except OSError:
        return []
    found = []
    for child in children:
        try:
            if Path(f"/proc/{child}/cmdline").read_bytes() == command:
                found.append(child)
        except OSError:
            pass
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie is dead, only not reaped yet


@pytest.fixture(scope="module")
def big_catalog(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("big")
    write_synthetic_catalog(project / "environments", 400)
    return project


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("command", ["lint", "site"])
@pytest.mark.parametrize("signal_number", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_the_parent_kills_its_workers(big_catalog, command, signal_number):
    parent = subprocess.Popen([sys.executable, "-m", "catalog", command], cwd=big_catalog,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=dict(os.environ, PYTHONPATH=str(REPO)))
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and parent.poll() is None and len(workers) < 2:
            workers = workers_of(parent.pid)
            time.sleep(0.005)
        assert len(workers) >= 2, "the run never forked its workers"
        parent.send_signal(signal_number)
        assert parent.wait(timeout=30) == -signal_number
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(running(pid) for pid in workers):
            time.sleep(0.05)
        assert [pid for pid in workers if running(pid)] == []
    finally:
        for pid in [parent.pid, *workers]:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        parent.wait(timeout=30)


def test_workers_keep_what_they_read_from_the_first_round_to_the_second():
    from catalog.forking import map_forked_rounds

    kept: dict[int, int] = {}  # each worker's own copy: filled in the first round, read in the second

    def first(index: int, shares: int) -> list:
        kept[index] = os.getpid()
        return [(index, os.getpid())]

    def second(index: int, shares: int, answer: dict) -> list:
        return [(index, kept[index] == os.getpid(), answer[index])]

    firsts, seconds = map_forked_rounds(first, second, lambda found: {i: pid * 2 for i, pid in found}, 3)
    assert [index for index, _ in firsts] == [0, 1, 2]
    assert len({pid for _, pid in firsts} | {os.getpid()}) == 4  # three workers besides this process
    assert seconds == [(i, True, pid * 2) for i, pid in firsts]
    assert kept == {}  # the parent's copy was never touched


def test_a_worker_that_fails_fails_the_call_in_one_line():
    from catalog.forking import map_forked_rounds

    def second(index: int, shares: int, answer: object) -> list:
        if index == 1:
            raise ValueError("share 1 is broken")
        return [index]

    with pytest.raises(RuntimeError, match="^a worker failed: ValueError: share 1 is broken$"):
        map_forked_rounds(lambda index, shares: [index], second, lambda found: None, 2)
    with pytest.raises(RuntimeError, match="^a worker died before it finished its share$"):
        map_forked_rounds(lambda index, shares: os._exit(3), second, lambda found: None, 2)
