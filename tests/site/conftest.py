"""Fixtures for the site tests: catalogs on disk, hostile environments, MkDocs projects."""

from __future__ import annotations

import datetime
import os
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from catalog.config import Config
from catalog.resources import load_schema
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


def settle(*paths: Path) -> None:
    """Date files back, as if edited a while ago: fresh timestamps are never trusted by the cache."""
    old = time.time() - 60
    for path in paths:
        for file in [path, *path.rglob("*")] if path.is_dir() else [path]:
            os.utime(file, (old, old), follow_symlinks=False)


def catalog_config(root: Path, base_dir: Path | None = None, reports_dir: Path | None = None,
                   releases_dir: Path | None = None) -> Config:
    """The configuration of a catalog at ``root`` (absolute paths), its records beside it by default."""
    base = base_dir or root.parent
    return Config(base_dir=base, roots=(str(root),), build_reports=str(reports_dir or base / "build-reports"),
                  releases=str(releases_dir or base / "releases"))


def site_options(root: Path, out: Path, reports_dir: Path | None = None, releases_dir: Path | None = None,
                 base_dir: Path | None = None, **overrides) -> SiteOptions:
    overrides.setdefault("today", TODAY)
    return SiteOptions(catalog_config(root, base_dir, reports_dir, releases_dir), out, **overrides)


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


def _report() -> dict:
    from catalog.records.build_report import BuildReport, CheckCounts

    return BuildReport(
        environment="sklearn-1.5", asset_version="next", status="passed", started_at="2026-11-20T10:00:00Z",
        finished_at="2026-11-20T10:04:30Z", duration_seconds=270.5, image="azureml/curated/sklearn-1.5:next",
        image_digest="sha256:" + "a" * 64, image_size_bytes=734003200, builder="buildah 1.28.2", commit="abc1234",
        tests=CheckCounts("passed", 12, 0), log_url="https://ci.example.com/builds/1",
    ).to_json()


# A report's JSON as the record class writes it; tests vary it into what the class would
# never write (a wrong status, another environment) to check that readers refuse it.
REPORT = _report()


def built_pages(site: Path) -> dict[str, PageScan]:
    return {p.relative_to(site).as_posix(): PageScan(p.read_text()) for p in site.rglob("*.html")}


def assert_links_resolve(site: Path, pages: dict[str, PageScan]) -> None:
    """Every link between pages leads somewhere, tag links to their anchor on the tags page."""
    anchors = {page: {a["id"] for _, a in scan.elements if a.get("id")} for page, scan in pages.items()}
    for page, scan in pages.items():
        for tag, attributes in scan.elements:
            href = attributes.get("href") if tag == "a" else None
            target = local_target(site, page, href) if href else None
            if target is None or page == "404.html":
                continue
            assert target.exists(), (page, href)
            fragment = urlsplit(href).fragment
            if fragment and target.name == "index.html" and not fragment.startswith("__"):
                assert fragment in anchors[target.relative_to(site).as_posix()], (page, href)


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def start_serve(project: Path) -> tuple[subprocess.Popen, int, Path]:
    """`mkdocs serve` in ``project`` on a free port of 127.0.0.1: (process, port, its log)."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO), NO_MKDOCS_2_WARNING="1")
    log = project / "serve.log"
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--livereload", "-a", f"127.0.0.1:{port}"],
                              cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    return server, port, log


def wait_for(probe, what: str, timeout: float = 60):
    deadline = time.time() + timeout
    while True:
        try:
            value = probe()
            if value:
                return value
        except OSError:
            pass
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def catalog_validator() -> Draft202012Validator:
    schemas = [load_schema("catalog"), load_schema("build-report")]
    registry = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in schemas])
    Draft202012Validator.check_schema(schemas[0])
    Draft202012Validator.check_schema(schemas[1])
    return Draft202012Validator(schemas[0], registry=registry, format_checker=FormatChecker())


def local_target(site: Path, page: str, href: str) -> Path | None:
    """The file a relative link of a built page leads to; None for other links."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    target = urljoin("/" + page, parts.path).lstrip("/")
    return site / (target + "index.html" if target.endswith("/") or not target else target)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
