"""Whole-process `catalog lint` timings: one environment, the sample catalog, and 5,000 environments.

    python bench/bench_lint.py [--count 5000] [--repeat 3]

Each run is a fresh `python -m catalog lint` process, so interpreter start-up and
imports are included. Peak memory is the child's maximum resident set size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic_catalog import write_catalog  # noqa: E402

REPO = HERE.parent


def run_once(args: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB, and exit code of one lint process."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    # Users run with compiled bytecode (pip compiles on install; Python caches the rest):
    # without it every run compiles the package again, which is not what start-up costs.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    pid = subprocess.Popen([sys.executable, "-m", "catalog", "lint", *args], cwd=cwd, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def measure(label: str, args: list[str], cwd: Path, repeat: int) -> None:
    runs = [run_once(args, cwd) for _ in range(repeat)]
    walls = [wall for wall, _, _ in runs]
    peak = max(rss for _, rss, _ in runs)
    codes = {code for _, _, code in runs}
    print(f"{label:<34} median {statistics.median(walls):6.3f} s  min {min(walls):6.3f} s  "
          f"peak RSS {peak:6.1f} MB  exit {sorted(codes)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    print(f"python {sys.version.split()[0]} ({sys.executable}), {os.cpu_count()} cores")
    run_once(["--help"], REPO)  # writes the bytecode caches; not timed
    startup = [run_once(["--help"], REPO)[0] for _ in range(options.repeat)]
    print(f"{'interpreter + CLI start (--help)':<34} median {statistics.median(startup):6.3f} s")
    measure("one environment", ["environments/sklearn-1.5"], REPO, options.repeat)
    measure("sample catalog", [], REPO, options.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        write_catalog(Path(tmp) / "environments", options.count)
        print(f"(wrote {options.count} environments in {time.perf_counter() - started:.1f} s)")
        measure(f"{options.count} environments", ["environments"], Path(tmp), options.repeat)
        measure(
            f"{options.count} environments, one target", ["environments/sklearn-1.5-b00000"], Path(tmp), options.repeat
        )


if __name__ == "__main__":
    main()
