"""The wheel, installed into an isolated venv with its dependencies, gives a working ``catalog``.

The venv sees nothing of the test environment or the base interpreter: pip fetches the
dependencies (at the versions CI pins) as a user's ``pip install`` would.
"""

import json
import os
import shutil
import subprocess
import sys

from tests.conftest import REPO

CONSTRAINTS = REPO / ".ci" / "constraints.txt"


def test_wheel_install_in_isolated_venv(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    source = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    source.mkdir()
    for part in ("catalog", "schemas", "site_templates", "pyproject.toml", "README.md"):
        copy = shutil.copytree if (REPO / part).is_dir() else shutil.copy2
        copy(REPO / part, source / part)

    def pip(*args):
        result = subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", *args],
                                capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    pip("wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(source))
    [wheel] = (tmp_path / "dist").glob("envcatalog-*.whl")
    pip("install", "-q", "-c", str(CONSTRAINTS), str(wheel))

    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    where = subprocess.run([str(python), "-c", "import catalog, pathlib; print(pathlib.Path(catalog.__file__).parent)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    package = where.stdout.strip()
    assert package.startswith(str(venv)), package + where.stderr
    shipped = sorted(os.listdir(os.path.join(package, "schemas")))
    assert {"asset.schema.json", "environment.schema.json", "spec.schema.json", "config.schema.json"} <= set(shipped)
    assert os.path.isdir(os.path.join(package, "site_templates"))
    catalog = venv / "bin" / "catalog"
    result = subprocess.run([str(catalog), "lint", "--format", "json", str(REPO / "environments")],
                            capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["environments"] >= 8
