"""``.dockerignore`` matching as Docker does it.

Patterns are rooted at the context (unlike .gitignore), ``*`` and ``?`` stay within a
path segment, ``**`` spans directories, a leading ``!`` re-includes, the last matching
pattern wins, and a pattern that matches a directory excludes everything below it.

The file is user input. It is read only when it is a regular file of the asset under
the size limit, a pattern that Docker would reject is a problem rather than a crash,
and patterns are matched by running their automaton over the path: time linear in the
path for each pattern. A backtracking regex takes exponential time on ``**/`` repeated
a dozen times, or on ``*a*a*a*a*b``.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from catalog.files import UnreadableFile, read_text, resolves_inside

MAX_PATTERN = 4096  # characters; longer than any path Linux can open

# Tokens: (kind, test). "char" matches one character that passes test(character),
# "star" any run of characters but "/", "any" any run at all, "dirs" nothing or any
# run that ends in "/" (what "**/" means).
Token = tuple[str, Callable[[str], object] | None]


@dataclass(frozen=True)
class Pattern:
    exception: bool  # a "!" pattern, which re-includes what it matches
    text: str  # as normalized
    tokens: tuple[Token, ...]
    exact: str | None = None  # no wildcard: the path must be this
    suffix: str | None = None  # "**" and no other wildcard: the path must end so

    def matches(self, path: str) -> bool:
        # Docker's own shortcuts, which differ from its regex: "**.pyc" matches "x.pyc"
        if self.exact is not None:
            return path == self.exact
        if self.suffix is not None:
            return path.endswith(self.suffix) or (self.suffix.startswith("/") and path == self.suffix[1:])
        return _run(self.tokens, path)


class DockerIgnore:
    def __init__(self, patterns: list[Pattern], problems: list[tuple[int | None, str]] | None = None) -> None:
        # Only the last of identical patterns can decide anything: the last match wins.
        seen: set[tuple[bool, str]] = set()
        kept = []
        for pattern in reversed(patterns):
            if (pattern.exception, pattern.text) not in seen:
                seen.add((pattern.exception, pattern.text))
                kept.append(pattern)
        self._last_first = kept
        self.problems = problems or []  # (line or None, message): the file or a pattern is unusable

    @classmethod
    def parse(cls, text: str) -> DockerIgnore:
        patterns = []
        problems: list[tuple[int | None, str]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            exception = line.startswith("!")
            if exception:
                line = line[1:].strip()
            line = posixpath.normpath(line.replace("\\", "/")).lstrip("/")
            if line in ("", "."):
                continue
            try:
                patterns.append(compile_pattern(line, exception))
            except ValueError as exc:
                problems.append(
                    (number, f"pattern {_shorten(line)!r} is invalid ({exc}): docker build rejects the file")
                )
        return cls(patterns, problems)

    @classmethod
    def read(cls, path: Path, asset_directory: Path) -> DockerIgnore:
        """The .dockerignore at ``path``; none when absent or a link out of the asset
        (the build-context rule reports that link)."""
        if not os.path.lexists(path) or not resolves_inside(path, asset_directory):
            return cls([])
        try:
            return cls.parse(read_text(path))
        except UnreadableFile as exc:
            return cls([], [(exc.line, f"cannot read .dockerignore: {exc}")])

    def excludes(self, relative_path: str) -> bool:
        """Whether a path (posix, relative to the context) is left out of the build context."""
        parts = relative_path.strip("/").split("/")
        candidates = ["/".join(parts[: index + 1]) for index in range(len(parts))]
        for pattern in self._last_first:
            if any(pattern.matches(candidate) for candidate in candidates):
                return not pattern.exception
        return False


def compile_pattern(text: str, exception: bool = False) -> Pattern:
    """The tokens of one normalized pattern, as moby/patternmatcher reads it; ValueError if invalid."""
    if len(text) > MAX_PATTERN:
        raise ValueError(f"longer than {MAX_PATTERN} characters")
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if text.startswith("**", index):
            index += 2
            if text.startswith("/", index):
                index += 1
            tokens.append(("any", None) if index == len(text) else ("dirs", None))
            continue
        if char == "*":
            tokens.append(("star", None))
        elif char == "?":
            tokens.append(("char", "/".__ne__))
        elif char == "[":
            close = text.find("]", index + 1)
            if close == -1:
                raise ValueError("missing closing ]")
            tokens.append(("char", _character_class(text[index + 1 : close])))
            index = close
        elif char == "\\" and index + 1 < len(text):
            index += 1
            tokens.append(("char", text[index].__eq__))
        else:
            tokens.append(("char", char.__eq__))
        index += 1
    pattern = Pattern(exception, text, tuple(tokens))
    if not any(c in text for c in "*?[]\\"):
        return replace(pattern, exact=text)
    if text.startswith("**") and not any(c in text[2:] for c in "*?[]\\"):
        return replace(pattern, suffix=text[2:])
    return pattern


def _character_class(body: str) -> Callable[[str], object]:
    """A test of one character against ``[body]``, as Go's regexp reads it (``^`` negates)."""
    try:
        return re.compile(f"[{body}]").fullmatch  # one character: no backtracking
    except re.error as exc:
        raise ValueError(str(exc)) from None


def _run(tokens: tuple[Token, ...], path: str) -> bool:
    """Whether the tokens match all of ``path``: the set of automaton states, one character at a time.

    A state is ``2 * index`` (before token ``index``) or ``2 * index + 1`` (inside the
    "any run that ends in /" of a "dirs" token).
    """
    end = 2 * len(tokens)
    states = _closure(tokens, {0})
    for char in path:
        following = set()
        for state in states:
            index, inside = divmod(state, 2)
            if state == end:
                continue
            if inside:
                following.add(state)
                if char == "/":
                    following.add(state + 1)
                continue
            kind, test = tokens[index]
            if kind == "char":
                if test is not None and test(char):
                    following.add(state + 2)
            elif kind == "any" or (kind == "star" and char != "/"):
                following.add(state)
        if not following:
            return False
        states = _closure(tokens, following)
    return end in states


def _closure(tokens: tuple[Token, ...], states: set[int]) -> set[int]:
    """``states`` and every state reachable from them without reading a character."""
    pending = list(states)
    while pending:
        state = pending.pop()
        index, inside = divmod(state, 2)
        if inside or index == len(tokens) or tokens[index][0] == "char":
            continue
        reachable = [state + 2]  # a star, "any" or "dirs" that matches nothing
        if tokens[index][0] == "dirs":
            reachable.append(state + 1)
        for following in reachable:
            if following not in states:
                states.add(following)
                pending.append(following)
    return states


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
