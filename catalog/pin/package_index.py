"""A Python package index through the simple repository API (PEP 691 JSON, PEP 503 HTML).

The page is fetched here, within the lookup's bounds (``catalog.pin.http``: pypi-simple's
own client passes ``timeout=None`` to requests, so an index that never answers would hang
the run); ``pypi-simple`` parses it (content types, yanked files). What is ours is the
choice of version: the newest release by PEP 440 that has a file not yanked,
pre-releases only when asked.
"""

from __future__ import annotations

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from catalog import bounded_json
from catalog.pin.http import Deadline, HttpClient, LookupFailed, shown

DEFAULT_INDEX_URL = "https://pypi.org/simple/"
MAX_PAGE_BYTES = 32 << 20  # PyPI's largest project pages are a few MB
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPES = ("application/vnd.pypi.simple.v1+html", "text/html")


class PackageIndex:
    def __init__(self, http: HttpClient, index_url: str = DEFAULT_INDEX_URL) -> None:
        self.http = http
        self.index_url = index_url.rstrip("/") + "/"

    def project_url(self, project: str) -> str:
        return f"{self.index_url}{canonicalize_name(project)}/"

    def latest_version(self, project: str, pre: bool = False, deadline: Deadline | None = None) -> str:
        """The newest release of ``project`` that is not yanked (a pre-release only if ``pre``)."""
        from pypi_simple import ACCEPT_JSON_PREFERRED

        deadline = deadline or self.http.deadline()
        url = self.project_url(project)
        answer = self.http.request("GET", url, deadline, MAX_PAGE_BYTES, {"Accept": ACCEPT_JSON_PREFERRED})
        if answer.status == 404:
            raise LookupFailed(f"GET {shown(url)}: no project {project!r} on the index {shown(self.index_url)}")
        if answer.status != 200:
            raise LookupFailed(answer.failure("GET"))
        page = _project_page(answer, project)
        releases: set[Version] = set()
        for package in page.packages:
            if package.is_yanked or package.version is None:
                continue
            try:
                version = Version(package.version)
            except InvalidVersion:
                continue
            if pre or not (version.is_prerelease or version.is_devrelease):
                releases.add(version)
        if not releases:
            kind = "release" if pre else "final release (pre-releases need {{latest-pypi-version:pre}})"
            raise LookupFailed(f"GET {shown(url)}: {project!r} has no {kind} that is not yanked")
        return str(max(releases))


def _project_page(answer, project: str):
    from pypi_simple import ProjectPage, UnsupportedRepoVersionError

    what = f"GET {shown(answer.url)}"
    content_type = answer.content_type or "text/html"
    try:
        if content_type == JSON_TYPE:
            try:
                data = bounded_json.loads(answer.body)
            except bounded_json.JsonRefused as exc:
                raise LookupFailed(f"{what}: the answer is {exc}") from None
            return ProjectPage.from_json_data(data, answer.url)
        if content_type in HTML_TYPES:
            return ProjectPage.from_html(project, answer.body, answer.url, answer.charset)
    except UnsupportedRepoVersionError as exc:
        raise LookupFailed(f"{what}: {exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError, LookupError) as exc:
        raise LookupFailed(f"{what}: the answer is not a simple-API project page ({type(exc).__name__})") from None
    except RecursionError:
        raise LookupFailed(f"{what}: the answer is nested too deeply to parse") from None
    except MemoryError:
        raise LookupFailed(f"{what}: the answer is too large to parse") from None
    raise LookupFailed(f"{what}: the answer is {content_type[:60]}, not a simple-API project page")
