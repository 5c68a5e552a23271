"""A Python package index speaking the simple API, run as its own process on 127.0.0.1.

    python -m tests.servers.package_index PROJECTS.json [--html-only]

PROJECTS.json maps a project name to its files: ``{"six": [{"filename":
"six-1.16.0-py2.py3-none-any.whl", "yanked": false}]}``. The server prints its port on
the first line of standard output. It answers PEP 691 JSON when asked for it (unless
``--html-only``) and PEP 503 HTML otherwise.
"""

from __future__ import annotations

import html
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JSON_TYPE = "application/vnd.pypi.simple.v1+json"


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def make_handler(projects: dict, html_only: bool):
    by_name = {normalize(name): files for name, files in projects.items()}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            match = re.fullmatch(r"/simple/([^/]+)/?", self.path)
            if match is None or normalize(match.group(1)) not in by_name:
                self._send(404, "text/plain", b"not found")
                return
            name = normalize(match.group(1))
            files = by_name[name]
            if not html_only and JSON_TYPE in self.headers.get("Accept", ""):
                payload = {
                    "meta": {"api-version": "1.0"},
                    "name": name,
                    "files": [
                        {"filename": f["filename"], "url": f"/files/{f['filename']}", "hashes": {},
                         "yanked": f.get("yanked", False)}
                        for f in files
                    ],
                }
                self._send(200, JSON_TYPE, json.dumps(payload).encode())
                return
            links = "".join(
                f'<a href="/files/{html.escape(f["filename"])}"'
                + (' data-yanked=""' if f.get("yanked") else "")
                + f'>{html.escape(f["filename"])}</a><br/>\n'
                for f in files
            )
            body = f"<!DOCTYPE html><html><body><h1>Links for {name}</h1>\n{links}</body></html>"
            self._send(200, "text/html", body.encode())

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        projects = json.load(handle)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(projects, "--html-only" in sys.argv))
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
