"""`catalog lint` beside the public azureml-assets validator, on one synthetic catalog.

    python bench/bench_azureml.py [--count 60] [--rounds 5] [--cache DIR] [--repo CHECKOUT]

Writes COUNT environments in azureml-assets' own layout (asset.yaml with
`type: environment`, `spec: spec.yaml`, `extra_config: environment.yaml`,
`description_file`, categories and pytest settings; context/Dockerfile and
requirements.txt; tests/), installs azureml-assets into a venv of its own under the
cache directory (never the project's venv), checks that both tools accept the catalog,
then runs each ROUNDS times, alternating, and prints the medians and their ratio.
It skips, exit status 0, when azureml-assets cannot be installed.

The validator runs as its CI does, and both tools are given the environment directories
one by one, as pre-commit and CI pass them:
    python -m azureml.assets.validate_assets -i DIR,DIR,... -a asset.yaml -n -I -C -b -t -e
    python -m catalog lint DIR DIR ...

With --repo, the catalog is a checkout of the real azureml-assets repository instead
(its environments under assets/); both tools then report findings, and each must give
the same exit status every round.
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

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "envcatalog-bench"
VALIDATOR_FLAGS = ["-a", "asset.yaml", "-n", "-I", "-C", "-b", "-t", "-e"]

# framework token, tag name, first version: names such as sklearn-1.7 or pytorch-2.12,
# which both tools' naming conventions accept
FRAMEWORKS = [("sklearn", "Scikit-learn", (1, 0)), ("pytorch", "PyTorch", (2, 0)), ("tensorflow", "TensorFlow", (2, 0))]


DISTRIBUTIONS = {"sklearn": "scikit-learn", "pytorch": "torch", "tensorflow": "tensorflow"}

def environment_files(name: str, tag: str, version: str, index: int) -> dict[str, str]:
    python = ("3.10", "3.11", "3.12")[index % 3]
    gpu = index % 2 == 1
    base = "openmpi4.1.0-cuda12.1-cudnn8-ubuntu22.04" if gpu else "openmpi4.1.0-ubuntu22.04"
    return {
        "asset.yaml": (
            f"name: {name}\nversion: auto\ntype: environment\nspec: spec.yaml\n"
            "extra_config: environment.yaml\ndescription_file: description.md\n"
            f'categories: ["{tag}", "Training"]\n'
            "test:\n  pytest:\n    enabled: true\n    pip_requirements: tests/requirements.txt\n    tests_dir: tests\n"
        ),
        "environment.yaml": (
            f"image:\n  name: azureml/curated/{name}\n  os: linux\n  context:\n    dir: context\n"
            "    dockerfile: Dockerfile\n    template_files:\n    - Dockerfile\n    - requirements.txt\n"
            "  publish:\n    location: mcr\n    visibility: public\n"
        ),
        "spec.yaml": (
            "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\n\n"
            f"description: >-\n  Synthetic {tag} {version} environment number {index} for benchmarks.\n\n"
            'name: "{{asset.name}}"\nversion: "{{asset.version}}"\n\n'
            'build:\n  path: "{{image.context.path}}"\n  dockerfile_path: "{{image.dockerfile.path}}"\n\n'
            f'os_type: linux\n\ntags:\n  {tag}: "{version}"\n  OS: Ubuntu22.04\n  Training: ""\n'
            f'  OpenMpi: "4.1.0"\n  Python: "{python}"\n' + ("  GPU: Cuda12\n" if gpu else "")
        ),
        "description.md": f"# {name}\n\nA synthetic {tag} {version} environment for benchmarks.\n",
        "context/Dockerfile": (
            f"FROM mcr.microsoft.com/azureml/{base}:{{{{latest-image-tag}}}}\n\nWORKDIR /\n"
            f"ENV CONDA_PREFIX=/azureml-envs/{name}\nENV PATH=$CONDA_PREFIX/bin:$PATH\n\n"
            f"RUN conda create -p $CONDA_PREFIX -q -y python={python} pip && conda clean -a -y\n"
            "COPY requirements.txt /tmp/requirements.txt\n"
            "RUN conda run -p $CONDA_PREFIX pip install --no-cache-dir -r /tmp/requirements.txt\n"
        ),
        "context/requirements.txt": (
            f"{DISTRIBUTIONS[name.split('-')[0]]}=={version}.*\n"
            "azureml-core=={{latest-pypi-version}}\nazureml-mlflow=={{latest-pypi-version}}\nmlflow\n"
        ),
        "tests/requirements.txt": "azure-ai-ml\nazure-identity\n",
        "tests/environment_test.py": f'"""Build {name} and run a job in it."""\n\n\ndef test_environment():\n    '
        "assert True\n",
    }


def write_catalog(root: Path, count: int) -> list[str]:
    names = []
    for index in range(count):
        token, tag, (major, minor) = FRAMEWORKS[index % len(FRAMEWORKS)]
        version = f"{major}.{minor + index // len(FRAMEWORKS)}"
        name = f"{token}-{version}"
        for relative, text in environment_files(name, tag, version, index).items():
            path = root / name / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        names.append(name)
    return names


def environment_directories(assets: Path) -> list[Path]:
    """The directories of every environment asset under ``assets`` (asset.yaml with ``type: environment``)."""
    found = []
    for asset in sorted(assets.rglob("asset.yaml")):
        if any(line.strip() == "type: environment" for line in asset.read_text(errors="replace").splitlines()):
            found.append(asset.parent)
    return found


def validator_python(cache: Path) -> Path | None:
    """A venv with azureml-assets under ``cache``, made on first use; None if pip cannot."""
    venv = cache / "azureml-assets-venv"
    python = venv / "bin" / "python"
    ready = venv / ".installed"
    if ready.is_file():
        return python
    cache.mkdir(parents=True, exist_ok=True)
    print(f"installing azureml-assets into {venv} (once; several minutes) ...", flush=True)
    steps = [[sys.executable, "-m", "venv", "--clear", str(venv)],
             [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "azureml-assets"]]
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True)
        if result.returncode != 0:
            reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"skipped: azureml-assets cannot be installed ({reason})")
            return None
    ready.write_text("")
    return python


def child_env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # time runs with compiled bytecode, as users have it
    return env


def run(command: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system), exit code and output of one process."""
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, env=child_env(), stdout=output, stderr=subprocess.STDOUT, text=True
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        return wall, usage.ru_utime + usage.ru_stime, process.returncode, output.read()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the validator's venv lives (default "
                                                                          f"{DEFAULT_CACHE})")
    parser.add_argument("--repo", type=Path, help="a checkout of Azure/azureml-assets to lint instead")
    options = parser.parse_args()

    python = validator_python(options.cache)
    if python is None:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if options.repo is not None:
            directories = environment_directories(options.repo.resolve() / "assets")
            described = f"{len(directories)} environments of the azureml-assets repository at {options.repo}"
            (work / "pyproject.toml").write_text(f'[tool.catalog]\nroots = ["{options.repo.resolve() / "assets"}"]\n')
        else:
            catalog = work / "environments"
            directories = [catalog / name for name in write_catalog(catalog, options.count)]
            described = f"{options.count} environments in the azureml-assets layout"
        named = [str(directory) for directory in directories]
        tools = {
            "azureml-assets validate_assets": [
                str(python), "-m", "azureml.assets.validate_assets", "-i", ",".join(named), *VALIDATOR_FLAGS,
            ],
            "envcatalog catalog lint": [sys.executable, "-m", "catalog", "lint", *named],
        }
        expected = {}
        for label, command in tools.items():  # these runs also warm caches
            _, _, code, output = run(command, work)
            if code != 0 and options.repo is None:
                print(f"{label} rejects the synthetic catalog (exit {code}):\n{output[-3000:]}")
                return 1
            expected[label] = code
        print(f"{described}, named one by one; exit status {expected}; "
              f"{options.rounds} rounds, the two commands alternating")
        walls: dict[str, list[float]] = {label: [] for label in tools}
        cpus: dict[str, list[float]] = {label: [] for label in tools}
        for _ in range(options.rounds):
            for label, command in tools.items():
                wall, cpu, code, output = run(command, work)
                assert code == expected[label], output
                walls[label].append(wall)
                cpus[label].append(cpu)
        for label in tools:
            print(
                f"{label:<32} wall median {statistics.median(walls[label]):6.3f} s "
                f"(min {min(walls[label]):.3f}, max {max(walls[label]):.3f}); CPU median "
                f"{statistics.median(cpus[label]):6.3f} s"
            )
        ours, theirs = "envcatalog catalog lint", "azureml-assets validate_assets"
        print(f"envcatalog is {statistics.median(walls[theirs]) / statistics.median(walls[ours]):.1f}x faster "
              f"(wall), {statistics.median(cpus[theirs]) / statistics.median(cpus[ours]):.1f}x (CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
