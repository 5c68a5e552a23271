"""Every lookup's HTTP: bounded in time, in size and in where it may go.

- **Time.** A connect and a read timeout for each request, and a deadline for the whole
  lookup (its requests, retries and waits), so a server that drips one byte a second
  fails within the configured time. Retries (connection errors, 429 honouring
  ``Retry-After``, 5xx) are ours, not urllib3's, so the deadline governs them too.
- **Size.** Each body is capped before and after decompression (gzip and deflate are
  decoded here, with a bound on the output; other encodings are refused).
- **Place.** A redirect is followed only to the same scheme, host and port, over http or
  https; nothing is ever sent elsewhere.
- **Errors** are ``LookupFailed``: one line naming the request, server text shortened.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
import zlib
from dataclasses import dataclass

import requests

from catalog import __version__
from catalog.finding import one_line

USER_AGENT = f"envcatalog/{__version__}"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_WAIT = 30.0  # seconds: no single wait between tries is longer, whatever Retry-After says
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
MAX_SHOWN_URL = 120


class LookupFailed(Exception):
    """A lookup that could not be answered; the message names the request and why."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


@dataclass(frozen=True)
class HttpOptions:
    timeout: float = 10.0  # seconds, for connecting and for each read
    deadline: float = 60.0  # seconds for one lookup: every request, retry and wait
    retries: int = 3  # after the first try, on connection errors, 429 and 5xx
    backoff: float = 0.5  # seconds; doubles each retry (Retry-After wins when the server sends one)
    ca_bundle: str | None = None  # a CA bundle for TLS-intercepting proxies


class Deadline:
    """The time left for one lookup."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.ends - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self.ends

    def failure(self, what: str) -> LookupFailed:
        return LookupFailed(f"{what}: no answer within the lookup's deadline of {self.seconds:g} s")


@dataclass(frozen=True)
class Answer:
    url: str  # the URL that answered (after same-origin redirects)
    status: int
    reason: str
    headers: requests.structures.CaseInsensitiveDict
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("Content-Type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip('"')
        return None

    def link(self, relation: str) -> str | None:
        """The target of a ``Link`` header of ``relation`` (``next``), resolved against the URL."""
        header = self.headers.get("Link")
        if not header:
            return None
        for link in requests.utils.parse_header_links(header):
            if link.get("rel") == relation and link.get("url"):
                return urllib.parse.urljoin(self.url, link["url"])
        return None

    def failure(self, method: str) -> str:
        text = f"HTTP {self.status}"
        if self.reason:
            text += f" {self.reason[:60]}"
        return f"{method} {shown(self.url)}: {text}"


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL; None for anything else."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


def same_origin(url: str, other: str) -> bool:
    return origin(url) is not None and origin(url) == origin(other)


def shown(url: str) -> str:
    """A URL as an error message shows it: shortened (it may come from a server)."""
    return url if len(url) <= MAX_SHOWN_URL else url[: MAX_SHOWN_URL - 1] + "…"


class HttpClient:
    """One session for every lookup of a run, shared by its threads."""

    def __init__(self, options: HttpOptions) -> None:
        import logging

        logging.getLogger("urllib3").setLevel(logging.ERROR)  # the failure is reported once, by us
        self.options = options
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept-Encoding"] = "gzip, deflate"  # decoded here, within bounds
        if options.ca_bundle:
            self.session.verify = options.ca_bundle
        self._lock = threading.Lock()

    def deadline(self) -> Deadline:
        return Deadline(self.options.deadline)

    def request(self, method: str, url: str, deadline: Deadline, max_bytes: int,
                headers: dict[str, str] | None = None) -> Answer:
        """Ask ``url``; the answer's body is read in full (HEAD: none), within bounds.

        Retries on connection errors, 429 and 5xx; the last answer comes back whatever its
        status, for the caller to say what it means.
        """
        if origin(url) is None:
            raise LookupFailed(f"{method} {shown(url)}: not an http or https URL")
        attempt = 0
        while True:
            if deadline.expired():
                raise deadline.failure(f"{method} {shown(url)}")
            try:
                answer = self._follow(method, url, deadline, max_bytes, headers or {})
            except _Retryable as exc:
                if attempt >= self.options.retries or deadline.left() <= 0:
                    raise LookupFailed(f"{method} {shown(url)}: {exc.reason}") from None
                self._wait(self._backoff(attempt), deadline)
                attempt += 1
                continue
            if answer.status in RETRY_STATUSES and attempt < self.options.retries:
                wait = _retry_after(answer.headers.get("Retry-After"))
                if wait is None or wait > deadline.left():
                    wait = self._backoff(attempt) if wait is None else wait
                if wait <= deadline.left():
                    self._wait(wait, deadline)
                    attempt += 1
                    continue
            return answer

    def _backoff(self, attempt: int) -> float:
        return min(MAX_WAIT, self.options.backoff * (2 ** attempt))

    @staticmethod
    def _wait(seconds: float, deadline: Deadline) -> None:
        time.sleep(max(0.0, min(seconds, MAX_WAIT, deadline.left())))

    def _follow(self, method: str, url: str, deadline: Deadline, max_bytes: int, headers: dict[str, str]) -> Answer:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send(method, current, deadline, headers)
            try:
                if response.status_code in REDIRECT_STATUSES:
                    target = urllib.parse.urljoin(current, response.headers.get("Location", ""))
                    if not same_origin(target, current):
                        where = origin(target)
                        host = f"{where[1]}:{where[2]}" if where else shown(target)
                        raise LookupFailed(f"{method} {shown(current)}: redirected to another host ({host}), "
                                           "which is not followed")
                    current = target
                    continue
                body = b"" if method == "HEAD" else _read_body(response, f"{method} {shown(current)}", deadline,
                                                                max_bytes, self.options.timeout)
                return Answer(current, response.status_code, response.reason or "", response.headers, body)
            finally:
                response.close()
        raise LookupFailed(f"{method} {shown(url)}: more than {MAX_REDIRECTS} redirects")

    def _send(self, method: str, url: str, deadline: Deadline, headers: dict[str, str]) -> requests.Response:
        left = deadline.left()
        timeout = (max(0.01, min(self.options.timeout, left)), max(0.01, min(self.options.timeout, left)))
        try:
            return self.session.request(method, url, headers=headers, allow_redirects=False, stream=True,
                                        timeout=timeout)
        except requests.exceptions.ConnectTimeout:
            raise _Retryable("timed out connecting") from None
        except (requests.exceptions.ReadTimeout, requests.exceptions.Timeout):
            raise _Retryable("timed out waiting for an answer") from None
        except requests.exceptions.SSLError:
            raise LookupFailed(f"{method} {shown(url)}: TLS verification failed (behind a proxy? set ca-bundle in "
                               "[tool.catalog.pin])") from None
        except requests.exceptions.ConnectionError as exc:
            raise _Retryable(_connection_failure(exc)) from None
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
                requests.exceptions.InvalidHeader, ValueError, UnicodeError):
            raise LookupFailed(f"{method} {shown(url)}: not a URL that can be asked") from None
        except requests.RequestException as exc:
            raise LookupFailed(f"{method} {shown(url)}: {type(exc).__name__}") from None


class _Retryable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _connection_failure(exc: Exception) -> str:
    reason = str(exc)
    if "Connection refused" in reason:
        return "connection refused"
    if "Name or service not known" in reason or "nodename nor servname" in reason \
            or "Temporary failure in name resolution" in reason:
        return "host not found"
    if "Read timed out" in reason:
        return "timed out waiting for an answer"
    return "connection failed"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _read_body(
    response: requests.Response, what: str, deadline: Deadline, max_bytes: int, read_timeout: float
) -> bytes:
    """The whole body, decoded, at most ``max_bytes`` before and after decompression."""
    from urllib3.exceptions import HTTPError as Urllib3Error

    encoding = response.headers.get("Content-Encoding", "identity").strip().lower() or "identity"
    if encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = zlib.decompressobj()
    elif encoding == "identity":
        decoder = None
    else:
        raise LookupFailed(f"{what}: the answer is encoded as {encoding[:40]!r}, which is not read")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise LookupFailed(f"{what}: the answer is {int(declared):,} bytes, more than the {_mb(max_bytes)} a lookup "
                           "reads")
    raw_size = 0
    out: list[bytes] = []
    size = 0
    sock = getattr(getattr(response.raw, "connection", None), "sock", None)
    while True:
        left = deadline.left()
        if left <= 0:
            raise deadline.failure(what)
        if sock is not None:
            try:
                sock.settimeout(max(0.01, min(read_timeout, left)))
            except OSError:
                sock = None
        try:
            chunk = response.raw.read1(CHUNK, decode_content=False)
        except Urllib3Error as exc:
            if "timed out" in str(exc).lower():
                if deadline.expired():
                    raise deadline.failure(what) from None
                raise LookupFailed(f"{what}: timed out waiting for the rest of the answer") from None
            raise LookupFailed(f"{what}: the answer was cut off ({type(exc).__name__})") from None
        except OSError as exc:
            raise LookupFailed(f"{what}: the answer was cut off ({exc.strerror or type(exc).__name__})") from None
        if not chunk:
            break
        raw_size += len(chunk)
        if raw_size > max_bytes:
            raise LookupFailed(f"{what}: the answer is larger than the {_mb(max_bytes)} a lookup reads")
        if decoder is None:
            out.append(chunk)
            size += len(chunk)
            continue
        data = chunk
        while data:
            if decoder.eof:  # a gzip stream may hold several members, one after another
                decoder = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding != "deflate" else zlib.MAX_WBITS)
            try:
                piece = decoder.decompress(data, max_bytes + 1 - size)
            except zlib.error:
                raise LookupFailed(f"{what}: the answer is not valid {encoding} data") from None
            out.append(piece)
            size += len(piece)
            if size > max_bytes:
                raise LookupFailed(f"{what}: the answer decompresses to more than the {_mb(max_bytes)} a lookup reads")
            data = decoder.unconsumed_tail or (decoder.unused_data if decoder.eof else b"")
    if decoder is not None:
        try:
            tail = decoder.flush()
        except zlib.error:
            raise LookupFailed(f"{what}: the answer is not valid {encoding} data") from None
        size += len(tail)
        out.append(tail)
        if size > max_bytes:
            raise LookupFailed(f"{what}: the answer decompresses to more than the {_mb(max_bytes)} a lookup reads")
    if declared.isdigit() and int(declared) != raw_size:
        raise LookupFailed(f"{what}: the answer was cut off ({raw_size} of {declared} bytes)")
    return b"".join(out)


def _mb(size: int) -> str:
    return f"{size / (1 << 20):g} MB"
