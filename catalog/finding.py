"""Where a value lives, and what a rule has to say about it."""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from pathlib import Path


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Location:
    """A file and, where known, a 1-based line and column in it."""

    path: Path
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """What a rule (or the loader) found, before it is tied to a rule and an environment."""

    location: Location
    message: str
    severity: Severity | None = None  # None: the rule's default


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint result: a rule, a place, an environment and a message."""

    rule: str
    code: str
    severity: Severity
    location: Location
    environment: str | None
    message: str

    def sort_key(self) -> tuple:
        loc = self.location
        return (str(loc.path), loc.line or 0, loc.column or 0, self.code, self.message)


def internal_error(doing: str, path: Path, error: BaseException) -> str:
    """One line on a bug met while ``doing`` something (``checking naming on``) to a file."""
    detail = " ".join(str(error).split())[:300]
    return f"internal error while {doing} {os.path.relpath(path)}: {type(error).__name__}: {detail}, please report"


MAX_LINE = 300


def one_line(text: str, limit: int = MAX_LINE) -> str:
    """``text`` as one line of at most ``limit`` characters: control characters (a server's
    newline, an escape sequence) become spaces, and the end is cut off with an ellipsis."""
    flat = "".join(" " if ch < " " or "\x7f" <= ch <= "\x9f" or ch in "\u2028\u2029" else ch for ch in text)
    flat = " ".join(flat.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def plural(count: int, word: str) -> str:
    """``1 environment``, ``2 environments``: how every summary line counts."""
    return f"{count} {word}{'' if count == 1 else 's'}"
