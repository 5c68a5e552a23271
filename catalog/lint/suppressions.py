"""Findings a configuration or a comment switches off: per-path ignores and
``# catalog: ignore[rule]`` on the finding's line or the comment line above it."""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

from catalog.config import Config
from catalog.files import UnreadableFile, decode_lenient, read_bytes
from catalog.finding import Finding
from catalog.model import EnvironmentAsset

_INLINE_IGNORE = re.compile(r"#\s*catalog:\s*ignore\[([^\]]*)\]")


class Suppressions:
    """Per-path ignores from the configuration and ``# catalog: ignore[rule]`` comments."""

    def __init__(self, config: Config) -> None:
        self.base_dir = config.base_dir
        self.per_path = [(glob, set(names)) for glob, names in config.per_path_ignores.items()]
        self._lines: dict[Path, list[str]] = {}
        self._environment: EnvironmentAsset | None = None

    def remember(self, environment: EnvironmentAsset) -> None:
        """The environment whose findings come next: its files are read through it, as the
        rules read them (once, and leniently: one bad byte elsewhere in a file must not
        hide the comment on another line)."""
        self._environment = environment
        for doc in environment.documents():
            self._lines.setdefault(doc.path, doc.text.splitlines())

    def suppressed(self, finding: Finding) -> bool:
        path = finding.location.path
        if self.per_path:
            relative = Path(os.path.relpath(path, self.base_dir)).as_posix()
            for glob, names in self.per_path:
                if (finding.rule in names or finding.code in names) and _glob_match(relative, glob):
                    return True
        line = finding.location.line
        if line is None:
            return False
        lines = self._source_lines(path)
        candidates = []
        if 0 < line <= len(lines):
            candidates.append(lines[line - 1])
        if 1 < line <= len(lines) + 1 and lines[line - 2].lstrip().startswith("#"):
            candidates.append(lines[line - 2])  # a comment line directly above (Dockerfile FROM, say)
        for text in candidates:
            for match in _INLINE_IGNORE.finditer(text):
                names = {name.strip() for name in match.group(1).split(",")}
                if finding.rule in names or finding.code in names:
                    return True
        return False

    def _source_lines(self, path: Path) -> list[str]:
        if path not in self._lines:
            self._lines[path] = self._read_lines(path)
        return self._lines[path]

    def _read_lines(self, path: Path) -> list[str]:
        env = self._environment
        if env is not None and env.context is not None:
            text = env.context.text_of(path)  # the Dockerfile too: its parse read the same bytes
            if text is not None:
                return text.splitlines()
        if env is not None and not env.contains(path):
            return []  # nothing outside the asset is read
        try:
            return decode_lenient(read_bytes(path)).splitlines()
        except UnreadableFile:
            return []


def _glob_match(relative: str, glob: str) -> bool:
    glob = glob.strip("/")
    if fnmatch.fnmatchcase(relative, glob):
        return True
    # a directory glob covers everything below it
    return any(fnmatch.fnmatchcase("/".join(relative.split("/")[: i + 1]), glob) for i in range(relative.count("/")))
