"""A package index that misbehaves on demand, run as its own process on 127.0.0.1.

    python -m tests.servers.faulty_index

Prints its port on the first line of standard output. The project name says how to
misbehave (``/simple/<project>/``):

- ``never-answers``: accepts the request and never answers.
- ``drip``: a valid JSON page, one byte every 0.3 s.
- ``huge``: a valid JSON page of 40 MB.
- ``gzip-bomb``: a gzip-encoded page that decompresses to 4 GB (4 MB sent).
- ``deep-json``: JSON nested 100,000 arrays deep.
- ``deep-html``: HTML nested 100,000 elements deep.
- ``redirect-away``: redirects to another host (127.0.0.2).
- anything else: one release, ``1.0``, as PEP 691 JSON.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.servers.faults import drip, gzip_bomb

JSON_TYPE = "application/vnd.pypi.simple.v1+json"


@functools.lru_cache(maxsize=1)
def huge_page() -> bytes:
    """Made once, at start: building 40 MB of JSON takes longer than a client waits on a loaded machine."""
    return page("huge", [f"1.{i}" for i in range(600_000)])


def page(name: str, versions: list[str]) -> bytes:
    return json.dumps({"meta": {"api-version": "1.0"}, "name": name,
                       "files": [{"filename": f"{name}-{v}-py3-none-any.whl", "url": f"/files/{name}-{v}.whl",
                                  "hashes": {}} for v in versions]}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        project = self.path.strip("/").split("/")[-1]
        port = self.server.server_address[1]
        if project == "never-answers":
            time.sleep(600)
            return
        if project == "drip":
            drip(self, JSON_TYPE, page(project, ["1.0"]))
            return
        if project == "huge":
            self._send(200, JSON_TYPE, huge_page())
            return
        if project == "gzip-bomb":
            self._send(200, JSON_TYPE, gzip_bomb(b" "), {"Content-Encoding": "gzip"})
            return
        if project == "deep-json":
            self._send(200, JSON_TYPE, b'{"meta": {"api-version": "1.0"}, "name": "x", "files": '
                       + b"[" * 100_000 + b"]" * 100_000 + b"}")
            return
        if project == "deep-html":
            self._send(200, "text/html", b"<html><body>" + b"<div>" * 100_000 + b"</div>" * 100_000 + b"</body></html>")
            return
        if project == "redirect-away":
            self._send(302, "text/plain", b"", {"Location": f"http://127.0.0.2:{port}/simple/six/"})
            return
        self._send(200, JSON_TYPE, page(project, ["1.0"]))

    def _send(self, status: int, content_type: str, body: bytes, headers: dict | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client stopped reading, as it should


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    other = ThreadingHTTPServer(("127.0.0.2", server.server_address[1]), Handler)
    other.daemon_threads = True
    threading.Thread(target=other.serve_forever, daemon=True).start()
    huge_page()  # before saying the port: no request waits for it
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
