"""A built catalog site served on 127.0.0.1, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import REPO, SPEC, write_env
from tests.site.conftest import write_build_report

CHROMIUM = os.environ.get("CATALOG_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]

HOSTILE = "<script>alert('desc')</script> <img src=x onerror=alert('img')> {{ 7*7 }} {% raw %}"
INJECTION_SPEC = f"""\
description: >-
  {HOSTILE} [click me](javascript:alert('link'))
name: "{{{{asset.name}}}}"
version: "{{{{asset.version}}}}"
build:
  path: "{{{{asset.repo.url}}}}#{{{{asset.repo.commit_hash}}}}:{{{{asset.repo.build_context.path}}}}"
  dockerfile_path: "{{{{image.dockerfile.path}}}}"
os_type: linux
tags:
  OS: Ubuntu22.04
  Python: "3.10"
  "<img src=x onerror=alert('tagkey')>": "<script>alert('tagvalue')</script>"
  Owner: "{{{{ config }}}} {{% for x in y %}}"
"""
INJECTION_DESCRIPTION = f"""\
# Injection test

{HOSTILE}

<div onmouseover="alert('block')"><script>alert('block-script')</script></div>

[a javascript link](javascript:alert('md-link')) and <a href="javascript:alert('a')">raw link</a>

{{{{ 7*7 }}}} {{% if true %}}jinja{{% endif %}}
"""


# The sample's sklearn-1.5 as built at versions 1 and 2 (the site shows these inventories).
BUILT_VERSIONS = {
    "1": {"scikit-learn": "1.5.2", "matplotlib": "3.9.2", "numpy": "2.1.3", "joblib": "1.4.2"},
    "2": {"scikit-learn": "1.5.2", "matplotlib": "3.9.4", "numpy": "2.1.3", "joblib": "1.4.2", "pyparsing": "3.2.0"},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mkdocs(project: Path, *args: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO), NO_MKDOCS_2_WARNING="1")
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", *args], cwd=project,
                           capture_output=True, text=True, env=env, timeout=600)
    assert build.returncode == 0, build.stdout + build.stderr


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    """The sample catalog plus a hostile environment, built with `mkdocs build --strict`."""
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(REPO / "environments", project / "environments")
    write_env(
        project / "environments",
        "injection-test",
        {"spec.yaml": INJECTION_SPEC, "description.md": INJECTION_DESCRIPTION},
    )
    shutil.copytree(REPO / "releases", project / "releases")
    for version, packages in BUILT_VERSIONS.items():
        write_build_report(project / "build-reports", "sklearn-1.5", version, packages)
    (project / "pyproject.toml").write_text('[tool.catalog]\nroots = ["environments"]\n')
    (project / "mkdocs.yml").write_text((REPO / "mkdocs.yml").read_text())
    (project / "site-docs").mkdir()  # MkDocs checks docs_dir exists before plugins run
    mkdocs(project, "--strict", "-d", "site")
    return project / "site"


@contextmanager
def serving(directory: Path):
    """A static web server for ``directory`` on 127.0.0.1 (a real process); yields its URL."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def base_url(site_dir):
    with serving(site_dir) as url:
        yield url


# Names and tags in the manner of the public curated-environment repository, long and short.
REALISTIC = [
    ("acft-medimageinsight-embedding-generator", 'GPU: Cuda12\n  Training: ""\n  Preview: ""\n', "gpu"),
    ("acpt-pytorch-2.2-cuda12.1", 'PyTorch: "2.2"\n  GPU: Cuda12\n  OS: Ubuntu20.04\n  Python: 3.10\n  Training: ""\n  '
     'Checkpointing:Nebula: "0.16.10"\n', "gpu"),
    ("ai-ml-automl-dnn-text-gpu-ptca", 'OS: Ubuntu20.04\n  Python: "3.9"\n  Training: ""\n', "gpu"),
    ("designer-cv-transform", 'OS: Ubuntu24.04\n  Python: "3.12.8"\n  Training: ""\n', "cpu"),
    ("sklearn-1.5", 'Scikit-learn: "1.5"\n  OS: Ubuntu20.04\n  Python: "3.10"\n  Training: ""\n', "cpu"),
    ("foundation-model-inference", 'vLLM: "0.20.2"\n  Inferencing: ""\n  Preview: ""\n', "gpu"),
    ("minimal-py312-cuda12.4-inference", 'OS: Ubuntu22.04\n  Python: "3.12"\n  Inferencing: ""\n', "gpu"),
    ("responsibleai-tabular", 'OS: Ubuntu24.04\n  Python: "3.10"\n  Foundry: ""\n  MaaS: ""\n', "cpu"),
    ("tensorflow-2.16-cuda12", 'Tensorflow: "2.16"\n  OS: Ubuntu20.04\n  Python: "3.10"\n  Training: ""\n  '
     'Deprecated: ""\n  DeleteOn: "2027-03-01"\n', "gpu"),
    ("mlflow-py312-inference", 'OS: Ubuntu22.04\n  Python: "3.12"\n  Inferencing: ""\n  MLflow: "2.17"\n', "cpu"),
]
BASES = {"gpu": "mcr.microsoft.com/azureml/openmpi5.0-cuda12.4-ubuntu22.04:{{latest-image-tag}}",
         "cpu": "mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:{{latest-image-tag}}"}


def write_realistic_catalog(root: Path, count: int, with_context: bool = True) -> None:
    """``count`` environments named and tagged like the real repository's (a suffix keeps names unique)."""
    for index in range(count):
        stem, tags, kind = REALISTIC[index % len(REALISTIC)]
        name = stem if index < len(REALISTIC) else f"{stem}-{index // len(REALISTIC)}"
        spec = SPEC.split("tags:\n", 1)[0] + "tags:\n  " + tags
        if "Deprecated" in tags:
            spec = spec.replace("description: A scikit-learn environment for tests.",
                                f'description: "DEPRECATED: Please use {REALISTIC[0][0]} instead."')
        files = {"spec.yaml": spec, "description.md": f"# {name}\n\nAn environment for tests.\n"}
        if with_context:
            files["context/Dockerfile"] = f"FROM {BASES[kind]}\nCOPY requirements.txt /tmp/\n"
        else:
            files.update({"context/Dockerfile": None, "context/requirements.txt": None,
                          "environment.yaml": "image:\n  name: azureml/curated/NAME\n  os: linux\n"})
        write_env(root, name, files)


@pytest.fixture(scope="session")
def realistic_site(tmp_path_factory) -> Path:
    """60 environments in another repository with the four-line mkdocs.yml, built with `mkdocs build --strict`."""
    project = tmp_path_factory.mktemp("realistic")
    write_realistic_catalog(project / "envs", 60)
    (project / "pyproject.toml").write_text('[tool.catalog]\nroots = ["envs"]\n')
    (project / "mkdocs.yml").write_text("site_name: Our environments\ntheme: material\nplugins: [catalog, search]\n")
    (project / "docs").mkdir()
    mkdocs(project, "--strict")
    return project / "site"


@pytest.fixture(scope="session")
def huge_home(tmp_path_factory) -> Path:
    """The home page of 5,000 environments (built alone: 5,000 environment pages would take minutes)."""
    from catalog.config import Config
    from catalog.site import SiteOptions, generate_site

    project = tmp_path_factory.mktemp("huge")
    write_realistic_catalog(project / "envs", 5000, with_context=False)
    generated = project / "generated"
    generate_site(SiteOptions(Config(base_dir=project, roots=("envs",)), generated))
    docs = project / "docs"
    docs.mkdir()
    shutil.copy(generated / "index.md", docs / "index.md")
    shutil.copytree(generated / "assets", docs / "assets")
    # this repository's settings for Zensical are the plugin's, without the plugin
    mkdocs_yml = (REPO / "mkdocs.yml").read_text().replace("docs_dir: site-docs", "docs_dir: docs")
    mkdocs_yml = mkdocs_yml.replace("plugins:\n  - catalog\n  - search\n", "plugins: []\n")
    (project / "mkdocs.yml").write_text(mkdocs_yml)
    mkdocs(project)
    return project / "site"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium libatomic1)")
    if ctypes.util.find_library("atomic") is None:  # Playwright's bundled node driver links it
        pytest.fail("libatomic.so.1 not found: Playwright's driver needs it (apt-get install libatomic1)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageWatch:
    """Everything a page did that a test may want to forbid."""

    def __init__(self, page, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("dialog", self._dialog)
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    @property
    def foreign_requests(self) -> list[str]:
        return [
            url
            for url in self.requests
            if not url.startswith(self.origin + "/") and not url.startswith(("data:", "blob:"))
        ]


@pytest.fixture
def page(browser, base_url, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    page.watch = PageWatch(page, base_url)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=False)
    context.close()
