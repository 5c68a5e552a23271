"""Answers to template tags: the newest image tag, the newest package release.

Each answer is asked once per run and kept on disk for a short while
(``cache-ttl``), so pinning the same catalog twice in a row costs no network;
``offline`` answers from the disk cache alone, however old.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from catalog.pin.http import LookupFailed

MAX_DIGEST_PROBES = 30  # tags whose digest is compared with latest's before pinning the digest
CACHE_FILE = "lookups.json"
CACHE_VERSION = 1


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


class DiskCache:
    """Answers by key, with the time they were fetched; written atomically."""

    def __init__(self, directory: Path | None, ttl: float) -> None:
        self.path = directory / CACHE_FILE if directory is not None else None
        self.ttl = ttl
        self._entries: dict[str, list] = {}
        self._dirty = False
        if self.path is not None:
            try:
                payload = json.loads(self.path.read_text(encoding="utf-8"))
                if payload.get("version") == CACHE_VERSION and isinstance(payload.get("entries"), dict):
                    self._entries = payload["entries"]
            except (OSError, ValueError, AttributeError):
                self._entries = {}  # no cache, or one we cannot read: start afresh

    def get(self, key: str, any_age: bool = False):
        entry = self._entries.get(key)
        if not isinstance(entry, list) or len(entry) != 2:
            return None
        fetched, value = entry
        if not any_age and (not isinstance(fetched, (int, float)) or time.time() - fetched > self.ttl):
            return None
        return value

    def put(self, key: str, value) -> None:
        self._entries[key] = [time.time(), value]
        self._dirty = True

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        from catalog.atomic import write_text_atomic

        try:
            write_text_atomic(self.path, json.dumps({"version": CACHE_VERSION, "entries": self._entries}, sort_keys=True))
        except OSError:
            pass  # a cache that cannot be written only costs lookups next time
        self._dirty = False


class Lookups:
    """Answers queries through the registry and the package index, cached."""

    def __init__(self, registry, package_index, cache: DiskCache, offline: bool = False) -> None:
        self.registry = registry
        self.package_index = package_index
        self.cache = cache
        self.offline = offline
        self._run: dict[str, object] = {}
        self._lock = threading.Lock()

    def answer(self, query: ImageQuery | PackageQuery | DigestQuery):
        """The answer to ``query``; raises ``LookupFailed``."""
        key = query.key
        with self._lock:
            if key in self._run:
                found = self._run[key]
                if isinstance(found, LookupFailed):
                    raise found
                return found
        cached = self.cache.get(key, any_age=self.offline)
        if cached is not None:
            value = _decode(query, cached)
        elif self.offline:
            error = LookupFailed("not in the cache, and --offline forbids asking")
            with self._lock:
                self._run[key] = error
            raise error
        else:
            try:
                value = self._ask(query)
            except LookupFailed as error:
                with self._lock:
                    self._run[key] = error
                raise
            with self._lock:
                self.cache.put(key, _encode(value))
        with self._lock:
            self._run[key] = value
        return value

    def _ask(self, query):
        if isinstance(query, PackageQuery):
            return self.package_index(query.index_url).latest_version(query.project, query.pre)
        if isinstance(query, DigestQuery):
            return self.registry.digest(query.registry, query.repository, query.reference)
        tags = self.registry.tags(query.registry, query.repository)
        if query.pattern is not None:
            pattern = re.compile(query.pattern)
            matching = [tag for tag in tags if pattern.fullmatch(tag)]
            if not matching:
                raise LookupFailed(f"none of its {len(tags)} tags matches")
            return ImageAnswer(max(matching, key=natural_key), None)
        if "latest" not in tags:
            raise LookupFailed("the repository has no tag latest")
        latest = self.registry.digest(query.registry, query.repository, "latest")
        candidates = sorted((tag for tag in tags if tag != "latest"), key=natural_key, reverse=True)
        for tag in candidates[:MAX_DIGEST_PROBES]:
            if self.registry.digest(query.registry, query.repository, tag) == latest:
                return ImageAnswer(tag, latest)
        return ImageAnswer(None, latest)


def _encode(value):
    if isinstance(value, ImageAnswer):
        return {"tag": value.tag, "digest": value.digest}
    return value


def _decode(query, value):
    if isinstance(query, ImageQuery):
        if not isinstance(value, dict):
            raise LookupFailed("the cached answer is damaged; delete the cache")
        return ImageAnswer(value.get("tag"), value.get("digest"))
    return value


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "envcatalog"
