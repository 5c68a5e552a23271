"""Which environments changed since the last run, and what was generated for the others.

An environment is generated again only when a file under its asset directory, an input
it reads from outside that directory, or its build report changed (path, type, size,
inode, modification time), or when the links its page shows changed. For everything
else the cache keeps what the site needs without parsing it again: its page's file
info, its row in the home table, its entry in catalog.json and a short summary.

The cache is a pickle of plain values only (``_PlainUnpickler`` refuses any class), so
a tampered cache file cannot run code; any problem reading it means an empty cache.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import stat
import time
from pathlib import Path
from typing import Iterable, NamedTuple

from catalog.atomic import write_bytes_atomic
from catalog.model import ASSET_FILE, SKIPPED_DIRS
from catalog.site.output import STATE_DIR

CACHE_FILE = f"{STATE_DIR}/cache.pickle"
CACHE_FORMAT = 1
RACY_NS = 2_000_000_000  # a file changed this recently may change again within the same timestamp


class CachedEnvironment(NamedTuple):
    tree: bytes  # fingerprint of the asset directory; b"" never matches
    external: tuple[str, ...]  # inputs outside the asset directory
    external_print: bytes
    report: str | None  # the build report file
    report_print: bytes
    links: tuple  # the PageLinks the page and fragments were rendered with
    provisional: bool  # dates taken from file times: look again when git HEAD moves
    page: str
    page_info: tuple
    row: str
    json: str
    summary: dict


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"cache holds a {module}.{name}; only plain values are allowed")


class EnvironmentCache:
    def __init__(self, key: tuple, head: str | None = None, entries: dict[str, CachedEnvironment] | None = None):
        self.key = key
        self.head = head
        self.entries = entries or {}

    @classmethod
    def load(cls, out: Path, key: tuple) -> "EnvironmentCache":
        try:
            with open(out / CACHE_FILE, "rb") as handle:
                data = _PlainUnpickler(io.BufferedReader(handle)).load()
            if data["format"] != CACHE_FORMAT or data["key"] != key:
                return cls(key)
            entries = {k: CachedEnvironment._make(v) for k, v in data["entries"].items()}
            return cls(key, data["head"], entries)
        except Exception:  # a missing, old or damaged cache is an empty one
            return cls(key)

    def save(self, out: Path, entries: dict[str, CachedEnvironment], head: str | None) -> bool:
        """Store ``entries``; False when nothing changed (the file is left alone)."""
        if entries == self.entries and head == self.head:
            return False
        data = {"format": CACHE_FORMAT, "key": self.key, "head": head,
                "entries": {k: tuple(v) for k, v in entries.items()}}
        write_bytes_atomic(out / CACHE_FILE, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL), durable=False)
        return True


# --- fingerprints -----------------------------------------------------------------


def _entry_stat(info: os.stat_result) -> tuple:
    return (stat.S_IFMT(info.st_mode), info.st_size, info.st_ino, info.st_mtime_ns)


def digest(items: Iterable) -> bytes:
    return hashlib.blake2b(repr(list(items)).encode("utf-8", "surrogatepass"), digest_size=16).digest()


class TreePrint(NamedTuple):
    digest: bytes
    newest_ns: int  # the newest modification time seen


def tree_print(directory: str, listing: list[os.DirEntry] | None = None) -> TreePrint | None:
    """The fingerprint of everything under ``directory`` (symlinks not followed); None if gone."""
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
                items.append((current, "unreadable"))
                continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            items.append((entry.path, *_entry_stat(info)))
            newest = max(newest, info.st_mtime_ns)
            if stat.S_ISDIR(info.st_mode) and entry.name != ".git":
                pending.append((entry.path, None))
    items.sort()
    return TreePrint(digest(items), newest)


def paths_print(paths: Iterable[str]) -> bytes:
    """The fingerprint of files or whole directories outside an asset directory."""
    items = []
    for path in paths:
        tree = tree_print(path) if os.path.isdir(path) else None
        if tree is not None:
            items.append((path, tree.digest))
            continue
        try:
            items.append((path, *_entry_stat(os.stat(path))))
        except OSError:
            items.append((path, None))
    return digest(items)


def file_print(path: str | None) -> bytes:
    if path is None:
        return b""
    try:
        return digest([_entry_stat(os.stat(path))])
    except OSError:
        return b"-"


def trusted(tree: TreePrint, now_ns: int) -> bytes:
    """The digest to keep, or b"" when a file is too new for its timestamp to prove anything."""
    return tree.digest if tree.newest_ns < now_ns - RACY_NS else b""


def now_ns() -> int:
    return time.time_ns()


# --- discovery ------------------------------------------------------------------------


def scan_catalog(roots: list[Path]) -> dict[str, tuple[Path, TreePrint]]:
    """Every asset.yaml under ``roots``, with the fingerprint of its directory, in one walk.

    It finds the same asset files as ``catalog.model.find_asset_files`` (tests hold the
    two together) while listing each directory once: an asset directory is listed for
    its fingerprint and not searched for further assets.
    """
    found: dict[str, tuple[Path, TreePrint]] = {}
    for root in roots:
        if not os.path.isdir(root):
            continue
        pending = [os.path.abspath(root)]
        while pending:
            current = pending.pop()
            try:
                with os.scandir(current) as scan:
                    entries = list(scan)
            except OSError:
                continue
            if any(e.name == ASSET_FILE and not e.is_dir() for e in entries):
                tree = tree_print(current, entries)
                if tree is not None:
                    asset_file = Path(current) / ASSET_FILE
                    found[str(asset_file)] = (asset_file, tree)
                continue
            for entry in entries:
                name = entry.name
                if entry.is_dir(follow_symlinks=False) and name not in SKIPPED_DIRS and not name.startswith("."):
                    pending.append(entry.path)
    return found
