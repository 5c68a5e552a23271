"""An environment's Docker build context: its files, listed once, read once, never outside the asset."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from catalog.dockerignore import DockerIgnore
from catalog.files import NOT_DEFINITION_DIRS, UnreadableFile, Within, decode_lenient, looks_binary, read_bytes


@dataclass(frozen=True)
class BuildContext:
    """The Docker build context of an environment (``image.context`` in environment.yaml).

    Nothing outside ``asset_directory`` is listed or read: a context that is a symbolic
    link to ``/`` lists as empty (the build-context rule reports it), and so does a
    file that is a link leading out of the asset.
    """

    directory: Path
    dockerfile: Path
    template_files: tuple[Path, ...]
    asset_directory: Path

    def relative(self, path: Path) -> str:
        text, prefix = str(path), self._prefix
        if text.startswith(prefix):  # the common case: a clean path below the context, no relpath needed
            rest = text[len(prefix):]
            if rest and not any(part in ("", ".", "..") for part in rest.split(os.sep)):
                return rest.replace(os.sep, "/")
        return Path(os.path.relpath(path, self.directory)).as_posix()

    @cached_property
    def _prefix(self) -> str:
        return str(self.directory) + os.sep

    @cached_property
    def _within_asset(self) -> Within:
        return Within(self.asset_directory)

    @cached_property
    def inside_asset(self) -> bool:
        return self._within_asset(self.directory)

    @cached_property
    def dockerignore(self) -> DockerIgnore:
        return DockerIgnore.read(self.directory / ".dockerignore", self.asset_directory)

    def data_of(self, path: Path) -> bytes | UnreadableFile:
        """A context file's bytes, read once, or why they cannot be (nothing outside the asset
        is read). The Dockerfile's parse and every rule's reading come from these bytes."""
        if path not in self._data:
            try:
                if not self._within_asset(path):
                    raise UnreadableFile("leads outside the asset directory")
                self._data[path] = read_bytes(path)
            except UnreadableFile as exc:
                self._data[path] = exc
        return self._data[path]

    def text_of(self, path: Path) -> str | None:
        """A context file's text, decoded leniently (a bad byte becomes U+FFFD; a BOM is
        dropped), or None if binary, too large, unreadable or outside the asset."""
        if path not in self._texts:
            data = self.data_of(path)
            if isinstance(data, UnreadableFile) or looks_binary(data[:8192]):
                self._texts[path] = None
            else:
                self._texts[path] = decode_lenient(data)
        return self._texts[path]

    @cached_property
    def _data(self) -> dict[Path, bytes | UnreadableFile]:
        return {}

    @cached_property
    def _texts(self) -> dict[Path, str | None]:
        return {}

    @cached_property
    def files(self) -> list[Path]:
        """Every file and symlink in the context, without following symlinks."""
        return self._listing[0]

    @cached_property
    def symlinks(self) -> frozenset[Path]:
        return self._listing[1]

    @cached_property
    def unreadable(self) -> list[tuple[Path, str]]:
        """Directories of the context that could not be listed, and why."""
        return self._listing[2]

    @cached_property
    def _listing(self) -> tuple[list[Path], frozenset[Path], list[tuple[Path, str]]]:
        found: list[Path] = []
        links: set[Path] = set()
        unreadable: list[tuple[Path, str]] = []
        pending = [self.directory] if self.inside_asset else []
        while pending:
            current = pending.pop()
            try:
                with os.scandir(current) as scan:
                    entries = sorted(scan, key=lambda entry: entry.name)
            except FileNotFoundError:
                continue  # a missing context is the missing-file rule's to report
            except OSError as exc:
                unreadable.append((current, exc.strerror or str(exc)))
                continue
            for entry in entries:
                path = Path(entry.path)
                if entry.is_symlink():
                    links.add(path)
                    found.append(path)
                elif entry.is_dir(follow_symlinks=False):
                    if entry.name not in NOT_DEFINITION_DIRS:
                        pending.append(path)
                else:
                    found.append(path)
        return found, frozenset(links), unreadable
