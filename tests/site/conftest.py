"""Fixtures for the site tests: catalogs on disk, hostile environments, MkDocs projects."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from catalog.site import SiteOptions, generate_site
from tests.conftest import REPO, SPEC, write_env

TODAY = datetime.date(2026, 11, 22)
SAMPLE = REPO / "environments"

# Everything an attacker controls in an environment, in one place.
HOSTILE_DESCRIPTION = """\
# hostile

Script: <script>alert("xss-description")</script>
Image: <img src=x onerror=alert("xss-img")>
Link: [click me](javascript:alert("xss-link")) and [entity](&#106;avascript:alert("xss-entity"))
and [tabbed](java\tscript:alert("xss-tab")) and [data](data:text/html,<script>alert("xss-data")</script>)
Reference: [ref][evil]
Autolink: <javascript:alert("xss-autolink")>
Jinja: {{ config.site_name }} and {% if true %} and {# comment #}
Attributes: [styled](https://example.com){: onclick="alert('xss-attr')" }

<div class="xss-raw" onmouseover="alert('xss-div')">raw <b>HTML</b> block</div>

<!-- material/tags -->

<iframe src="javascript:alert('xss-iframe')"></iframe>

```html title="<img src=x onerror=alert('xss-title')>" onclick="alert('xss-fence')"
<script>alert("shown as code")</script>
```

`inline <script>alert("xss-inline")</script>`

    indented <script>alert("xss-indented")</script>

```
unclosed fence <script>alert("xss-unclosed")</script>

[evil]: javascript:alert("xss-reference")
"""

HOSTILE_TAG_KEY = '<script>alert("xss-tag-key")</script>'
HOSTILE_TAG_VALUE = '<img src=x onerror=alert("xss-tag-value")> {{ 7*7 }} {% endif %}'
HOSTILE_NAME = 'evil<script>alert("xss-name")</script>{{ 7*7 }}'


def hostile_spec() -> str:
    """A spec whose description and tags are hostile (YAML-quoted so they load as strings)."""
    spec = SPEC.replace(
        "description: A scikit-learn environment for tests.",
        'description: "<script>alert(\\"xss-spec\\")</script> {{ 7*7 }} {% if x %}"',
    )
    return spec + f"  {yaml_string(HOSTILE_TAG_KEY)}: {yaml_string(HOSTILE_TAG_VALUE)}\n" \
                  f"  Framework: {yaml_string('[x](javascript:alert(1)) | pipe')}\n"


def yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t") + '"'


def write_hostile_env(root: Path, name: str = HOSTILE_NAME, directory: str = "hostile") -> Path:
    env_dir = write_env(root, "hostile", {"description.md": HOSTILE_DESCRIPTION, "spec.yaml": hostile_spec()},
                        directory=directory)
    asset = env_dir / "asset.yaml"
    asset.write_text(asset.read_text().replace("name: hostile", f"name: {yaml_string(name)}"))
    return env_dir


def site_options(root: Path, out: Path, **overrides) -> SiteOptions:
    options = dict(out_dir=out, roots=[root], base_dir=root.parent, reports_dir=root.parent / "build-reports",
                   today=TODAY)
    options.update(overrides)
    return SiteOptions(**options)


def generate(root: Path, out: Path, **overrides):
    return generate_site(site_options(root, out, **overrides))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A repository of its own: pyproject.toml, a copy of the sample catalog and this repository's mkdocs.yml."""
    (tmp_path / "pyproject.toml").write_text('[tool.catalog]\nroots = ["environments"]\n')
    subprocess.run(["cp", "-r", str(SAMPLE), str(tmp_path / "environments")], check=True)
    (tmp_path / "mkdocs.yml").write_text((REPO / "mkdocs.yml").read_text())
    (tmp_path / "site-docs").mkdir()
    return tmp_path


FOUR_LINE_MKDOCS_YML = """\
site_name: Our environments
theme: material
plugins: [catalog, search]
"""


@pytest.fixture
def four_line_project(tmp_path: Path) -> Path:
    """Another repository using the catalog: pyproject.toml, an empty docs/ and the four-line mkdocs.yml."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "ours"\n\n[tool.catalog]\nroots = ["envs"]\n')
    subprocess.run(["cp", "-r", str(SAMPLE), str(tmp_path / "envs")], check=True)
    (tmp_path / "mkdocs.yml").write_text(FOUR_LINE_MKDOCS_YML)
    (tmp_path / "docs").mkdir()
    return tmp_path


def git(directory: Path, *args: str, date: str = "2026-01-02T03:04:05Z") -> str:
    """Run git in ``directory`` with a fixed identity and commit date."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(directory), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date}
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", *args]
    return subprocess.run(command, cwd=directory, check=True, capture_output=True, text=True, env=env).stdout


def commit_all(directory: Path, message: str = "catalog", date: str = "2026-01-02T03:04:05Z") -> None:
    if not (directory / ".git").exists():
        git(directory, "init", "-q")
    git(directory, "add", "-A")
    git(directory, "commit", "-q", "-m", message, date=date)


def mkdocs_build(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", *args], cwd=project,
                          capture_output=True, text=True, env=env, timeout=600)


class PageScan(HTMLParser):
    """Elements, attributes, script bodies and visible text of a built page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)

    @property
    def visible_text(self) -> str:
        return "".join(self.text).replace("\u200b", "")


def write_build_report(reports: Path, name: str, version: str, packages: dict[str, str], *,
                       status: str = "passed", finished_at: str = "2026-11-20T10:04:30Z",
                       content_hash: str | None = None, checks: list[dict] | None = None) -> dict:
    """A build report as ``catalog build`` writes it, made with the record class; returns its JSON."""
    from catalog.records.build_report import BaseImage, BuildReport, BuildReports, Check, CheckCounts, InstalledPackage

    checks = checks if checks is not None else [
        {"name": "python-version", "status": "passed", "detail": "Python 3.11.2 matches the Python tag 3.11"},
        {"name": "pip-check", "status": "passed", "detail": "No broken requirements found."}]
    counts = {state: sum(1 for c in checks if c["status"] == state) for state in ("passed", "failed", "skipped")}
    report = BuildReport(
        environment=name, asset_version=version, status=status, started_at="2026-11-20T10:00:00Z",
        finished_at=finished_at, duration_seconds=270.5, builder="buildah 1.28.2",
        image=f"azureml/curated/{name}:{version}", image_digest="sha256:" + "b" * 64, image_size_bytes=734003200,
        base_image=BaseImage("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20251110.v1", "sha256:" + "c" * 64),
        checks=tuple(Check(**check) for check in checks),
        tests=CheckCounts("failed" if counts["failed"] else "passed", **counts),
        packages=tuple(InstalledPackage(package, number, "pip") for package, number in sorted(packages.items())),
        log=f"logs/{name}-{version}.log", message="built and checked", content_hash=content_hash,
    )
    BuildReports(reports).write(report)
    return report.to_json()
