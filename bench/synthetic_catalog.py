"""Write a synthetic catalog of N environments, copied from the bundled sample catalog.

Each copy gets a unique name (and image name) so the catalog lints as clean as the
sample does; deprecated copies point at the copy of their replacement in the same batch.

    python bench/synthetic_catalog.py OUT_DIR 5000
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "environments"


def sample_environments() -> list[Path]:
    return sorted(p for p in SAMPLE.iterdir() if (p / "asset.yaml").is_file())


def write_catalog(out: Path, count: int) -> list[str]:
    samples = sample_environments()
    names = [p.name for p in samples]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(count):
        source = samples[index % len(samples)]
        batch = index // len(samples)
        suffix = f"b{batch:05d}"
        name = f"{source.name}-{suffix}"
        target = out / name
        shutil.copytree(source, target, dirs_exist_ok=True)
        for file in ("asset.yaml", "environment.yaml", "spec.yaml"):
            path = target / file
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"^name: .*$", f"name: {name}", text, count=1, flags=re.M) if file == "asset.yaml" else text
            text = text.replace(f"azureml/curated/{source.name}\n", f"azureml/curated/{name}\n")
            for other in names:
                text = text.replace(f"Please use {other} instead.", f"Please use {other}-{suffix} instead.")
            path.write_text(text, encoding="utf-8")
        dockerfile = target / "context" / "Dockerfile"
        if dockerfile.is_file():  # each copy installs into its own directory, so no two definitions are one
            dockerfile.write_text(dockerfile.read_text(encoding="utf-8").replace(
                f"/azureml-envs/{source.name}", f"/azureml-envs/{name}"), encoding="utf-8")
        written.append(name)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    write_catalog(Path(sys.argv[1]), int(sys.argv[2]))
