"""A container registry through the OCI distribution API: tags, and the digest of a tag.

``GET /v2/<repository>/tags/list`` (paged with ``n`` and ``Link``) lists tags;
``HEAD /v2/<repository>/manifests/<tag>`` answers the manifest's digest in
``Docker-Content-Digest``. Registries that demand a token answer 401 with
``WWW-Authenticate: Bearer realm=…,service=…,scope=…``; an anonymous token is fetched
from the realm for that scope, kept per repository (a token is scoped to one) and sent
only to the registry that asked for it. A registry may be reached through a mirror
(``mcr.microsoft.com`` through a private registry), named in the configuration.

Every answer is checked before it is used: tags and digests against the OCI grammar,
pages of tags bounded in number, bytes and total tags, a ``Link`` to the next page or a
token realm followed only to the registry's own scheme, host and port (Docker Hub's
token service is the one other place, for Docker Hub alone).
"""

from __future__ import annotations

import hashlib
import re
import threading
import urllib.parse

from catalog import bounded_json
from catalog.image_ref import is_digest, is_tag
from catalog.pin.http import Answer, Deadline, HttpClient, LookupFailed, origin, same_origin, shown

MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
PAGE_SIZE = 1000
MAX_PAGES = 200
MAX_TAGS = 100_000  # a registry that keeps sending Link headers, or pages of a million tags, is stopped
MAX_PAGE_BYTES = 16 << 20  # one page of tags
MAX_TAG_BYTES = 64 << 20  # every page of one repository together
MAX_TOKEN_BYTES = 1 << 20
MAX_MANIFEST_BYTES = 4 << 20
DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
TOKEN_SERVICES = {DOCKER_HUB: "https://auth.docker.io"}  # registries whose token realm is on another host
_CHALLENGE_PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]*))')


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer realm="…",service="…"`` -> ("bearer", {"realm": …, "service": …})."""
    scheme, _, rest = header.strip().partition(" ")
    params = {
        key.lower(): quoted if quoted or not bare else bare for key, quoted, bare in _CHALLENGE_PARAM.findall(rest)
    }
    return scheme.lower(), params


class RegistryClient:
    """Tags and digests of images, one HTTP client shared by every thread of a run."""

    def __init__(self, http: HttpClient, mirrors: dict[str, str] | None = None, page_size: int = PAGE_SIZE) -> None:
        self.http = http
        self.mirrors = {host.lower(): url.rstrip("/") for host, url in (mirrors or {}).items()}
        self.page_size = page_size
        # (registry, repository) -> (the origin that challenged, its token)
        self._tokens: dict[tuple[str, str], tuple[tuple[str, str, int] | None, str]] = {}
        self._lock = threading.Lock()

    def base_url(self, registry: str) -> str:
        """Where ``registry`` is asked: its mirror, or itself over HTTPS (the endpoint a lookup names)."""
        if registry in self.mirrors:
            return self.mirrors[registry]
        host = DOCKER_HUB_API if registry == DOCKER_HUB else registry
        return f"https://{host}"

    def tags(self, registry: str, repository: str, deadline: Deadline | None = None) -> list[str]:
        deadline = deadline or self.http.deadline()
        url = f"{self.base_url(registry)}/v2/{repository}/tags/list?n={self.page_size}"
        found: list[str] = []
        seen: set[str] = set()
        total = 0
        for _ in range(MAX_PAGES):
            seen.add(url)
            answer = self._get(registry, repository, url, "GET", {"Accept": "application/json"}, deadline,
                               MAX_PAGE_BYTES)
            total += len(answer.body)
            if total > MAX_TAG_BYTES:
                raise LookupFailed(f"GET {shown(url)}: the tag list is larger than {MAX_TAG_BYTES >> 20} MB")
            payload = _json(answer, "GET")
            page = payload.get("tags") if isinstance(payload, dict) else None
            if page is None and isinstance(payload, dict) and "tags" in payload:
                page = []  # a repository with no tags answers "tags": null
            if not isinstance(page, list) or not all(isinstance(tag, str) for tag in page):
                raise LookupFailed(f"GET {shown(url)}: the answer has no list of tags")
            bad = next((tag for tag in page if not is_tag(tag)), None)
            if bad is not None:
                raise LookupFailed(f"GET {shown(url)}: the registry answered {bad[:60]!r}, which is not a valid image "
                                   "tag")
            found.extend(page)
            if len(found) > MAX_TAGS:
                raise LookupFailed(f"GET {shown(url)}: more than {MAX_TAGS:,} tags")
            following = answer.link("next")
            if not following:
                return found
            if not same_origin(following, url):
                raise LookupFailed(f"GET {shown(url)}: the next page of tags is on another host ({shown(following)}), "
                                   "which is not asked")
            if following in seen:
                raise LookupFailed(f"GET {shown(url)}: the next page of tags is a page already read")
            url = following
        raise LookupFailed(f"GET {shown(url)}: more than {MAX_PAGES} pages of tags")

    def digest(self, registry: str, repository: str, reference: str, deadline: Deadline | None = None) -> str:
        """The manifest digest of a tag (``sha256:…``); GET when HEAD does not say it."""
        deadline = deadline or self.http.deadline()
        if not is_tag(reference) and not is_digest(reference):
            raise LookupFailed(f"{reference[:60]!r} is neither an image tag nor a digest")
        url = f"{self.base_url(registry)}/v2/{repository}/manifests/{reference}"
        headers = {"Accept": ", ".join(MANIFEST_TYPES)}
        answer = self._get(registry, repository, url, "HEAD", headers, deadline, 0)
        digest = answer.headers.get("Docker-Content-Digest")
        method = "HEAD"
        if not digest:
            method = "GET"
            answer = self._get(registry, repository, url, "GET", headers, deadline, MAX_MANIFEST_BYTES)
            digest = answer.headers.get("Docker-Content-Digest") or "sha256:" + hashlib.sha256(answer.body).hexdigest()
        if not is_digest(digest):
            raise LookupFailed(f"{method} {shown(url)}: the digest {digest[:80]!r} is not sha256: and 64 hex digits")
        return digest

    # --- requests with the token dance ----------------------------------------------------

    def _get(self, registry: str, repository: str, url: str, method: str, headers: dict, deadline: Deadline,
             max_bytes: int) -> Answer:
        key = (registry, repository)
        answer = self.http.request(method, url, deadline, max_bytes, self._with_token(key, url, headers))
        challenge = answer.headers.get("WWW-Authenticate")
        if answer.status == 401 and challenge:
            self._token(key, challenge, url, deadline)
            answer = self.http.request(method, url, deadline, max_bytes, self._with_token(key, url, headers))
        if answer.status == 404:
            what = "repository or tag" if "/manifests/" in url else "repository"
            raise LookupFailed(f"{answer.failure(method)} (no such {what})")
        if answer.status != 200:
            raise LookupFailed(answer.failure(method))
        return answer

    def _with_token(self, key: tuple[str, str], url: str, headers: dict) -> dict:
        with self._lock:
            held = self._tokens.get(key)
        if held is None or held[0] != origin(url):
            return headers  # a token goes only to the registry that asked for it
        return {**headers, "Authorization": f"Bearer {held[1]}"}

    def _token(self, key: tuple[str, str], challenge: str, url: str, deadline: Deadline) -> None:
        scheme, params = parse_challenge(challenge)
        if scheme != "bearer" or not params.get("realm"):
            raise LookupFailed(f"GET {shown(url)}: the registry asks for {scheme[:20] or 'unknown'} authentication, "
                               "and only anonymous bearer tokens are supported")
        realm = params["realm"]
        allowed = same_origin(realm, url) or (key[0] in TOKEN_SERVICES and same_origin(realm, TOKEN_SERVICES[key[0]]))
        if not allowed:
            raise LookupFailed(f"GET {shown(url)}: the registry sends for a token to another host ({shown(realm)}), "
                               "which is not asked")
        query = {name: params[name] for name in ("service", "scope") if params.get(name)}
        query.setdefault("scope", f"repository:{key[1]}:pull")
        separator = "&" if urllib.parse.urlsplit(realm).query else "?"
        token_url = realm + separator + urllib.parse.urlencode(query)
        answer = self.http.request("GET", token_url, deadline, MAX_TOKEN_BYTES, {"Accept": "application/json"})
        what = f"GET {shown(realm)} (token for {key[0]}/{key[1]})"
        if answer.status != 200:
            raise LookupFailed(f"{what}: HTTP {answer.status}: the registry refused an anonymous token")
        payload = _json(answer, "GET")
        token = (payload.get("token") or payload.get("access_token")) if isinstance(payload, dict) else None
        if not isinstance(token, str) or not token or len(token) > 64 * 1024 or any(c in token for c in "\r\n"):
            raise LookupFailed(f"{what}: the token answer holds no usable token")
        with self._lock:
            self._tokens[key] = (origin(url), token)


def _json(answer: Answer, method: str):
    content_type = answer.content_type
    if content_type and "json" not in content_type:
        raise LookupFailed(f"{method} {shown(answer.url)}: expected JSON, the answer is {content_type[:60]}")
    try:
        return bounded_json.loads(answer.body)
    except bounded_json.JsonRefused as exc:
        detail = "not valid JSON" if str(exc).startswith("not valid JSON") else str(exc)
        raise LookupFailed(f"{method} {shown(answer.url)}: the answer is {detail}") from None
