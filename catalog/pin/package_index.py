"""A Python package index through the simple repository API (PEP 691 JSON, PEP 503 HTML).

``pypi-simple`` speaks the API (content negotiation, yanked files); what is ours is
the choice of version: the newest release by PEP 440 that has a file not yanked,
pre-releases only when asked.
"""

from __future__ import annotations

import requests
from packaging.version import InvalidVersion, Version

from catalog.pin.http import LookupFailed, describe_failure, status_failure

DEFAULT_INDEX_URL = "https://pypi.org/simple/"


class PackageIndex:
    def __init__(self, session: requests.Session, index_url: str = DEFAULT_INDEX_URL) -> None:
        from pypi_simple import ACCEPT_JSON_PREFERRED, PyPISimple

        self.index_url = index_url.rstrip("/") + "/"
        self._client = PyPISimple(self.index_url, session=session, accept=ACCEPT_JSON_PREFERRED)

    def latest_version(self, project: str, pre: bool = False) -> str:
        """The newest release of ``project`` that is not yanked (a pre-release only if ``pre``)."""
        from pypi_simple import NoSuchProjectError, UnsupportedContentTypeError, UnsupportedRepoVersionError

        url = self._client.get_project_url(project)
        try:
            page = self._client.get_project_page(project)
        except NoSuchProjectError:
            raise LookupFailed(f"GET {url}: no project {project!r} on the index {self.index_url}") from None
        except requests.HTTPError as exc:
            raise LookupFailed(f"GET {url}: {status_failure(exc.response)}") from None
        except requests.RequestException as exc:
            raise LookupFailed(f"GET {url}: {describe_failure(exc)}") from None
        except (UnsupportedContentTypeError, UnsupportedRepoVersionError) as exc:
            raise LookupFailed(f"GET {url}: {exc}") from None
        except (ValueError, KeyError, TypeError) as exc:  # a page that is not the simple API
            raise LookupFailed(f"GET {url}: the answer is not a simple-API project page ({type(exc).__name__})") from None
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
            raise LookupFailed(f"GET {url}: {project!r} has no {kind} that is not yanked")
        return str(max(releases))
