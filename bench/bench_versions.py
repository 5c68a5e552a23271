"""Pinning and releasing: `catalog pin --check` on the sample catalog (cold cache, then
warm), and `catalog release --dry-run` on a synthetic catalog with nothing changed.

    python bench/bench_versions.py [--count 5000] [--repeat 3]

The registry and the package index are real HTTP servers on 127.0.0.1 (the test
suite's stand-ins: tests/servers), named in [tool.catalog.pin] as the mirror of
mcr.microsoft.com and the index. A warm cache must ask neither: the servers are
stopped before the warm runs, so a warm run that asked would fail.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from synthetic_catalog import write_catalog  # noqa: E402

from tests.servers.fixtures import start_process, stop  # noqa: E402

PROJECTS = {"azureml-inference-server-http": [{"filename": "azureml_inference_server_http-1.4.0-py3-none-any.whl"}],
            "azureml-mlflow": [{"filename": "azureml_mlflow-1.58.0-py3-none-any.whl"}]}


def catalog(args: list[str], cwd: Path) -> tuple[float, int, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "catalog", *args], cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, result.returncode, (result.stdout + result.stderr).strip().splitlines()[-1:]


def configure(project: Path, registry: str, index: str) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.catalog]\nroots = ["environments"]\n\n[tool.catalog.pin]\n'
        f'index-url = "{index}"\nregistry-mirrors = {{ "mcr.microsoft.com" = "{registry}" }}\ncache-dir = ".cache"\n')


def report(label: str, runs: list[tuple[float, int, list]]) -> None:
    walls = [wall for wall, _, _ in runs]
    print(f"{label:<52} median {statistics.median(walls):7.3f} s  min {min(walls):7.3f} s  "
          f"exit {sorted({code for _, code, _ in runs})}  {runs[-1][2][0] if runs[-1][2] else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "projects.json"
        data.write_text(json.dumps(PROJECTS))

        def servers():
            registry, registry_port = start_process([sys.executable, "-m", "tests.servers.faulty_registry"])
            index, index_port = start_process([sys.executable, "-m", "tests.servers.package_index", str(data)])
            return (registry, index), f"http://127.0.0.1:{registry_port}", f"http://127.0.0.1:{index_port}/simple/"

        sample = work / "sample"
        shutil.copytree(REPO / "environments", sample / "environments")
        cold = []
        for _ in range(options.repeat):
            processes, registry, index = servers()
            configure(sample, registry, index)
            shutil.rmtree(sample / ".cache", ignore_errors=True)
            cold.append(catalog(["pin", "--check"], sample))
            for process in processes:
                stop(process)
        report("pin --check, sample catalog, cold cache", cold)
        report("pin --check, sample catalog, warm (servers stopped)",
               [catalog(["pin", "--check"], sample) for _ in range(options.repeat)])

        big = work / "big"
        started = time.perf_counter()
        write_catalog(big / "environments", options.count)
        print(f"(wrote {options.count} environments in {time.perf_counter() - started:.1f} s)")
        processes, registry, index = servers()
        configure(big, registry, index)
        report(f"release, {options.count} environments, first release", [catalog(["release"], big)])
        for process in processes:
            stop(process)
        report(f"release --dry-run, {options.count} environments, nothing changed",
               [catalog(["release", "--dry-run"], big) for _ in range(options.repeat)])


if __name__ == "__main__":
    main()
