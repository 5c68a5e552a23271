"""The release ledger: ``releases/<name>/<version>/`` holds what one release contained.

Each version directory holds the pinned files of the environment (the spec rendered with
its ``{{asset.*}}`` and ``{{image.*}}`` values) and ``release.json``
(``schemas/release.schema.json``, the fields of ``ReleaseRecord``): version, date,
content hash, base image and digest (and the registry that answered), source commit,
deprecation state, and the SHA-256 of every file, so that a ledger entry that no longer
matches its files is found. Release writes it, lint, build and the site read it, all
through this module, the only place a name and version become a ledger path.

What is read back is checked: a version directory must be named by a canonical number
and hold a readable ``release.json`` that describes it; anything else is a
``RecordProblem`` (a lint finding, a warning on the site, a refusal to release that
environment), never a version that silently disappears and is written again.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

from catalog.atomic import is_stale_temporary
from catalog.files import NOT_DEFINITION_DIRS, file_sha256
from catalog.records.identity import is_canonical_version, is_safe_name, name_problem
from catalog.records.store import RecordProblem, RecordRefused, RecordTree, RecordUnreadable, remove_stale_staging

RELEASE_FILE = "release.json"
LEDGER_VERSION = 1
SCHEMA = "release"
MAX_RELEASE_JSON = 1 << 20
# A released file's path: relative, POSIX, no empty, "." or ".." component, no backslash or NUL.
RELEASED_PATH = re.compile(r"(?!(?:.*/)?\.\.?(?:/|$))(?:[^/\x00\\]+/)*[^/\x00\\]+")


@dataclass(frozen=True)
class PinnedBase:
    """The final build stage's base image: as written, as pinned, its digest, and the
    registry endpoint that answered (a mirror, when one was configured)."""

    written: str
    reference: str | None
    digest: str | None
    endpoint: str | None = None


@dataclass(frozen=True)
class Deprecation:
    deprecated: bool
    delete_on: str | None
    replacement: str | None


@dataclass(frozen=True)
class PinnedPackage:
    """A package pinned from a ``{{latest-pypi-version}}`` tag, and the index that answered."""

    name: str
    version: str
    index: str | None = None


@dataclass(frozen=True)
class ReleaseRecord:
    """``release.json``: one released version of an environment."""

    name: str
    version: int
    date: str  # UTC, YYYY-MM-DDTHH:MM:SSZ
    content_hash: str
    source_hash: str
    image: str | None
    base_image: PinnedBase | None
    source_commit: str | None
    deprecation: Deprecation
    packages: tuple[PinnedPackage, ...]
    files: dict[str, str]  # released file (relative POSIX path) -> SHA-256
    ledger_version: int = LEDGER_VERSION

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "base_image" and value is not None:
                value = {key: getattr(value, key) for key in ("written", "reference", "digest")} | (
                    {"endpoint": value.endpoint} if value.endpoint else {})
            elif item.name == "deprecation":
                value = {"deprecated": value.deprecated, "delete_on": value.delete_on, "replacement": value.replacement}
            elif item.name == "packages":
                value = [
                    {"name": p.name, "version": p.version} | ({"index": p.index} if p.index else {}) for p in value
                ]
            elif item.name == "files":
                value = dict(sorted(value.items()))
            document[item.name] = value
        return document

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReleaseRecord:
        """A record from a document that passed the schema (``ReleaseLedger`` checks it first)."""
        base = data["base_image"]
        return cls(
            name=data["name"], version=data["version"], date=data["date"], content_hash=data["content_hash"],
            source_hash=data["source_hash"], image=data["image"],
            base_image=PinnedBase(**base) if base is not None else None, source_commit=data["source_commit"],
            deprecation=Deprecation(**data["deprecation"]),
            packages=tuple(PinnedPackage(**item) for item in data["packages"]),
            files=dict(data["files"]), ledger_version=data["ledger_version"],
        )


@dataclass(frozen=True)
class ReleasedVersion:
    """One entry of the ledger: its record and the directory beside it."""

    record: ReleaseRecord
    directory: Path
    tree: RecordTree = field(repr=False, compare=False)

    name = property(lambda self: self.record.name)
    version = property(lambda self: self.record.version)
    date = property(lambda self: self.record.date)
    content_hash = property(lambda self: self.record.content_hash)
    source_hash = property(lambda self: self.record.source_hash)

    @property
    def release_file(self) -> Path:
        return self.directory / RELEASE_FILE

    def mismatches(self) -> list[str]:
        """How the directory differs from the files release.json lists (empty: it matches)."""
        listed = self.record.files
        present = _tree_digests(self.directory)
        present.pop(RELEASE_FILE, None)
        problems = []
        for name, digest in sorted(listed.items()):
            if name not in present:
                problems.append(f"{name} is listed but missing")
            elif present[name] != digest:
                problems.append(f"{name} was changed after the release")
        problems.extend(f"{name} is not listed" for name in sorted(present.keys() - listed.keys()))
        return problems


class ReleaseLedger:
    """The ledger under ``root`` (``releases`` in [tool.catalog]) of the repository ``top``."""

    def __init__(self, root: Path, top: Path | None = None) -> None:
        self.root = Path(root)
        self.tree = RecordTree(self.root, top)

    # --- paths -------------------------------------------------------------------------

    def name_directory(self, name: str) -> Path:
        problem = name_problem(name)
        if problem:
            raise RecordRefused(f"{problem}; it cannot name a ledger directory")
        return self.root / name

    def version_directory(self, name: str, version: int) -> Path:
        if isinstance(version, bool) or not isinstance(version, int) or not is_canonical_version(str(version)):
            raise RecordRefused(f"{name}: version {version!r} cannot name a ledger directory")
        return self.name_directory(name) / str(version)

    # --- reading -----------------------------------------------------------------------

    def versions(self, name: str | None) -> list[ReleasedVersion]:
        """The released versions of ``name`` that could be read, oldest first."""
        return self._read[0].get(name, []) if name else []

    def latest(self, name: str | None) -> ReleasedVersion | None:
        versions = self.versions(name)
        return versions[-1] if versions else None

    def version(self, name: str | None, number: int) -> ReleasedVersion | None:
        return next((entry for entry in self.versions(name) if entry.version == number), None)

    def names(self) -> list[str]:
        return sorted(self._read[0])

    @property
    def problems(self) -> list[RecordProblem]:
        return self._read[1]

    def problems_of(self, name: str | None) -> list[RecordProblem]:
        """What cannot be read among ``name``'s versions (release refuses such an environment)."""
        return [problem for problem in self.problems if problem.name == name] if name else []

    @cached_property
    def _read(self) -> tuple[dict[str, list[ReleasedVersion]], list[RecordProblem]]:
        found: dict[str, list[ReleasedVersion]] = {}
        problems: list[RecordProblem] = []
        if not os.path.lexists(self.root):
            return found, problems
        if not self.tree.is_real_directory(self.root):
            problems.append(RecordProblem(self.root, "the ledger directory is a symbolic link or not a directory; "
                                                     "it is not read"))
            return found, problems
        for entry in _entries(self.root, problems):
            if entry.name.startswith("."):
                continue
            name_dir = Path(entry.path)
            if not is_safe_name(entry.name):
                problems.append(RecordProblem(name_dir, "not an environment's ledger directory: "
                                                        f"{name_problem(entry.name)}"))
                continue
            if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
                problems.append(RecordProblem(name_dir, "a symbolic link or not a directory; its releases are not read",
                                              entry.name))
                continue
            versions = self._read_name(entry.name, name_dir, problems)
            if versions:
                found[entry.name] = sorted(versions, key=lambda released: released.version)
        return found, problems

    def _read_name(self, name: str, name_dir: Path, problems: list[RecordProblem]) -> list[ReleasedVersion]:
        versions = []
        self.tree.vouch(name_dir)
        for entry in _entries(name_dir, problems, name):
            directory = Path(entry.path)
            if entry.name.startswith("."):
                if is_stale_temporary(entry.name):
                    problems.append(
                        RecordProblem(
                            directory,
                            "left by a release that was interrupted; the next "
                            "`catalog release` removes it (do not commit it)",
                            name,
                            stale=True,
                        )
                    )
                continue
            if not is_canonical_version(entry.name):
                problems.append(RecordProblem(directory, "not a version directory: versions are named by positive "
                                                         "integers written canonically (1, 2, 10; not 01)", name))
                continue
            if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
                problems.append(RecordProblem(directory, "a symbolic link or not a directory; this version is not read",
                                              name))
                continue
            self.tree.vouch(directory)
            try:
                record = self.read_record(directory / RELEASE_FILE, name, int(entry.name))
            except RecordUnreadable as exc:
                problems.append(RecordProblem(exc.path, exc.reason, name))
                continue
            versions.append(ReleasedVersion(record, directory, self.tree))
        return versions

    def read_record(self, path: Path, name: str, version: int) -> ReleaseRecord:
        from catalog.schema import schema_errors

        data = self.tree.read_json(path, MAX_RELEASE_JSON)
        for _, message in schema_errors(data, SCHEMA):
            raise RecordUnreadable(path, f"{message}")
        if data["name"] != name or data["version"] != version:
            raise RecordUnreadable(path, f"release.json does not describe {name} version {version}")
        bad = next((relative for relative in data["files"] if not RELEASED_PATH.fullmatch(relative)), None)
        if bad is not None:
            raise RecordUnreadable(path, f"lists {bad[:80]!r}, which is not a plain path inside the release")
        return ReleaseRecord.from_json(data)

    # --- writing -----------------------------------------------------------------------

    def write(self, record: ReleaseRecord, files: dict[str, bytes]) -> Path:
        """Write a new version: its files and its release.json, in one step. Refuses a version
        directory that exists (readable or not), and writes through no link."""
        import json

        target = self.version_directory(record.name, record.version)
        name_dir = target.parent
        if self.tree.is_real_directory(name_dir):
            remove_stale_staging(name_dir)
        if RELEASE_FILE in files:
            raise RecordRefused(f"{record.name}: a released file cannot be named {RELEASE_FILE}")
        tree = dict(files)
        tree[RELEASE_FILE] = (json.dumps(record.to_json(), indent=2, sort_keys=True) + "\n").encode("utf-8")
        self.tree.write_new_tree(target, tree)
        return target


def file_digests(files: dict[str, bytes]) -> dict[str, str]:
    return {relative: hashlib.sha256(data).hexdigest() for relative, data in sorted(files.items())}


def release_date(when: datetime.datetime) -> str:
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entries(directory: Path, problems: list[RecordProblem], name: str | None = None) -> list[os.DirEntry]:
    try:
        with os.scandir(directory) as scan:
            return sorted(scan, key=lambda entry: entry.name)
    except OSError as exc:
        problems.append(RecordProblem(directory, f"cannot read: {exc.strerror or exc}", name))
        return []


def _tree_digests(directory: Path) -> dict[str, str]:
    """SHA-256 of each regular file below ``directory``; anything else (a link, a FIFO, a
    directory that is a link) is listed as not a regular file."""
    digests = {}
    for current, dirnames, filenames in os.walk(directory, followlinks=False):
        dirnames[:] = [name for name in dirnames if name not in NOT_DEFINITION_DIRS]
        for name in list(dirnames):
            if os.path.islink(os.path.join(current, name)):
                digests[Path(current, name).relative_to(directory).as_posix()] = "not a regular file"
        for name in filenames:
            path = Path(current) / name
            relative = path.relative_to(directory).as_posix()
            digests[relative] = file_sha256(path)
    return digests
