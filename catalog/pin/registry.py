"""A container registry through the OCI distribution API: tags, and the digest of a tag.

``GET /v2/<repository>/tags/list`` (paged with ``n`` and ``Link``) lists tags;
``HEAD /v2/<repository>/manifests/<tag>`` answers the manifest's digest in
``Docker-Content-Digest``. Registries that demand a token answer 401 with
``WWW-Authenticate: Bearer realm=…,service=…,scope=…``; an anonymous token is fetched
from the realm for that scope and kept per repository (a token is scoped to one).
A registry may be reached through a mirror (``mcr.microsoft.com`` through a private
registry), named in the configuration.
"""

from __future__ import annotations

import re
import threading
import urllib.parse

import requests

from catalog.pin.http import LookupFailed, describe_failure, status_failure

MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
PAGE_SIZE = 1000
MAX_PAGES = 100  # 100,000 tags: a registry that keeps sending Link headers is stopped
MAX_BODY = 16 << 20  # bytes of a tags page or token answer
DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
_CHALLENGE_PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]*))')


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer realm="…",service="…"`` -> ("bearer", {"realm": …, "service": …})."""
    scheme, _, rest = header.strip().partition(" ")
    params = {key.lower(): quoted if quoted or not bare else bare for key, quoted, bare in _CHALLENGE_PARAM.findall(rest)}
    return scheme.lower(), params


class RegistryClient:
    """Tags and digests of images, one session shared by every thread of a run."""

    def __init__(self, session: requests.Session, mirrors: dict[str, str] | None = None, page_size: int = PAGE_SIZE) -> None:
        self.session = session
        self.mirrors = {host.lower(): url.rstrip("/") for host, url in (mirrors or {}).items()}
        self.page_size = page_size
        self._tokens: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def base_url(self, registry: str) -> str:
        """Where ``registry`` is asked: its mirror, or itself over HTTPS."""
        if registry in self.mirrors:
            return self.mirrors[registry]
        host = DOCKER_HUB_API if registry == DOCKER_HUB else registry
        return f"https://{host}"

    def tags(self, registry: str, repository: str) -> list[str]:
        url = f"{self.base_url(registry)}/v2/{repository}/tags/list?n={self.page_size}"
        found: list[str] = []
        for _ in range(MAX_PAGES):
            response = self._get(registry, repository, url, "GET", {"Accept": "application/json"})
            payload = _json(response, url)
            page = payload.get("tags") if isinstance(payload, dict) else None
            if page is None and isinstance(payload, dict) and "tags" in payload:
                page = []  # a repository with no tags answers "tags": null
            if not isinstance(page, list) or not all(isinstance(tag, str) for tag in page):
                raise LookupFailed(f"GET {url}: the answer has no list of tags")
            found.extend(page)
            following = response.links.get("next", {}).get("url")
            if not following:
                return found
            url = urllib.parse.urljoin(url, following)
        raise LookupFailed(f"GET {url}: more than {MAX_PAGES} pages of tags")

    def digest(self, registry: str, repository: str, reference: str) -> str:
        """The manifest digest of a tag (``sha256:…``); GET when HEAD does not say it."""
        url = f"{self.base_url(registry)}/v2/{repository}/manifests/{reference}"
        headers = {"Accept": ", ".join(MANIFEST_TYPES)}
        response = self._get(registry, repository, url, "HEAD", headers)
        digest = response.headers.get("Docker-Content-Digest")
        if not digest:
            response = self._get(registry, repository, url, "GET", headers)
            digest = response.headers.get("Docker-Content-Digest")
            if not digest:
                import hashlib

                digest = "sha256:" + hashlib.sha256(_body(response, url)).hexdigest()
        if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            raise LookupFailed(f"HEAD {url}: the digest {digest[:80]!r} is not a sha256 digest")
        return digest

    # --- requests with the token dance ----------------------------------------------------

    def _get(self, registry: str, repository: str, url: str, method: str, headers: dict) -> requests.Response:
        key = (registry, repository)
        token = self._tokens.get(key)
        response = self._send(method, url, headers, token)
        if response.status_code == 401 and "www-authenticate" in response.headers:
            token = self._token(key, response.headers["WWW-Authenticate"], url)
            response = self._send(method, url, headers, token)
        if response.status_code == 404:
            what = "repository or tag" if "/manifests/" in url else "repository"
            raise LookupFailed(f"{method} {url}: {status_failure(response)} (no such {what})")
        if response.status_code != 200:
            raise LookupFailed(f"{method} {url}: {status_failure(response)}")
        return response

    def _send(self, method: str, url: str, headers: dict, token: str | None) -> requests.Response:
        if token:
            headers = {**headers, "Authorization": f"Bearer {token}"}
        try:
            response = self.session.request(method, url, headers=headers, allow_redirects=False, stream=True)
            # registries redirect blobs to storage, never tags or manifests: follow within the host only
            hops = 0
            while response.is_redirect and hops < 5:
                target = urllib.parse.urljoin(url, response.headers.get("Location", ""))
                if urllib.parse.urlsplit(target).netloc != urllib.parse.urlsplit(url).netloc:
                    response.close()
                    raise LookupFailed(f"{method} {url}: redirected to another host ({urllib.parse.urlsplit(target).netloc}), "
                                       "which is not followed")
                response.close()
                response = self.session.request(method, target, headers=headers, allow_redirects=False, stream=True)
                hops += 1
            return response
        except requests.RequestException as exc:
            raise LookupFailed(f"{method} {url}: {describe_failure(exc)}") from None

    def _token(self, key: tuple[str, str], challenge: str, url: str) -> str:
        scheme, params = parse_challenge(challenge)
        if scheme != "bearer" or not params.get("realm"):
            raise LookupFailed(f"{url}: the registry asks for {scheme or 'unknown'} authentication, "
                               "and only anonymous bearer tokens are supported")
        query = {name: params[name] for name in ("service", "scope") if params.get(name)}
        query.setdefault("scope", f"repository:{key[1]}:pull")
        realm = params["realm"]
        try:
            response = self.session.get(realm, params=query, headers={"Accept": "application/json"}, stream=True)
        except requests.RequestException as exc:
            raise LookupFailed(f"GET {realm} (token for {key[0]}/{key[1]}): {describe_failure(exc)}") from None
        if response.status_code != 200:
            raise LookupFailed(f"GET {realm} (token for {key[0]}/{key[1]}): {status_failure(response)}: "
                               "the registry refused an anonymous token")
        payload = _json(response, realm)
        token = payload.get("token") or payload.get("access_token") if isinstance(payload, dict) else None
        if not isinstance(token, str) or not token:
            raise LookupFailed(f"GET {realm}: the token answer holds no token")
        with self._lock:
            self._tokens[key] = token
        return token


def _body(response: requests.Response, url: str) -> bytes:
    try:
        data = response.raw.read(MAX_BODY + 1, decode_content=True)
    except Exception as exc:  # urllib3 protocol errors: a body cut off mid-way
        raise LookupFailed(f"GET {url}: the answer was cut off ({type(exc).__name__})") from None
    finally:
        response.close()
    if len(data) > MAX_BODY:
        raise LookupFailed(f"GET {url}: the answer is larger than {MAX_BODY >> 20} MB")
    expected = response.headers.get("Content-Length")
    if expected and expected.isdigit() and int(expected) != len(data):
        raise LookupFailed(f"GET {url}: the answer was cut off ({len(data)} of {expected} bytes)")
    return data


def _json(response: requests.Response, url: str):
    import json

    data = _body(response, url)
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type and "json" not in content_type:
        raise LookupFailed(f"GET {url}: expected JSON, the answer is {content_type}")
    try:
        return json.loads(data)
    except ValueError:
        raise LookupFailed(f"GET {url}: the answer is not valid JSON") from None
