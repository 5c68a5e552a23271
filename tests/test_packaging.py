"""A non-editable ``pip install .`` gives a working ``catalog`` with its schemas and templates."""

import json
import os
import subprocess
import sys

from tests.conftest import REPO


def test_wheel_install_in_fresh_venv(tmp_path):
    venv = tmp_path / "venv"
    # System site-packages only supply the dependencies; envcatalog itself comes from the wheel.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    build = tmp_path / "src"
    build.mkdir()
    for part in ("catalog", "schemas", "site_templates", "pyproject.toml", "README.md"):
        subprocess.run(["cp", "-r", str(REPO / part), str(build)], check=True)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", str(build)],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )
    assert install.returncode == 0, install.stderr
    where = subprocess.run([str(python), "-c", "import catalog, pathlib; print(pathlib.Path(catalog.__file__).parent)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    package = where.stdout.strip()
    assert package.startswith(str(venv)), package
    shipped = sorted(os.listdir(os.path.join(package, "schemas")))
    assert {"asset.schema.json", "environment.schema.json", "spec.schema.json", "config.schema.json"} <= set(shipped)
    assert os.path.isdir(os.path.join(package, "site_templates"))
    catalog = venv / "bin" / "catalog"
    result = subprocess.run([str(catalog), "lint", "--format", "json", str(REPO / "environments")],
                            capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["environments"] >= 8
