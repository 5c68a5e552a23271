"""Answers to template tags: the newest image tag, the newest package release.

Each answer is asked once per run and kept in the lookup cache
(``catalog.records.lookup_cache``) for a short while (``cache-ttl``), so pinning the
same catalog twice in a row costs no network; ``offline`` answers from the cache alone,
however old. A cached answer is keyed by the endpoint that gave it (the mirror, the
index URL). Each lookup has a deadline of its own (every request and retry included).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from catalog.image_ref import is_digest, is_tag, parse_image_reference
from catalog.pin.http import LookupFailed
from catalog.records.lookup_cache import DIGEST, IMAGE, PACKAGE, LookupCache, cache_key, is_package_version

MAX_DIGEST_PROBES = 30  # tags whose digest is compared with latest's before pinning the digest


@dataclass(frozen=True)
class ImageQuery:
    registry: str
    repository: str
    pattern: str | None  # the regex of {{latest-image-tag:REGEX}}

    @property
    def key(self) -> str:
        return f"image {self.registry}/{self.repository} {self.pattern or ''}"

    def describe(self) -> str:
        wanted = f"the newest tag matching {self.pattern!r}" if self.pattern else "the tag of latest"
        return f"{wanted} of {self.registry}/{self.repository}"


@dataclass(frozen=True)
class PackageQuery:
    index_url: str
    project: str
    pre: bool

    @property
    def key(self) -> str:
        return f"pypi {self.index_url} {self.project.lower()} {'pre' if self.pre else ''}"

    def describe(self) -> str:
        return f"the newest {'release' if self.pre else 'final release'} of {self.project} on {self.index_url}"


@dataclass(frozen=True)
class DigestQuery:
    registry: str
    repository: str
    reference: str  # a tag

    @property
    def key(self) -> str:
        return f"digest {self.registry}/{self.repository}:{self.reference}"

    def describe(self) -> str:
        return f"the digest of {self.registry}/{self.repository}:{self.reference}"


@dataclass(frozen=True)
class ImageAnswer:
    tag: str | None  # the tag to pin, or None to pin the digest
    digest: str | None  # latest's digest, when known


def natural_key(tag: str) -> tuple:
    """Tags compared as versions where they parse as versions, else digit runs as numbers."""
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(tag), ())
    except InvalidVersion:
        parts = tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.findall(r"\d+|\D+", tag))
        return (0, None, parts)  # never compared with a version: the first items differ


class Lookups:
    """Answers queries through the registry and the package index, cached."""

    def __init__(self, registry, package_index, cache: LookupCache, offline: bool = False) -> None:
        self.registry = registry
        self.package_index = package_index
        self.cache = cache
        self.offline = offline
        self._run: dict[str, object] = {}
        self._lock = threading.Lock()

    def endpoint(self, query: ImageQuery | PackageQuery | DigestQuery) -> str:
        """The URL asked for ``query``: the registry's mirror or the registry, or the index."""
        if isinstance(query, PackageQuery):
            return query.index_url
        return self.registry.base_url(query.registry)

    def cache_key(self, query: ImageQuery | PackageQuery | DigestQuery) -> str:
        endpoint = self.endpoint(query)
        if isinstance(query, PackageQuery):
            return cache_key(PACKAGE, endpoint, query.project.lower(), "pre" if query.pre else "final")
        if isinstance(query, DigestQuery):
            return cache_key(DIGEST, endpoint, f"{query.repository}:{query.reference}")
        return cache_key(IMAGE, endpoint, query.repository, query.pattern or "")

    def image_digest(self, reference: str) -> tuple[str | None, str | None]:
        """(the digest of an image reference, the endpoint that told it). A digest written in
        the reference is its own answer (no endpoint); a tag is asked, or answered from the
        cache; a template tag, or a lookup that fails, has none."""
        parsed = parse_image_reference(reference)
        if parsed.digest is not None:
            return parsed.digest, None
        if parsed.tag is None or parsed.templated_tag:
            return None, None
        query = DigestQuery(parsed.registry, parsed.repository, parsed.tag)
        try:
            return self.answer(query), self.endpoint(query)
        except LookupFailed:
            return None, None

    def answer(self, query: ImageQuery | PackageQuery | DigestQuery):
        """The answer to ``query``; raises ``LookupFailed``."""
        key = query.key
        with self._lock:
            if key in self._run:
                found = self._run[key]
                if isinstance(found, LookupFailed):
                    raise found
                return found
        stored = self.cache_key(query)
        cached = self.cache.get(stored, any_age=self.offline)
        try:
            if cached is not None:
                value = _decode(query, cached)
            elif self.offline:
                raise LookupFailed("not in the cache, and --offline forbids asking")
            else:
                try:
                    value = self._ask(query)
                except LookupFailed:
                    raise
                except (RecursionError, MemoryError) as exc:  # inside a parser: the answer is the problem
                    raise LookupFailed(f"the answer could not be parsed ({type(exc).__name__})") from None
                except Exception as exc:  # noqa: BLE001 - a bug: one lookup fails, never the whole run
                    raise LookupFailed(f"internal error: {type(exc).__name__}: {exc}, please report") from None
                _check(query, value)
                with self._lock:
                    self.cache.put(stored, _encode(value))
        except LookupFailed as error:
            with self._lock:
                self._run[key] = error
            raise
        with self._lock:
            self._run[key] = value
        return value

    def _ask(self, query):
        if isinstance(query, PackageQuery):
            return self.package_index(query.index_url).latest_version(query.project, query.pre)
        deadline = self.registry.http.deadline()
        if isinstance(query, DigestQuery):
            return self.registry.digest(query.registry, query.repository, query.reference, deadline)
        tags = self.registry.tags(query.registry, query.repository, deadline)
        if query.pattern is not None:
            pattern = re.compile(query.pattern)
            matching = [tag for tag in tags if pattern.fullmatch(tag)]
            if not matching:
                raise LookupFailed(f"none of its {len(tags)} tags matches")
            return ImageAnswer(max(matching, key=natural_key), None)
        if "latest" not in tags:
            raise LookupFailed("the repository has no tag latest")
        latest = self.registry.digest(query.registry, query.repository, "latest", deadline)
        candidates = sorted((tag for tag in tags if tag != "latest"), key=natural_key, reverse=True)
        for tag in candidates[:MAX_DIGEST_PROBES]:
            if self.registry.digest(query.registry, query.repository, tag, deadline) == latest:
                return ImageAnswer(tag, latest)
        return ImageAnswer(None, latest)


def _check(query, value) -> None:
    """An answer is used only in its grammar (the clients check too; this is the last word)."""
    if isinstance(query, PackageQuery):
        ok = is_package_version(value)
    elif isinstance(query, DigestQuery):
        ok = is_digest(value)
    else:
        ok = (value.tag is None or is_tag(value.tag)) and (value.digest is None or is_digest(value.digest)) \
            and (value.tag or value.digest) is not None
    if not ok:
        raise LookupFailed(f"the answer {str(value)[:80]!r} is not a valid "
                           f"{'version' if isinstance(query, PackageQuery) else 'tag or digest'}")


def _encode(value):
    if isinstance(value, ImageAnswer):
        return {"tag": value.tag, "digest": value.digest}
    return value


def _decode(query, value):
    """A cached answer; the cache checked its grammar when it read it."""
    if isinstance(query, ImageQuery):
        return ImageAnswer(value["tag"], value["digest"])
    return value
