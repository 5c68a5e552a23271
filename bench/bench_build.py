"""Builds: each sample environment built with buildah on the stand-in bases, cold (the
base image not in the builder's storage) and with the base cached; and the time
`catalog build` takes to decide that nothing needs building in a synthetic catalog.

    python bench/bench_build.py [--count 5000] [--repeat 3] [--only NAME ...] [--skip-builds]

Builds need root, buildah, docker-registry and debootstrap (the stand-in registry,
tests/servers/standin_registry.py, state cached in ~/.cache/envcatalog/standin). The
decision is measured on `--count` copies of the sample catalog, each seeded with a
passing build report of its pinned definition, against the test registry and package
index on 127.0.0.1 (their answers cached after the first run, as a CI machine's would be).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
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

from bench_versions import PROJECTS  # noqa: E402  (the package index's answers for the synthetic catalog)
from synthetic_catalog import write_catalog  # noqa: E402

from tests.servers.fixtures import start_process, stop  # noqa: E402

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def catalog(args: list[str], cwd: Path, env: dict | None = None) -> tuple[float, int, list[str]]:
    environment = dict(os.environ, PYTHONPATH=str(REPO), CI="true", **(env or {}))
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "catalog", *args], cwd=cwd, env=environment, capture_output=True, text=True
    )
    return time.perf_counter() - started, result.returncode, (result.stdout + result.stderr).strip().splitlines()


def storage_env(directory: Path) -> dict:
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "storage.conf"
    conf.write_text(
        f'[storage]\ndriver = "vfs"\nrunroot = "{directory / "run"}"\ngraphroot = "{directory / "graph"}"\n'
    )
    return {"CONTAINERS_STORAGE_CONF": str(conf), "STORAGE_DRIVER": "vfs"}


def wipe_storage(env: dict, directory: Path) -> None:
    for args in (["rm", "--all"], ["rmi", "--all", "--force"]):
        subprocess.run(["buildah", *args], env=dict(os.environ, **env), capture_output=True)
    shutil.rmtree(directory, ignore_errors=True)


def bench_builds(work: Path, only: list[str]) -> None:
    from catalog.model import load_catalog

    names = [env.name for env in load_catalog([REPO / "environments"]).environments if env.context is not None]
    names = [name for name in sorted(names) if not only or name in only]
    state = Path(os.environ.get("CATALOG_STANDIN_STATE") or Path.home() / ".cache" / "envcatalog" / "standin")
    storage = work / "containers"
    env = storage_env(storage)
    registry = subprocess.Popen(
        [sys.executable, "-m", "tests.servers.standin_registry", "--port", "5799", "--state-dir", str(state)],
        cwd=REPO,
        env=dict(os.environ, **env),
        stdout=subprocess.PIPE,
        text=True,
    )
    url = registry.stdout.readline().strip()
    try:
        project = work / "sample"
        shutil.copytree(REPO / "environments", project / "environments")
        shutil.copytree(REPO / "releases", project / "releases")
        (project / "pyproject.toml").write_text(
            '[tool.catalog]\nroots = ["environments"]\n\n[tool.catalog.pin]\nregistry-mirrors = '
            f'{{ "mcr.microsoft.com" = "{url}" }}\n'
            f'cache-dir = ".cache"\n\n[tool.catalog.build]\nbuilder = "buildah"\nca-bundle = "{CA_BUNDLE}"\n'
        )
        print(f"{'environment':<30} {'cold':>9} {'base cached':>12}  image")
        for name in names:
            wipe_storage(env, storage)
            env = storage_env(storage)
            cold, code_cold, _ = catalog(["build", name, "--all", "--discard-images"], project, env)
            warm, code_warm, _ = catalog(["build", name, "--all"], project, env)
            report = max((project / "build-reports" / name).glob("*.json"), key=lambda p: p.stat().st_mtime)
            data = json.loads(report.read_text())
            size = data.get("image_size_bytes", 0) / 1e6
            status = "" if code_cold == code_warm == 0 else f"  (exit {code_cold}, {code_warm}: {data['message']})"
            print(f"{name:<30} {cold:8.1f}s {warm:11.1f}s  {size:5.0f} MB{status}", flush=True)
            subprocess.run(["buildah", "rmi", "--all", "--force"], env=dict(os.environ, **env), capture_output=True)
    finally:
        registry.send_signal(signal.SIGINT)
        registry.wait(30)
        wipe_storage(env, storage)


def bench_decision(work: Path, count: int, repeat: int) -> None:
    data = work / "projects.json"
    data.write_text(json.dumps(PROJECTS))
    registry, registry_port = start_process([sys.executable, "-m", "tests.servers.faulty_registry"])
    index, index_port = start_process([sys.executable, "-m", "tests.servers.package_index", str(data)])
    try:
        big = work / "big"
        started = time.perf_counter()
        write_catalog(big / "environments", count)
        (big / "pyproject.toml").write_text(
            '[tool.catalog]\nroots = ["environments"]\n\n[tool.catalog.pin]\n'
            f'index-url = "http://127.0.0.1:{index_port}/simple/"\n'
            f'registry-mirrors = {{ "mcr.microsoft.com" = "http://127.0.0.1:{registry_port}" }}\ncache-dir = ".cache"\n'
        )
        wall, code, lines = catalog(["build", "--plan", "--format", "json", "--all"], big)
        planned = json.loads("\n".join(lines))
        reports = big / "build-reports"
        for item in planned:  # a passing report of each pinned definition: everything is up to date
            if item["action"] != "build":
                continue
            path = reports / item["environment"] / f"{item['version']}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps(
                    {
                        "version": 2,
                        "environment": item["environment"],
                        "asset_version": item["version"],
                        "status": "passed",
                        "started_at": "2026-11-20T10:00:00Z",
                        "finished_at": "2026-11-20T10:04:30Z",
                        "content_hash": item["content_hash"],
                        "image": item["image"],
                        "checks": [],
                        "packages": [],
                        "policy": [],
                    }
                )
            )
        print(f"(wrote {count} environments and their reports in {time.perf_counter() - started:.1f} s; "
              f"first plan {wall:.1f} s)")
    finally:
        stop(registry)
        stop(index)
    runs = [catalog(["build"], big) for _ in range(repeat)]
    walls = [wall for wall, _, _ in runs]
    print(f"catalog build, {count} environments, nothing to build: median {statistics.median(walls):.2f} s, "
          f"min {min(walls):.2f} s, exit {sorted({code for _, code, _ in runs})}: {runs[-1][2][-1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--skip-builds", action="store_true")
    options = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        bench_decision(work, options.count, options.repeat)
        if not options.skip_builds:
            bench_builds(work, options.only)


if __name__ == "__main__":
    main()
