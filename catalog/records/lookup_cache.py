"""The lookup cache: answers to template tags kept on disk for ``cache-ttl`` seconds.

``lookups.json`` (in ``cache-dir``, default ``~/.cache/envcatalog``) may be shared by
every repository on a machine and by CI caches, so it is read like any other answer
from outside: only as a regular file reached without links, bounded in size, each entry
checked with the grammar of its kind (an image tag or digest as the OCI spec writes
them, a package version that parses under PEP 440). An entry that fails is dropped; an
entry dated in the future has expired. Keys name the endpoint that was asked (the
mirror, the index URL), so a mirror's answers are never served as the registry's.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from catalog.image_ref import is_digest, is_tag
from catalog.records.store import RecordRefused, RecordTree, RecordUnreadable

CACHE_FILE = "lookups.json"
CACHE_VERSION = 2  # 2: keys name the endpoint asked
MAX_CACHE_BYTES = 16 << 20
MAX_KEY = 2048
CLOCK_SKEW = 60.0  # seconds an entry may seem to come from the future (clocks of CI machines differ)
IMAGE, DIGEST, PACKAGE = "image", "digest", "pypi"


def cache_key(kind: str, endpoint: str, *parts: str) -> str:
    """The key of one lookup: its kind, the endpoint asked, and what was asked."""
    return " ".join((kind, endpoint, *parts))


def is_package_version(text: object) -> bool:
    from packaging.version import InvalidVersion, Version

    if not isinstance(text, str) or len(text) > 128:
        return False
    try:
        return str(Version(text)) == text
    except InvalidVersion:
        return False


def valid_answer(key: str, value: Any) -> bool:
    """Whether ``value`` is an answer of the kind ``key`` names, in its grammar."""
    kind = key.split(" ", 1)[0]
    if kind == IMAGE:
        if not isinstance(value, dict) or set(value) != {"tag", "digest"}:
            return False
        tag, digest = value["tag"], value["digest"]
        return (tag is None or is_tag(tag)) and (digest is None or is_digest(digest)) and (tag or digest) is not None
    if kind == DIGEST:
        return is_digest(value)
    if kind == PACKAGE:
        return is_package_version(value)
    return False


class LookupCache:
    """Answers by key, with the time they were fetched; written atomically."""

    def __init__(self, directory: Path | None, ttl: float, clock=time.time) -> None:
        self.path = directory / CACHE_FILE if directory is not None else None
        self.ttl = ttl
        self.clock = clock
        self.problem: str | None = None  # why the cache file was not used
        self._entries: dict[str, list] = {}
        self._dirty = False
        self._tree = RecordTree(directory) if directory is not None else None
        if self.path is not None and os.path.lexists(self.path):
            self._entries = self._load()

    def _load(self) -> dict[str, list]:
        if self._tree is None or self.path is None:
            return {}
        try:
            payload = self._tree.read_json(self.path, MAX_CACHE_BYTES)
        except RecordUnreadable as exc:
            self.problem = str(exc)
            return {}
        if not isinstance(payload, dict) or payload.get("version") != CACHE_VERSION \
                or not isinstance(payload.get("entries"), dict):
            return {}  # another version's cache, or none of ours: start afresh
        entries = {}
        for key, entry in payload["entries"].items():
            if (isinstance(key, str) and len(key) <= MAX_KEY and isinstance(entry, list) and len(entry) == 2
                    and isinstance(entry[0], (int, float)) and not isinstance(entry[0], bool)
                    and valid_answer(key, entry[1])):
                entries[key] = entry
        return entries

    def get(self, key: str, any_age: bool = False) -> Any:
        entry = self._entries.get(key)
        if entry is None:
            return None
        fetched, value = entry
        now = self.clock()
        if fetched > now + CLOCK_SKEW:
            return None  # from the future: expired, whatever --offline says
        if not any_age and now - fetched > self.ttl:
            return None
        return value

    def put(self, key: str, value: Any) -> None:
        if not valid_answer(key, value):
            raise ValueError(f"not an answer for {key!r}: {value!r}")
        self._entries[key] = [self.clock(), value]
        self._dirty = True

    def save(self) -> None:
        if self.path is None or self._tree is None or not self._dirty:
            return
        with contextlib.suppress(OSError, RecordRefused):  # a cache not written only costs lookups next time
            self._tree.write_file(self.path, json.dumps({"version": CACHE_VERSION, "entries": self._entries},
                                                        sort_keys=True).encode("utf-8"))
        self._dirty = False


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "envcatalog"
