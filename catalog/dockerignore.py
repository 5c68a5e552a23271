"""``.dockerignore`` matching as Docker does it.

Patterns are rooted at the context (unlike .gitignore), ``**`` spans directories, a
leading ``!`` re-includes, the last matching pattern wins, and a pattern that matches
a directory excludes everything below it.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path


class DockerIgnore:
    def __init__(self, patterns: list[tuple[bool, re.Pattern]]) -> None:
        self._patterns = patterns  # (is_exception, regex)

    @classmethod
    def parse(cls, text: str) -> "DockerIgnore":
        patterns = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            exception = line.startswith("!")
            if exception:
                line = line[1:].strip()
            line = posixpath.normpath(line.replace("\\", "/")).lstrip("/")
            if line in ("", "."):
                continue
            patterns.append((exception, re.compile(_translate(line))))
        return cls(patterns)

    @classmethod
    def for_context(cls, context_dir: Path) -> "DockerIgnore":
        try:
            return cls.parse((context_dir / ".dockerignore").read_text(encoding="utf-8", errors="replace"))
        except OSError:
            return cls([])

    def excludes(self, relative_path: str) -> bool:
        """Whether a path (posix, relative to the context) is left out of the build context."""
        parts = relative_path.strip("/").split("/")
        candidates = ["/".join(parts[: index + 1]) for index in range(len(parts))]
        excluded = False
        for exception, regex in self._patterns:
            if any(regex.fullmatch(candidate) for candidate in candidates):
                excluded = not exception
        return excluded


def _translate(pattern: str) -> str:
    regex = ""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            if pattern.startswith("**", index):
                index += 2
                if pattern.startswith("/", index):
                    index += 1
                    regex += "(?:.*/)?"
                else:
                    regex += ".*"
                continue
            regex += "[^/]*"
        elif char == "?":
            regex += "[^/]"
        elif char == "[":
            close = pattern.find("]", index + 1)
            if close == -1:
                regex += re.escape(char)
            else:
                body = pattern[index + 1 : close].replace("\\", "\\\\")
                if body.startswith("^") or body.startswith("!"):
                    body = "^" + body[1:]
                regex += f"[{body}]"
                index = close
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            regex += re.escape(pattern[index])
        else:
            regex += re.escape(char)
        index += 1
    return regex
