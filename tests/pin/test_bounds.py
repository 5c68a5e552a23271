"""Every answer from the network is data, checked before it is used: bounded in time, in
size before and after decompression, in nesting, and in where it may lead.

Real misbehaving servers on 127.0.0.1 (``tests.servers.faulty_registry`` and
``faulty_index``); each bound is measured (seconds, bytes allocated), not only the error.
"""

from __future__ import annotations

import json
import time
import tracemalloc
import urllib.request
import uuid

import pytest

from catalog.pin.http import HttpClient, HttpOptions, LookupFailed
from catalog.pin.lookups import DigestQuery, ImageQuery, Lookups
from catalog.pin.package_index import PackageIndex
from catalog.pin.registry import RegistryClient
from catalog.records.lookup_cache import LookupCache

MB = 1 << 20


def http(timeout: float = 2.0, deadline: float = 4.0, retries: int = 0) -> HttpClient:
    return HttpClient(HttpOptions(timeout=timeout, deadline=deadline, retries=retries, backoff=0.05))


def registry_client(url: str, **options) -> RegistryClient:
    return RegistryClient(http(**options), {"mcr.microsoft.com": url})


def unique(fault: str) -> str:
    return f"{fault}/{uuid.uuid4().hex[:8]}"


def bounded(call) -> tuple[str, float, int]:
    """(the LookupFailed message, seconds taken, peak bytes allocated by Python) of ``call``."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(LookupFailed) as caught:
            call()
    finally:
        seconds = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    message = str(caught.value)
    assert "\n" not in message and len(message) <= 300, message
    return message, seconds, peak


class TestTime:
    def test_a_registry_that_drips_fails_within_the_lookups_deadline(self, faulty_registry):
        # each byte comes well within the read timeout; only the deadline can stop it
        message, seconds, _ = bounded(lambda: registry_client(faulty_registry, timeout=2, deadline=3)
                                      .tags("mcr.microsoft.com", unique("drip")))
        assert "no answer within the lookup's deadline of 3 s" in message
        assert seconds < 3 + 2.5

    def test_retries_and_waits_count_against_the_deadline(self, faulty_registry):
        client = registry_client(faulty_registry, timeout=2, deadline=1.5, retries=10)
        message, seconds, _ = bounded(lambda: client.tags("mcr.microsoft.com", unique("down")))
        assert seconds < 1.5 + 2.5 and "HTTP 503" in message or "deadline" in message

    def test_an_index_that_never_answers_fails_within_the_timeout(self, faulty_index):
        # pypi-simple's own client passes timeout=None: the page is fetched by ours
        index = PackageIndex(http(timeout=1, deadline=2), faulty_index)
        message, seconds, _ = bounded(lambda: index.latest_version("never-answers"))
        assert "timed out waiting for an answer" in message and "/simple/never-answers/" in message
        assert seconds < 2 + 1.5

    def test_an_index_that_drips_fails_within_the_deadline(self, faulty_index):
        index = PackageIndex(http(timeout=2, deadline=2.5), faulty_index)
        message, seconds, _ = bounded(lambda: index.latest_version("drip"))
        assert "deadline of 2.5 s" in message and seconds < 2.5 + 2.5


class TestSize:
    def test_a_huge_tag_list_is_refused_past_its_cap(self, faulty_registry):
        message, _, peak = bounded(lambda: registry_client(faulty_registry).tags("mcr.microsoft.com", unique("huge")))
        assert "bytes, more than the 16 MB a lookup reads" in message  # refused on its Content-Length
        assert peak < 40 * MB

    def test_a_gzip_bomb_from_the_registry_is_stopped_at_the_cap(self, faulty_registry):
        message, _, peak = bounded(lambda: registry_client(faulty_registry, deadline=30)
                                   .tags("mcr.microsoft.com", unique("gzip-bomb")))
        assert "decompresses to more than the 16 MB a lookup reads" in message
        assert peak < 40 * MB  # of a 4 GB answer

    def test_a_gzip_bomb_from_the_index_is_stopped_at_the_cap(self, faulty_index):
        index = PackageIndex(http(deadline=30), faulty_index)
        message, _, peak = bounded(lambda: index.latest_version("gzip-bomb"))
        assert "decompresses to more than the 32 MB a lookup reads" in message
        assert peak < 80 * MB

    def test_a_huge_index_page_is_refused(self, faulty_index):
        message, _, peak = bounded(lambda: PackageIndex(http(deadline=30), faulty_index).latest_version("huge"))
        assert "bytes, more than the 32 MB a lookup reads" in message and peak < 80 * MB

    def test_endless_pages_of_tags_stop_at_the_total_cap(self, faulty_registry):
        message, _, _ = bounded(lambda: registry_client(faulty_registry, deadline=60)
                                .tags("mcr.microsoft.com", unique("endless")))
        assert "more than 100,000 tags" in message

    def test_a_page_that_links_to_itself_is_read_once(self, faulty_registry):
        message, _, _ = bounded(lambda: registry_client(faulty_registry).tags("mcr.microsoft.com", unique("link-loop")))
        assert "a page already read" in message


class TestNesting:
    def test_deeply_nested_json_from_a_registry(self, faulty_registry):
        message, _, _ = bounded(lambda: registry_client(faulty_registry).tags("mcr.microsoft.com", unique("deep")))
        assert message.endswith("the answer is nested deeper than 32 levels")

    @pytest.mark.parametrize("project", ["deep-json", "deep-html"])
    def test_deeply_nested_index_pages(self, faulty_index, project):
        message, _, _ = bounded(lambda: PackageIndex(http(), faulty_index).latest_version(project))
        # JSON is refused for its depth; HTML's parser does not recurse, and finds no release in it
        expected = "the answer is nested deeper than 32 levels" if project == "deep-json" else "has no final release"
        assert f"/simple/{project}/" in message and expected in message


class TestGrammar:
    def test_a_tag_with_a_newline_fails_the_lookup_naming_the_image(self, faulty_registry):
        lookups = Lookups(registry_client(faulty_registry), None, LookupCache(None, 0))
        message, _, _ = bounded(lambda: lookups.answer(ImageQuery("mcr.microsoft.com", unique("bad-tag"), r"1\.1.*")))
        assert "which is not a valid image tag" in message and "bad-tag/" in message
        assert "\n" not in message

    def test_a_digest_that_is_not_sha256_fails(self, faulty_registry):
        lookups = Lookups(registry_client(faulty_registry), None, LookupCache(None, 0))
        message, _, _ = bounded(lambda: lookups.answer(DigestQuery("mcr.microsoft.com", unique("bad-digest"), "1.0")))
        assert "is not sha256: and 64 hex digits" in message


class TestPlace:
    def test_a_link_to_another_host_is_not_followed(self, faulty_registry):
        repository = unique("cross-link")
        message, _, _ = bounded(lambda: registry_client(faulty_registry).tags("mcr.microsoft.com", repository))
        assert "the next page of tags is on another host (http://127.0.0.2:" in message
        assert not [r for r in asked(faulty_registry) if r["host"].startswith("127.0.0.2") and repository in r["path"]]

    def test_a_token_realm_on_another_host_is_never_asked(self, faulty_registry):
        repository = unique("cross-realm")
        message, _, _ = bounded(lambda: registry_client(faulty_registry).tags("mcr.microsoft.com", repository))
        assert "sends for a token to another host" in message
        assert not [r for r in asked(faulty_registry) if r["host"].startswith("127.0.0.2")
                    and r["path"].startswith("/token")]

    def test_a_token_goes_only_to_the_registry_that_asked_for_it(self, faulty_registry):
        client = registry_client(faulty_registry)
        repository = unique("token")
        assert client.tags("mcr.microsoft.com", repository) == ["1.0", "1.1", "latest"]
        with_token = [r for r in asked(faulty_registry) if repository in r["path"] and r["authorization"]]
        assert with_token and all(r["host"].startswith("127.0.0.1") for r in with_token)

    def test_a_redirect_to_another_host_is_not_followed_by_the_index(self, faulty_index):
        message, _, _ = bounded(lambda: PackageIndex(http(), faulty_index).latest_version("redirect-away"))
        assert "redirected to another host (127.0.0.2:" in message

    @pytest.mark.parametrize("url", ["ftp://127.0.0.1/simple/", "http://[::1/simple/", "http://127.0.0.1:99999/simple/",
                                     "file:///etc/passwd"])
    def test_urls_that_cannot_be_asked_are_one_line_failures(self, url):
        message, _, _ = bounded(lambda: PackageIndex(http(), url).latest_version("six"))
        assert message.startswith("GET ") and ("not an http or https URL" in message or "not a URL" in message
                                               or "connection" in message)


def asked(server: str) -> list[dict]:
    with urllib.request.urlopen(f"{server}/requests", timeout=5) as answer:
        return json.loads(answer.read())
