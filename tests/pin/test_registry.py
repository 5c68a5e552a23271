"""The registry client against a real distribution registry and a misbehaving one."""

from __future__ import annotations

import time
import uuid

import pytest

from catalog.pin.http import HttpClient, HttpOptions, LookupFailed
from catalog.pin.lookups import ImageQuery, Lookups
from catalog.pin.registry import RegistryClient, parse_challenge
from catalog.records.lookup_cache import LookupCache
from tests.servers.fixtures import BASE_REPOSITORY, BASE_TAGS


def client(mirror: str, timeout: float = 3.0, retries: int = 2, page_size: int = 1000) -> RegistryClient:
    http = HttpClient(HttpOptions(timeout=timeout, retries=retries, backoff=0.05))
    return RegistryClient(http, {"mcr.microsoft.com": mirror}, page_size=page_size)


def lookups(registry_client: RegistryClient) -> Lookups:
    return Lookups(registry_client, None, LookupCache(None, 0))


def unique(fault: str) -> str:
    return f"{fault}/{uuid.uuid4().hex[:8]}"


class TestRealRegistry:
    def test_tags_of_a_repository(self, registry):
        assert sorted(client(registry).tags("mcr.microsoft.com", BASE_REPOSITORY)) == sorted([*BASE_TAGS, "latest"])

    def test_tags_follow_link_pagination(self, registry):
        found = client(registry, page_size=1).tags("mcr.microsoft.com", BASE_REPOSITORY)
        assert sorted(found) == sorted([*BASE_TAGS, "latest"])

    def test_latest_has_the_digest_of_the_newest_tag(self, registry):
        registry_client = client(registry)
        digests = {
            tag: registry_client.digest("mcr.microsoft.com", BASE_REPOSITORY, tag) for tag in (*BASE_TAGS, "latest")
        }
        assert digests["latest"] == digests[BASE_TAGS[-1]]
        assert len(set(digests.values())) == len(BASE_TAGS)
        assert all(value.startswith("sha256:") and len(value) == 71 for value in digests.values())

    def test_latest_image_tag_is_the_tag_sharing_latests_digest(self, registry):
        answer = lookups(client(registry)).answer(ImageQuery("mcr.microsoft.com", BASE_REPOSITORY, None))
        assert answer.tag == BASE_TAGS[-1]

    def test_regex_picks_the_greatest_matching_tag(self, registry):
        answer = lookups(client(registry)).answer(
            ImageQuery("mcr.microsoft.com", BASE_REPOSITORY, r"202509\d\d\.v\d|20251001\.v1")
        )
        assert answer.tag == "20251001.v1"

    def test_latest_without_a_twin_tag_is_pinned_by_digest(self, registry):
        registry_client = client(registry)
        answer = lookups(registry_client).answer(ImageQuery("mcr.microsoft.com", "azureml/only-latest", None))
        assert answer.tag is None
        assert answer.digest == registry_client.digest("mcr.microsoft.com", "azureml/only-latest", "latest")

    def test_missing_repository_names_the_request(self, registry):
        with pytest.raises(LookupFailed, match=r"GET .*/v2/azureml/nothing-here/tags/list\?n=1000: HTTP 404 Not Found "
                                               r"\(no such repository\)"):
            client(registry).tags("mcr.microsoft.com", "azureml/nothing-here")

    def test_repository_without_latest(self, registry):
        with pytest.raises(LookupFailed, match="has no tag latest"):
            lookups(client(registry)).answer(ImageQuery("mcr.microsoft.com", "azureml/no-latest", None))


class TestMisbehavingRegistry:
    def test_slow_answer_times_out_with_a_clear_error(self, faulty_registry):
        started = time.monotonic()
        with pytest.raises(LookupFailed, match=r"GET http://127\.0\.0\.1:\d+/v2/slow/.*/tags/list\?n=1000: timed out "
                                               r"waiting for an answer"):
            client(faulty_registry, timeout=0.5, retries=1).tags("mcr.microsoft.com", unique("slow"))
        assert time.monotonic() - started < 5

    def test_429_is_retried_after_retry_after(self, faulty_registry):
        started = time.monotonic()
        tags = client(faulty_registry).tags("mcr.microsoft.com", unique("busy"))
        assert tags == ["1.0", "1.1", "latest"]
        assert time.monotonic() - started >= 1.9  # two waits of Retry-After: 1

    def test_500_is_retried(self, faulty_registry):
        assert client(faulty_registry).tags("mcr.microsoft.com", unique("broken")) == ["1.0", "1.1", "latest"]

    def test_persistent_503_fails_after_retries(self, faulty_registry):
        with pytest.raises(LookupFailed, match="HTTP 503"):
            client(faulty_registry, retries=1).tags("mcr.microsoft.com", unique("down"))

    def test_truncated_body(self, faulty_registry):
        with pytest.raises(LookupFailed, match="cut off"):
            client(faulty_registry, retries=0).tags("mcr.microsoft.com", unique("truncated"))

    def test_wrong_content_type(self, faulty_registry):
        with pytest.raises(LookupFailed, match="expected JSON, the answer is text/html"):
            client(faulty_registry).tags("mcr.microsoft.com", unique("html"))

    def test_invalid_json(self, faulty_registry):
        with pytest.raises(LookupFailed, match="not valid JSON"):
            client(faulty_registry).tags("mcr.microsoft.com", unique("garbage"))

    def test_redirect_to_another_host_is_not_followed(self, faulty_registry):
        with pytest.raises(LookupFailed, match=r"redirected to another host \(127\.0\.0\.2:\d+\)"):
            client(faulty_registry).tags("mcr.microsoft.com", unique("redirect"))

    def test_anonymous_bearer_token_flow(self, faulty_registry):
        registry_client = client(faulty_registry)
        repository = unique("token")
        assert registry_client.tags("mcr.microsoft.com", repository) == ["1.0", "1.1", "latest"]
        assert registry_client.digest("mcr.microsoft.com", repository, "latest").startswith("sha256:")

    def test_refused_token(self, faulty_registry):
        with pytest.raises(LookupFailed, match="HTTP 403.*refused an anonymous token"):
            client(faulty_registry).tags("mcr.microsoft.com", unique("refused-token"))

    @pytest.mark.parametrize("fault", ["index", "manifest-list"])
    def test_index_and_manifest_list_digests(self, faulty_registry, fault):
        answer = lookups(client(faulty_registry)).answer(ImageQuery("mcr.microsoft.com", unique(fault), None))
        assert answer.tag == "1.1"

    def test_hundreds_of_tags_over_pages(self, faulty_registry):
        tags = client(faulty_registry, page_size=100).tags("mcr.microsoft.com", unique("paged"))
        assert len(tags) == 250 and tags[-1] == "1.249"

    def test_nothing_listening(self):
        with pytest.raises(LookupFailed, match="connection refused"):
            client("http://127.0.0.1:9", retries=0).tags("mcr.microsoft.com", "x")


def test_parse_challenge():
    scheme, params = parse_challenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"')
    assert scheme == "bearer"
    assert params == {"realm": "https://auth.docker.io/token", "service": "registry.docker.io",
                      "scope": "repository:library/ubuntu:pull"}
