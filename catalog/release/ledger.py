"""The release ledger: ``releases/<name>/<version>/`` holds what one release contained.

Each version directory holds the pinned files of the environment (the spec rendered with
its ``{{asset.*}}`` and ``{{image.*}}`` values) and ``release.json``
(``schemas/release.schema.json``): version, date, content hash, base image and digest,
source commit, deprecation state, and the SHA-256 of every file, so that a ledger
entry that no longer matches its files is found. Everything that reads the ledger
(release, lint, the site) reads it through this module.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

RELEASE_FILE = "release.json"
LEDGER_VERSION = 1
MAX_RELEASE_JSON = 1 << 20


@dataclass(frozen=True)
class ReleasedVersion:
    """One entry of the ledger, as read from its release.json."""

    name: str
    version: int
    directory: Path
    record: dict  # the release.json document

    @property
    def date(self) -> str | None:
        return self.record.get("date")

    @property
    def content_hash(self) -> str | None:
        return self.record.get("content_hash")

    @property
    def source_hash(self) -> str | None:
        return self.record.get("source_hash")

    @property
    def release_file(self) -> Path:
        return self.directory / RELEASE_FILE

    def file_text(self, relative: str) -> str | None:
        """A released file's text (a file of this release only), or None."""
        from catalog.files import UnreadableFile, read_text

        path = self.directory / relative
        if relative not in self.record.get("files", {}) or os.path.islink(path):
            return None
        try:
            return read_text(path)
        except UnreadableFile:
            return None

    def mismatches(self) -> list[str]:
        """How the directory differs from the files release.json lists (empty: it matches)."""
        listed = self.record.get("files")
        if not isinstance(listed, dict):
            return ["release.json lists no files"]
        problems = []
        present = _tree_digests(self.directory)
        present.pop(RELEASE_FILE, None)
        for name, digest in sorted(listed.items()):
            if name not in present:
                problems.append(f"{name} is listed but missing")
            elif present[name] != digest:
                problems.append(f"{name} was changed after the release")
        problems.extend(f"{name} is not listed" for name in sorted(present.keys() - listed.keys()))
        return problems


@dataclass
class LedgerProblem:
    path: Path
    message: str


@dataclass
class ReleaseLedger:
    root: Path
    problems: list[LedgerProblem] = field(default_factory=list)

    def versions(self, name: str) -> list[ReleasedVersion]:
        """The released versions of ``name``, oldest first."""
        return self._by_name.get(name, [])

    def latest(self, name: str) -> ReleasedVersion | None:
        versions = self.versions(name)
        return versions[-1] if versions else None

    def version(self, name: str, number: int) -> ReleasedVersion | None:
        return next((entry for entry in self.versions(name) if entry.version == number), None)

    def names(self) -> list[str]:
        return sorted(self._by_name)

    @cached_property
    def _by_name(self) -> dict[str, list[ReleasedVersion]]:
        found: dict[str, list[ReleasedVersion]] = {}
        if not self.root.is_dir() or self.root.is_symlink():
            return found
        for name_dir in sorted(_subdirectories(self.root)):
            for version_dir in _subdirectories(name_dir):
                entry = self._read(name_dir.name, version_dir)
                if entry is not None:
                    found.setdefault(entry.name, []).append(entry)
        for entries in found.values():
            entries.sort(key=lambda entry: entry.version)
        return found

    def _read(self, name: str, directory: Path) -> ReleasedVersion | None:
        path = directory / RELEASE_FILE
        if not directory.name.isdigit():
            self.problems.append(LedgerProblem(directory, "a version directory is named by a positive integer"))
            return None
        from catalog.files import UnreadableFile, read_text

        try:
            record = json.loads(read_text(path, MAX_RELEASE_JSON))
        except UnreadableFile as exc:
            self.problems.append(LedgerProblem(path, str(exc)))
            return None
        except ValueError as exc:
            self.problems.append(LedgerProblem(path, f"not valid JSON: {exc}"))
            return None
        if not isinstance(record, dict) or record.get("name") != name or record.get("version") != int(directory.name):
            self.problems.append(LedgerProblem(path, f"release.json does not describe {name} version {directory.name}"))
            return None
        return ReleasedVersion(name, int(directory.name), directory, record)


def read_ledger(root: Path) -> ReleaseLedger:
    return ReleaseLedger(root)


def _subdirectories(directory: Path) -> list[Path]:
    try:
        with os.scandir(directory) as scan:
            return [Path(entry.path) for entry in scan if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".")]
    except OSError:
        return []


def _tree_digests(directory: Path) -> dict[str, str]:
    digests = {}
    for current, _, filenames in os.walk(directory, followlinks=False):
        for name in filenames:
            path = Path(current) / name
            if path.is_symlink() or not path.is_file():
                digests[path.relative_to(directory).as_posix()] = "not a regular file"
                continue
            digests[path.relative_to(directory).as_posix()] = sha256_file(path)
    return digests


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def release_record(*, name: str, version: int, date: datetime.datetime, content_hash: str, source_hash: str,
                   image: str, base_image: dict | None, source_commit: str | None, deprecation: dict,
                   packages: list[dict], files: dict[str, bytes]) -> dict:
    """The release.json document of a release about to be written."""
    return {
        "ledger_version": LEDGER_VERSION,
        "name": name,
        "version": version,
        "date": date.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "content_hash": content_hash,
        "source_hash": source_hash,
        "image": image,
        "base_image": base_image,
        "source_commit": source_commit,
        "deprecation": deprecation,
        "packages": packages,
        "files": {relative: hashlib.sha256(data).hexdigest() for relative, data in sorted(files.items())},
    }
