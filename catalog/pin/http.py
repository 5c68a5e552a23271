"""One HTTP session for every lookup: timeouts, retries with backoff, clear failures."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from catalog import __version__

USER_AGENT = f"envcatalog/{__version__}"
RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_WAIT = 30.0  # seconds: no single wait between tries is longer, whatever Retry-After says


class LookupFailed(Exception):
    """A lookup that could not be answered; the message names the request and why."""


@dataclass(frozen=True)
class HttpOptions:
    timeout: float = 10.0  # seconds, for connecting and for each read
    retries: int = 3  # after the first try, on connection errors, 429 and 5xx
    backoff: float = 0.5  # seconds; doubles each retry (Retry-After wins when the server sends one)
    ca_bundle: str | None = None  # a CA bundle for TLS-intercepting proxies


class _TimeoutSession(requests.Session):
    """A session whose requests all carry a timeout unless one is given."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, method, url, **kwargs):  # noqa: D102 (requests' signature)
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, **kwargs)


class _CappedRetry(Retry):
    """Honours Retry-After, but never waits longer than ``MAX_WAIT`` for one try."""

    def get_retry_after(self, response):
        value = super().get_retry_after(response)
        return None if value is None else min(value, MAX_WAIT)


def make_session(options: HttpOptions) -> requests.Session:
    import logging

    # urllib3 logs each retry as a warning; the failure, if it comes, is reported once by us
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    retry = _CappedRetry(
        total=options.retries,
        connect=options.retries,
        read=options.retries,
        status=options.retries,
        backoff_factor=options.backoff,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,  # the last answer comes back, and the caller says what it was
        backoff_max=MAX_WAIT,
    )
    session = _TimeoutSession(options.timeout)
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    if options.ca_bundle:
        session.verify = options.ca_bundle
    return session


def describe_failure(exc: requests.RequestException) -> str:
    """A short reason for a failed request, without urllib3's nested reprs."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, (requests.exceptions.ReadTimeout, requests.exceptions.Timeout)):
        return "timed out waiting for an answer"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS verification failed (behind a proxy? set ca-bundle in [tool.catalog.pin])"
    if isinstance(exc, requests.exceptions.RetryError):
        return "still failing after retries"
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = str(exc)
        if "Connection refused" in reason:
            return "connection refused"
        if "Name or service not known" in reason or "nodename nor servname" in reason or "Temporary failure in name resolution" in reason:
            return "host not found"
        if "Read timed out" in reason:
            return "timed out waiting for an answer"
        return "connection failed"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the answer was cut off"
    return type(exc).__name__


def status_failure(response: requests.Response) -> str:
    text = f"HTTP {response.status_code}"
    if response.reason:
        text += f" {response.reason}"
    return text
