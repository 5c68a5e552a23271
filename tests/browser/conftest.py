"""A built catalog site served on 127.0.0.1, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, write_env

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    """The sample catalog plus a hostile environment, built with `mkdocs build --strict`."""
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(REPO / "environments", project / "environments")
    write_env(project / "environments", "injection-test", {"spec.yaml": INJECTION_SPEC, "description.md": INJECTION_DESCRIPTION})
    (project / "pyproject.toml").write_text('[tool.catalog]\nroots = ["environments"]\n')
    (project / "mkdocs.yml").write_text((REPO / "mkdocs.yml").read_text())
    (project / "site-docs").mkdir()  # MkDocs checks docs_dir exists before plugins run
    env = dict(os.environ, PYTHONPATH=str(REPO), NO_MKDOCS_2_WARNING="1")
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", "site"], cwd=project,
                           capture_output=True, text=True, env=env, timeout=600)
    assert build.returncode == 0, build.stdout + build.stderr
    return project / "site"


@pytest.fixture(scope="session")
def base_url(site_dir):
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site_dir)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
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
        return [url for url in self.requests if not url.startswith(self.origin + "/") and not url.startswith(("data:", "blob:"))]


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
