"""Runs INSIDE a freshly built image: every check and the package inventory in one start.

    python image_probe.py REQUEST.json

With vfs storage every container start copies the whole image, so the smoke test
asks everything at once: the Python version, ``pip check``, the key imports, the
environment's own pytest tests, ``pip list`` and ``conda list``. It prints one JSON
line, after ``RESULT_MARKER``, on standard output; what the commands print goes to
standard error (the build log). It imports nothing but the standard library, and runs
on any Python 3 an image may hold, so it is written for Python 3.6.
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile

RESULT_MARKER = "ENVCATALOG-PROBE-RESULT "
NOT_MODULES = {"test", "tests", "testing", "docs", "doc", "examples", "benchmarks", "bench", "scripts"}


def normalize(name):
    out = []
    for char in name.lower():
        out.append("-" if char in "-_." else char)
    text = "".join(out)
    while "--" in text:
        text = text.replace("--", "-")
    return text


def run(command, timeout, env=None):
    """(exit status, output) of a command, output also copied to standard error."""
    try:
        completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                                   env=env, text=True)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:.0f} s"
    except OSError as exc:
        return None, str(exc)
    sys.stderr.write(completed.stdout)
    return completed.returncode, completed.stdout


def modules_by_distribution():
    """Normalized distribution name -> its top-level modules, from the installed metadata."""
    try:
        from importlib import metadata
    except ImportError:  # Python < 3.8
        return {}
    found = {}
    if hasattr(metadata, "packages_distributions"):
        for module, distributions in metadata.packages_distributions().items():
            for distribution in distributions:
                found.setdefault(normalize(distribution), set()).add(module)
        return found
    for distribution in metadata.distributions():  # Python 3.8, 3.9
        name = normalize(distribution.metadata["Name"] or "")
        top_level = distribution.read_text("top_level.txt")
        modules = set((top_level or "").split())
        if not modules:
            for path in distribution.files or ():
                parts = str(path).split("/")
                if len(parts) > 1 and not parts[0].endswith((".dist-info", ".egg-info", ".data")):
                    modules.add(parts[0])
                elif parts[0].endswith(".py"):
                    modules.add(parts[0][:-3])
        found.setdefault(name, set()).update(modules)
    return found


def importable(module):
    return module.isidentifier() and not module.startswith("_") and module.lower() not in NOT_MODULES


def key_modules(distribution, modules):
    """The modules a distribution is for: those its name names (scikit-learn: sklearn,
    mlflow-skinny: mlflow), not the strays some wheels also ship (mlflow-skinny 2.9's
    pylint_plugins, matplotlib's pylab); all of them when none is named."""
    candidates = sorted(m for m in modules if importable(m))
    tokens = [token for token in normalize(distribution).split("-") if len(token) >= 3]
    whole = normalize(distribution).replace("-", "_")
    named = [m for m in candidates if m.lower() == whole or any(token in m.lower() for token in tokens)]
    return named or candidates


def check_python(request):
    version = platform.python_version()
    return {"name": "python-version", "value": version, "executable": sys.executable}


def check_pip(timeout):
    code, output = run([sys.executable, "-m", "pip", "check"], timeout)
    return {"name": "pip-check", "exit": code, "output": output.strip()[-4000:]}


def check_imports(request, timeout):
    wanted = request.get("imports") or []
    unresolved = []
    if not wanted:
        by_distribution = modules_by_distribution()
        for distribution in request.get("distributions") or []:
            modules = key_modules(distribution, by_distribution.get(normalize(distribution), ()))
            if modules:
                wanted.extend(m for m in modules if m not in wanted)
            else:
                unresolved.append(distribution)
    results = []
    for module in wanted:
        code, output = run(
            [sys.executable, "-c", "import importlib, sys; importlib.import_module(sys.argv[1])", module], timeout
        )
        last = output.strip().splitlines()[-1] if output.strip() else ""
        results.append({"module": module, "ok": code == 0, "detail": last[-500:] if code != 0 else ""})
    return {"name": "imports", "results": results, "unresolved": unresolved,
            "derived": not request.get("imports")}


def check_pytest(request, timeout):
    pytest = request.get("pytest")
    if not pytest:
        return None
    work = tempfile.mkdtemp(prefix="catalog-tests-")
    tests = os.path.join(work, "tests")
    shutil.copytree(pytest["tests_dir"], tests)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    if pytest.get("requirements"):
        code, output = run([sys.executable, "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check",
                            "-r", pytest["requirements"]], timeout, env)
        if code != 0:
            return {"name": "pytest", "stage": "requirements", "exit": code, "output": output.strip()[-2000:]}
    report = os.path.join(work, "junit.xml")
    code, output = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml", report, tests],
                       timeout, env)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    if os.path.isfile(report):
        import xml.etree.ElementTree as ElementTree

        for case in ElementTree.parse(report).getroot().iter("testcase"):
            kinds = {child.tag for child in case}
            if kinds & {"failure", "error"}:
                counts["failed"] += 1
            elif "skipped" in kinds:
                counts["skipped"] += 1
            else:
                counts["passed"] += 1
    return {"name": "pytest", "stage": "run", "exit": code, "counts": counts, "output": output.strip()[-2000:]}


def inventory(timeout):
    packages = []
    code, output = run(
        [sys.executable, "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"], timeout
    )
    if code == 0:
        try:
            listed = json.loads(output.strip().splitlines()[-1])
        except (ValueError, IndexError):
            listed = []
        packages.extend({"name": item["name"], "version": item["version"], "source": "pip"} for item in listed)
    conda = shutil.which("conda")
    if conda:
        code, output = run([conda, "list", "--json"], timeout)
        if code == 0:
            try:
                listed = json.loads(output)
            except ValueError:
                listed = []
            packages.extend({"name": item["name"], "version": item["version"], "source": "conda"} for item in listed
                            if item.get("channel") != "pypi")
    return packages


def main():
    with open(sys.argv[1]) as handle:
        request = json.load(handle)
    timeout = int(request.get("command_timeout") or 600)
    result = {"python": check_python(request), "pip_check": check_pip(timeout),
              "imports": check_imports(request, timeout)}
    result["packages"] = inventory(timeout)  # before the tests install their own requirements
    result["pytest"] = check_pytest(request, timeout)
    sys.stdout.write("\n" + RESULT_MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
