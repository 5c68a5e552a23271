"""Which environments changed since the last run, and what was generated for the others.

An environment is generated again only when its inputs changed: a file under its asset
directory, an input it reads from outside that directory, or its build report (path,
type, size, inode and modification time of each), or when the links its page shows
changed. For the others the cache keeps what the site needs without parsing them
again: its view of each catalog page (``catalog.site.pages``: its row in the home
table, its object in catalog.json, its feed entries, ...), what other pages need to
link to it, and its released versions (each has a page).

The cache is a pickle of plain values only (``_PlainUnpickler`` refuses any class), so
a tampered cache file cannot run code; any problem reading it means an empty cache.
Each environment is stored as a tuple of plain values (``CachedEnvironment.pack``), its
views as the text each page made of it: a run that changes one environment of ten
thousand loads the cache in milliseconds and decodes only what the changed pages show.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import stat
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from catalog.atomic import write_bytes_atomic
from catalog.files import NOT_DEFINITION_DIRS
from catalog.model.discovery import ASSET_FILE, walk_assets
from catalog.records.identity import is_canonical_version
from catalog.site.links import Naming, PageLinks
from catalog.site.output import STATE_DIR
from catalog.site.paths import is_slug

CACHE_FILE = f"{STATE_DIR}/cache.pickle"
CACHE_LOG = f"{STATE_DIR}/cache.log"
CACHE_FORMAT = 10
RACY_NS = 2_000_000_000  # a file changed this recently may change again within the same timestamp


class CachedEnvironment(NamedTuple):
    """What one environment contributed to the site, and how to tell it changed."""

    fingerprint: bytes  # of all its inputs; b"" never matches (inputs too new to trust)
    inputs: tuple[str, ...]  # besides its directory: its build report, files outside it
    provisional: bool  # dates taken from file times: look again when git HEAD moves
    problems: tuple[str, ...]  # reported on every run, not only when it is parsed
    naming: Naming  # what other environments' pages need of it
    links: PageLinks  # what its pages were rendered with
    released: tuple[str, ...]  # its released versions, each with a page of its own
    views: dict[str, str]  # catalog page -> this environment's view of it (catalog.site.pages)

    @property
    def pages(self) -> list[str]:
        """Its own pages: its page, then one per released version."""
        return [self.links.page, *(self.links.version_page(label) for label in self.released)]

    def pack(self) -> tuple:
        """Plain values only, for the cache file."""
        return (self.fingerprint, self.inputs, self.provisional, self.problems, tuple(self.naming),
                tuple(self.links), self.released, self.views)

    @classmethod
    def unpack(cls, packed: tuple) -> CachedEnvironment:
        fingerprint, inputs, provisional, problems, naming, links, released, views = packed
        return cls(fingerprint, inputs, provisional, problems, Naming(*naming), PageLinks(*links), released, views)


_STR = {str}


def _strings(value: object) -> bool:
    return type(value) is tuple and set(map(type, value)) <= _STR


def _well_formed(packed: object) -> bool:
    """Whether a cached entry has the shape ``CachedEnvironment.pack`` gives it (paths made from
    it must be paths the generator could have made)."""
    if type(packed) is not tuple or len(packed) != len(CachedEnvironment._fields):
        return False
    fingerprint, inputs, provisional, problems, naming, links, released, views = packed
    return (type(fingerprint) is bytes and _strings(inputs) and type(provisional) is bool and _strings(problems)
            and type(naming) is tuple and len(naming) == len(Naming._fields) and type(naming[0]) is str
            and type(links) is tuple and len(links) == len(PageLinks._fields) and is_slug(links[0])
            and (links[1] is None or is_slug(links[1]))
            and _strings(released) and all(map(is_canonical_version, released)) and type(views) is dict
            and set(map(type, views)) <= _STR and set(map(type, views.values())) <= _STR)


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"cache holds a {module}.{name}; only plain values are allowed")


class EnvironmentCache:
    """Environments of the last run, keyed by asset file; entries are unpacked on first use.

    The cache is a snapshot (``cache.pickle``) plus a log of changes since
    (``cache.log``): a run that changes a few environments appends them instead of
    writing every environment again. Log records name the snapshot they follow, so a
    log left behind by an interrupted run is never applied to a newer snapshot; a
    record cut short by an interruption is ignored (its environments look changed).
    """

    def __init__(self, key: tuple, state: dict | None = None) -> None:
        state = state or {}
        self.key = key
        self.generation: str | None = state.get("generation")
        self.head: str | None = state.get("head")
        self.today: str | None = state.get("today")
        self.packed: dict[str, tuple] = state.get("entries", {})
        self.order: list[str] = state.get("order", [])  # keys in the home table's order
        self.sources: dict[str, list] = state.get("sources", {})  # static page -> what it was made from
        self.logged = 0  # environments in the log
        self._entries: dict[str, CachedEnvironment] = {}

    @classmethod
    def load(cls, out: Path, key: tuple) -> EnvironmentCache:
        """The cache in ``out``; the one this process saved last, while its files are as it left them
        (``mkdocs serve`` regenerates the site in one process, after every save)."""
        files = _files_state(out)  # before reading: a change while it is read shows next time
        last = _LAST_SAVED.get(str(out))
        if last is not None and last[1].key == key and last[0] == files:
            return last[1]
        try:
            with open(out / CACHE_FILE, "rb") as handle:
                state = _PlainUnpickler(io.BufferedReader(handle)).load()
            if state["format"] != CACHE_FORMAT or state["key"] != key:
                return cls(key)
            cache = cls(key, state)
            cache._replay(out)
            # an entry of another shape (a damaged or tampered file) is an environment to parse again
            cache.packed = {name: packed for name, packed in cache.packed.items() if _well_formed(packed)}
        except Exception:  # noqa: BLE001 - a missing, old or damaged cache is an empty one
            return cls(key)
        _LAST_SAVED[str(out)] = (files, cache)
        return cache

    def _replay(self, out: Path) -> None:
        try:
            data = (out / CACHE_LOG).read_bytes()
        except OSError:
            return
        stream = io.BytesIO(data)
        while stream.tell() < len(data):
            try:
                record = _PlainUnpickler(stream).load()
            except Exception:  # noqa: BLE001 - a record cut short by an interruption
                record = None
            if record is None or record.get("generation") != self.generation:
                self.logged = sys.maxsize  # the next save starts a new snapshot
                return
            self._apply(record)

    def _apply(self, record: dict) -> None:
        for key, packed in record["entries"].items():
            if packed is None:
                self.packed.pop(key, None)
            else:
                self.packed[key] = packed
            self._entries.pop(key, None)
        self.logged += len(record["entries"])
        self.head, self.today, self.sources = record["head"], record["today"], record["sources"]
        if record["order"] is not None:
            self.order = record["order"]

    def __contains__(self, key: str) -> bool:
        return key in self.packed

    def __getitem__(self, key: str) -> CachedEnvironment:
        if key not in self._entries:
            self._entries[key] = CachedEnvironment.unpack(self.packed[key])
        return self._entries[key]

    def save(self, out: Path, changes: dict[str, tuple | None], order: list[str], head: str | None, today: str,
             sources: dict[str, list]) -> None:
        """Record this run: ``changes`` maps asset files to their packed entry, or None when gone."""
        record = {"generation": self.generation, "entries": changes, "order": order if order != self.order else None,
                  "head": head, "today": today, "sources": sources}
        if not changes and record["order"] is None and (head, today, sources) == (self.head, self.today, self.sources):
            return
        _LAST_SAVED.pop(str(out), None)
        if self.generation is not None and self.logged + len(changes) <= max(100, len(self.packed) // 10):
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
            with os.fdopen(os.open(out / CACHE_LOG, flags, 0o644), "ab") as handle:
                handle.write(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
            self._apply(record)
        else:
            self._apply(record)
            self.generation, self.logged = os.urandom(8).hex(), 0
            state = {"format": CACHE_FORMAT, "key": self.key, "generation": self.generation, "head": head,
                     "today": today, "order": self.order, "sources": sources, "entries": self.packed}
            write_bytes_atomic(out / CACHE_FILE, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL),
                               durable=False)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(out / CACHE_LOG)
        _LAST_SAVED[str(out)] = (_files_state(out), self)


_LAST_SAVED: dict[str, tuple[tuple, EnvironmentCache]] = {}  # output directory -> (its files' state, the cache saved)


def _files_state(out: Path) -> tuple:
    """(inode, size, modification time) of the cache's files: another writer changes one of them."""
    found: list[tuple[int, int, int] | None] = []
    for name in (CACHE_FILE, CACHE_LOG):
        try:
            info = os.stat(out / name, follow_symlinks=False)
            found.append((info.st_ino, info.st_size, info.st_mtime_ns))
        except OSError:
            found.append(None)
    return tuple(found)


# --- fingerprints -----------------------------------------------------------------


class Print(NamedTuple):
    items: list  # (path, type, size, inode, mtime) of everything looked at
    newest_ns: int  # the newest modification time seen


def _stat_item(path: str, info: os.stat_result) -> tuple:
    return (path, stat.S_IFMT(info.st_mode), info.st_size, info.st_ino, info.st_mtime_ns)


def tree_items(directory: str, listing: list[os.DirEntry] | None = None) -> Print | None:
    """Everything under ``directory`` (symbolic links not followed); None when it is gone."""
    items: list = []
    newest = 0
    pending: list[tuple[str, list[os.DirEntry] | None]] = [(directory, listing)]
    while pending:
        current, entries = pending.pop()
        if entries is None:
            try:
                with os.scandir(current) as scan:
                    entries = list(scan)
            except FileNotFoundError:
                if current == directory:
                    return None
                continue
            except OSError:
                items.append((current, -1, 0, 0, 0))  # unreadable: sorts and compares like a stat item
                continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            items.append(_stat_item(entry.path, info))
            newest = max(newest, info.st_mtime_ns)
            if stat.S_ISDIR(info.st_mode) and entry.name not in NOT_DEFINITION_DIRS:
                pending.append((entry.path, None))
    items.sort()
    return Print(items, newest)


def inputs_items(paths: Iterable[str]) -> Print:
    """Files (or whole directories) an environment reads besides its own directory."""
    items: list = []
    newest = 0
    for path in paths:
        tree = tree_items(path) if os.path.isdir(path) else None
        if tree is not None:
            items.extend(tree.items)
            newest = max(newest, tree.newest_ns)
            continue
        try:
            info = os.stat(path)
        except OSError:
            items.append((path, None))
            continue
        items.append(_stat_item(path, info))
        newest = max(newest, info.st_mtime_ns)
    return Print(items, newest)


def fingerprint(tree: Print, inputs: tuple[str, ...], now_ns: int) -> bytes:
    """The digest of an environment's inputs, or b"" when one is too new for its time to prove anything."""
    extra = inputs_items(inputs)
    if max(tree.newest_ns, extra.newest_ns) >= now_ns - RACY_NS:
        return b""
    data = repr((tree.items, extra.items)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).digest()


def now_ns() -> int:
    return time.time_ns()


# --- discovery ------------------------------------------------------------------------


def scan_catalog(roots: list[Path], with_trees: bool = True,
                 unreadable: list[tuple[str, str]] | None = None) -> dict[str, Print | None]:
    """Every asset.yaml under ``roots`` (absolute path), with what its directory holds.

    The model's walker (``catalog.model.discovery.walk_assets``) lists each directory once;
    an asset directory's listing is its fingerprint. ``with_trees=False`` only finds them
    (the trees are taken later, by whoever parses the environment). Directories that
    cannot be listed are added to ``unreadable``, with the reason.
    """
    def note(path: str, reason: str) -> None:
        if unreadable is not None:
            unreadable.append((path, reason))

    found: dict[str, Print | None] = {}
    for root in roots:
        if not os.path.isdir(root):
            continue
        for directory, entries in walk_assets(os.path.abspath(root), note, list_assets=with_trees):
            asset_file = directory + os.sep + ASSET_FILE
            if entries is None:
                found[asset_file] = None  # one system call instead of listing the directory
                continue
            tree = tree_items(directory, entries)
            if tree is not None:
                found[asset_file] = tree
    return found
