"""Benchmark the site: generation of a large synthetic catalog, regeneration after one change,
and a full `mkdocs build`.

    python bench/bench_site.py                      # 10,000 environments, mkdocs build of 1,000
    python bench/bench_site.py --count 2000 --build-count 200 --repeat 1

Targets on a 2-core machine: generating 10,000 environments <= 10 s; regenerating after
one environment changes <= 0.2 s. Figures are wall-clock seconds; each is the median of
--repeat runs, with all runs shown. Other processes on the machine make them vary.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from synthetic_catalog import write_catalog  # noqa: E402

from catalog.config import Config  # noqa: E402
from catalog.site import SiteOptions, generate_site, site_options  # noqa: E402

TODAY = datetime.date(2026, 11, 22)


def options(root: Path, out: Path, **overrides) -> SiteOptions:
    return site_options(Config(base_dir=root.parent, roots=(root.name,)), out, today=TODAY, **overrides)


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def report(label: str, seconds: list[float], note: str = "") -> None:
    shown = ", ".join(f"{s:.3f}" for s in seconds)
    print(f"  {label:<58} {statistics.median(seconds):8.3f} s   ({shown}){note}", flush=True)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    path.write_text(text.replace(old, new, 1) if old else text + new)


def settle(root: Path, out: Path) -> None:
    """Let the last edits age past the cache's window for untrustworthy timestamps (2 s), unmeasured.

    An environment edited less than 2 s before a run is parsed again on the next run
    too; a user's earlier edits are older than that.
    """
    time.sleep(2.1)
    generate_site(options(root, out))


def bench_generation(work: Path, count: int, repeat: int) -> None:
    root = work / "environments"
    seconds, names = timed(write_catalog, root, count)
    print(f"Synthetic catalog: {count} environments written in {seconds:.1f} s (not part of any figure)\n")
    time.sleep(2.5)  # older than the cache's 2 s window for untrustworthy timestamps

    cold = []
    for index in range(repeat):
        seconds, result = timed(generate_site, options(root, work / f"out-{index}"))
        cold.append(seconds)
    report(f"generate {count} environments from scratch", cold,
           f"  [{result.parsed} parsed, {len(result.written)} files]")
    out = work / "out-0"
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"  {'':<58} output: {size / 2**20:.0f} MB in {sum(1 for _ in out.rglob('*.md'))} Markdown files")

    warm = [timed(generate_site, options(root, out))[0] for _ in range(repeat)]
    report("again, nothing changed (full check of every file)", warm)

    changed_full, changed_hinted, tagged_hinted, tagged_full = [], [], [], []
    for index in range(repeat):
        settle(root, out)
        env = root / names[(index * 7 + 3) % len(names)]
        edit(env / "description.md", "", f"\nEdited {index}.\n")
        seconds, result = timed(generate_site, options(root, out))
        changed_full.append(seconds)
        assert result.parsed == 1 and len(result.written) == 1, result.summary()

        edit(env / "description.md", "", f"\nEdited again {index}.\n")
        seconds, result = timed(generate_site, options(root, out, changed=[env / "description.md"]))
        changed_hinted.append(seconds)
        assert result.parsed == 1 and len(result.written) == 1, result.summary()

        edit(env / "spec.yaml", 'Python: "3.10"', 'Python: "3.9"')
        seconds, result = timed(generate_site, options(root, out, changed=[env / "spec.yaml"]))
        tagged_hinted.append(seconds)
        assert result.parsed == 1, result.summary()

        edit(env / "spec.yaml", 'Python: "3.9"', 'Python: "3.10"')
        seconds, result = timed(generate_site, options(root, out))
        tagged_full.append(seconds)
    report("one description.md edited, with the watcher's change list", changed_hinted, "  <- mkdocs serve")
    report("one description.md edited, full check of every file", changed_full, "  <- catalog site")
    report("one tag edited (page, home table, catalog.json), change list", tagged_hinted)
    report("one tag edited back, full check of every file", tagged_full)

    settle(root, out)
    env = root / names[5]
    edit(env / "description.md", "", "\nEdited by the command.\n")
    command = [sys.executable, "-m", "catalog", "site", "--out", str(out), "--today", TODAY.isoformat()]
    process = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, cwd=work, check=True, capture_output=True,
                       env=dict(os.environ, PYTHONPATH=str(REPO)))
        process.append(time.perf_counter() - started)
    report("`catalog site` as a process, after one edit (with start-up)", process)


def bench_mkdocs(work: Path, count: int, repeat: int) -> None:
    project = work / "project"
    write_catalog(project / "environments", count)
    (project / "pyproject.toml").write_text('[tool.catalog]\nroots = ["environments"]\n')
    mkdocs_yml = (REPO / "mkdocs.yml").read_text().replace(
        "custom_dir: site_templates/overrides", f"custom_dir: {REPO / 'site_templates' / 'overrides'}")
    (project / "mkdocs.yml").write_text(mkdocs_yml)
    (project / "site-docs").mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO), NO_MKDOCS_2_WARNING="1")
    builds = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=project, env=env,
                                capture_output=True, text=True)
        builds.append(time.perf_counter() - started)
        if result.returncode != 0:
            sys.exit(result.stderr[-3000:])
    site = project / "site"
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    pages = sum(1 for _ in site.rglob("*.html"))
    report(f"`mkdocs build --strict` of {count} environments (process)", builds,
           "  [first run generates the pages, later ones reuse them]")
    print(f"  {'':<58} site: {size / 2**20:.0f} MB, {pages} HTML pages, "
          f"search index {(site / 'search' / 'search_index.json').stat().st_size / 2**20:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="environments to generate (default 10000)")
    parser.add_argument("--build-count", type=int, default=1_000, help="environments for mkdocs build (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-site-"))
    print(f"Site benchmark on {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, in {work}\n")
    try:
        bench_generation(work / "generation", args.count, args.repeat)
        print()
        bench_mkdocs(work / "mkdocs", args.build_count, args.repeat)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
