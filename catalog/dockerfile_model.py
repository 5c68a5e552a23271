"""A Dockerfile parsed by BuildKit's own parser (the ``dockerfile`` package).

Parsing for real means parser directives, line continuations, CRLF line ends, any
letter case, heredocs and JSON forms are read exactly as ``docker build`` reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from catalog.files import UnreadableFile, decode_utf8, read_bytes

_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<modifier>:?[-+][^}]*)?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass(frozen=True, slots=True)
class Instruction:
    keyword: str  # upper case
    arguments: tuple[str, ...]
    flags: tuple[str, ...]
    line: int
    end_line: int
    original: str
    is_json: bool
    has_heredoc: bool

    def flag(self, name: str) -> str | None:
        prefix = f"--{name}="
        for flag in self.flags:
            if flag.lower().startswith(prefix):
                return flag[len(prefix) :]
        return None


@dataclass(frozen=True, slots=True)
class BaseImage:
    """The image of one FROM instruction."""

    written: str  # as in the Dockerfile
    reference: str | None  # after ARG expansion; None when an ARG has no value
    line: int
    column: int
    stage_reference: bool  # FROM an earlier stage or scratch: not a registry image


@dataclass
class ParsedDockerfile:
    path: Path
    text: str
    instructions: list[Instruction]
    base_images: list[BaseImage]
    error: str | None = None
    error_line: int | None = None

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def parse_dockerfile(path: Path, data: bytes | UnreadableFile | None = None) -> ParsedDockerfile:
    """The Dockerfile at ``path``, from ``data`` when the caller read it already (or could
    not: then that is the parse error)."""
    try:
        if isinstance(data, UnreadableFile):
            raise data
        text = decode_utf8(data if data is not None else read_bytes(path))
    except UnreadableFile as exc:
        return ParsedDockerfile(path, "", [], [], str(exc), exc.line)
    return parse_dockerfile_text(path, text)


def parse_dockerfile_text(path: Path, text: str) -> ParsedDockerfile:
    import dockerfile

    if "\0" in text:  # the parser reads a C string: it would silently stop there
        line = text.count("\n", 0, text.index("\0")) + 1
        return ParsedDockerfile(path, text, [], [], f"NUL byte on line {line}: the lines after it would be hidden from "
                                                    "the parser", line)

    try:
        commands = dockerfile.parse_string(text)
    except (dockerfile.GoParseError, dockerfile.GoIOError) as exc:
        return ParsedDockerfile(path, text, [], [], f"cannot parse Dockerfile: {exc}")
    instructions = [
        Instruction(
            keyword=command.cmd.upper(),
            arguments=tuple(command.value),
            flags=tuple(command.flags),
            line=command.start_line,
            end_line=command.end_line,
            original=command.original,
            is_json=command.json,
            has_heredoc=bool(command.heredocs),
        )
        for command in commands
    ]
    return ParsedDockerfile(path, text, instructions, _base_images(instructions, text.splitlines()))


def _base_images(instructions: list[Instruction], lines: list[str]) -> list[BaseImage]:
    global_args: dict[str, str | None] = {}
    stages: set[str] = {"scratch"}
    images: list[BaseImage] = []
    seen_from = False
    for instruction in instructions:
        if instruction.keyword == "ARG" and not seen_from:
            for argument in instruction.arguments:
                name, equals, value = argument.partition("=")
                global_args[name] = _unquote(value) if equals else global_args.get(name)
        if instruction.keyword != "FROM":
            continue
        seen_from = True
        if not instruction.arguments:
            continue
        written = instruction.arguments[0]
        reference = expand_arguments(written, global_args)
        stage_reference = reference is not None and reference.lower() in stages
        if len(instruction.arguments) >= 3 and instruction.arguments[1].lower() == "as":
            stages.add(instruction.arguments[2].lower())
        source_line = lines[instruction.line - 1] if 0 < instruction.line <= len(lines) else ""
        column = source_line.find(written) + 1 if written in source_line else 1
        images.append(BaseImage(written, reference, instruction.line, column, stage_reference))
    return images


def expand_arguments(text: str, values: dict[str, str | None]) -> str | None:
    """Expand $NAME, ${NAME}, ${NAME:-default} and ${NAME:+alt}; None if a value is unknown."""
    unknown = False

    def replace(match: re.Match) -> str:
        nonlocal unknown
        name = match.group("braced") or match.group("bare")
        value = values.get(name)
        modifier = match.group("modifier") or ""
        if modifier.lstrip(":").startswith("-"):
            return value if value else modifier.split("-", 1)[1]
        if modifier.lstrip(":").startswith("+"):
            return modifier.split("+", 1)[1] if value else ""
        if value is None:
            unknown = True
            return ""
        return value

    expanded = _VARIABLE.sub(replace, text)
    return None if unknown else expanded


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value
