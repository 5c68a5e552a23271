"""One YAML file, parsed into plain values that remember where each one was written.

The document is built from libyaml's event stream rather than its composer: the
composer recurses (and crashes the interpreter on very deep nesting) and expands
aliases without limit. Here depth and the expanded size are bounded, and only the
plain YAML types are built: no Python objects, no custom tags.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml import events
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import ScalarNode

from catalog.files import UnreadableFile, decode_utf8, read_bytes
from catalog.finding import Location, Problem

MAX_DEPTH = 64
# The text a document holds once its aliases are expanded: characters of every scalar,
# plus one per value. Without aliases it is at most the file's length, and files are
# read up to 1 MB, so only an alias bomb gets near it; every reader (rules, site
# pages, catalog.json) would otherwise repeat the expanded text.
MAX_EXPANDED_CHARS = 2 << 20

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CONSTRUCTOR = SafeConstructor()
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
# A collection may name its own kind's tag (or the non-specific "!"); any other tag asks
# for a Python object, a set, an ordered map or an application type we do not build.
_COLLECTION_TAGS = {
    events.MappingStartEvent: (None, "!", "tag:yaml.org,2002:map"),
    events.SequenceStartEvent: (None, "!", "tag:yaml.org,2002:seq"),
}
_RESOLVER = _Loader("")

KeyPath = tuple  # of str keys and int indexes


class YamlTooComplex(Exception):
    """A document nested too deep or expanding too far; ``mark`` is where it was noticed."""

    def __init__(self, message: str, mark: Any = None) -> None:
        super().__init__(message)
        self.mark = mark


class Document:
    """A parsed YAML file: its values, and the line and column of each value and key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: Any = None
        self.text: str = ""
        self.problems: list[Problem] = []
        self._value_marks: dict[KeyPath, tuple[int, int]] = {}
        self._key_marks: dict[KeyPath, tuple[int, int]] = {}
        self._raw: dict[KeyPath, str] = {}

    @property
    def ok(self) -> bool:
        return isinstance(self.data, dict)

    def get(self, *keys: str | int, default: Any = None) -> Any:
        value = self.data
        for key in keys:
            if isinstance(value, dict) and isinstance(key, str):
                if key not in value:
                    return default
                value = value[key]
            elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
                value = value[key]
            else:
                return default
        return value

    def has(self, *keys: str | int) -> bool:
        sentinel = object()
        return self.get(*keys, default=sentinel) is not sentinel

    def location(self, *keys: str | int) -> Location:
        """Where the value at ``keys`` was written, or its nearest written ancestor."""
        return self._locate(self._value_marks, tuple(keys))

    def key_location(self, *keys: str | int) -> Location:
        """Where the key of the value at ``keys`` was written (the value's, for list items)."""
        path = tuple(keys)
        if path in self._key_marks:
            line, column = self._key_marks[path]
            return Location(self.path, line, column)
        return self.location(*keys)

    def raw_scalar(self, *keys: str | int) -> str | None:
        """The source text of a scalar that YAML turned into something other than a string."""
        return self._raw.get(tuple(keys))

    def _locate(self, marks: dict, path: KeyPath) -> Location:
        while path:
            if path in marks:
                line, column = marks[path]
                return Location(self.path, line, column)
            path = path[:-1]
        if () in self._value_marks:
            line, column = self._value_marks[()]
            return Location(self.path, line, column)
        return Location(self.path, 1, 1)

    def _problem(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.problems.append(Problem(Location(self.path, line, column), message))


def load_document(path: Path) -> Document:
    """Read and parse ``path``; every failure becomes a problem on the document."""
    doc = read_document(path)
    if not doc.problems:
        parse_into(doc, doc.text)
    return doc


def read_document(path: Path) -> Document:
    """Read ``path`` without parsing it yet (``parse_into`` does); a failure to read is the document's problem."""
    doc = Document(path)
    try:
        doc.text = decode_utf8(read_bytes(path))
    except UnreadableFile as exc:
        doc._problem(str(exc), exc.line, None if exc.line is None else 1)
    return doc


def parse_into(doc: Document, text: str, loader: type = _Loader) -> None:
    """Parse ``text`` into ``doc``; ``loader`` is libyaml's (when PyYAML has it) or PyYAML's own."""
    try:
        data = _Builder(doc).build(text, loader)
    except yaml.MarkedYAMLError as exc:
        if _NESTING_ERROR in str(exc.problem):  # libyaml 0.2.6+ stops at 1000 levels itself
            mark = exc.problem_mark
            doc._problem(_too_deep(), mark.line + 1 if mark else 1, mark.column + 1 if mark else 1)
            return
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(part for part in (exc.problem, exc.context) if part) or "invalid YAML"
        if mark is not None:
            doc._problem(f"invalid YAML: {message}", mark.line + 1, mark.column + 1)
        else:
            doc._problem(f"invalid YAML: {message}")
        return
    except yaml.YAMLError as exc:  # reader errors (control characters) carry a position
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if position is not None else None
        doc._problem(f"invalid YAML: {exc}".splitlines()[0], line, 1 if line else None)
        return
    except YamlTooComplex as exc:
        mark = exc.mark
        doc._problem(str(exc), mark.line + 1 if mark else 1, mark.column + 1 if mark else 1)
        return
    if data is _NO_DOCUMENT:
        doc._problem("file is empty; expected a mapping of keys to values", 1, 1)
        return
    if not isinstance(data, dict):
        kind = "list" if isinstance(data, list) else type(data).__name__
        if data is None:
            kind = "null"
        doc._problem(f"top level must be a mapping of keys to values, found a {kind}", 1, 1)
        return
    doc.data = data


_NESTING_ERROR = "maximum nesting depth"


def _too_deep() -> str:
    return f"YAML is nested deeper than {MAX_DEPTH} levels"


_NO_DOCUMENT = object()
_MERGE_KEY = object()  # the '<<' key of a YAML merge


class _Frame:
    __slots__ = ("container", "path", "anchor", "start_size", "pending_key", "merge")

    def __init__(self, container: Any, path: KeyPath, anchor: str | None, start_size: int) -> None:
        self.container = container
        self.path = path
        self.anchor = anchor
        self.start_size = start_size  # the document's expanded size when this value began
        self.pending_key: Any = _NO_DOCUMENT  # a mapping's key waiting for its value
        self.merge = False


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.anchors: dict[str, tuple[Any, int]] = {}  # anchor: (value, its expanded size)
        self.size = 0  # expanded size of the document so far (see MAX_EXPANDED_CHARS)
        self.key_lines: dict[int, dict[Any, int]] = {}

    def _grow(self, amount: int, event: Any) -> None:
        self.size += amount
        if self.size > MAX_EXPANDED_CHARS:
            self._too_big(event)

    def _too_big(self, event: Any) -> None:
        where = f" (alias *{event.anchor} here)" if type(event) is events.AliasEvent else ""
        raise YamlTooComplex(
            f"YAML expands to more than {MAX_EXPANDED_CHARS >> 20} MB of text{where}; "
            "aliases repeat too much of the document",
            event.start_mark,
        )

    def build(self, text: str, loader_class: type = _Loader) -> Any:
        loader = loader_class(text)
        result: Any = _NO_DOCUMENT
        stack: list[_Frame] = []
        documents = 0
        value_marks = self.doc._value_marks
        try:
            while loader.check_event():
                event = loader.get_event()
                kind = type(event)
                if kind is events.ScalarEvent:
                    value, raw = self._scalar(event)
                    size = len(event.value) + 1
                    self.size += size
                    if self.size > MAX_EXPANDED_CHARS:
                        self._too_big(event)
                    if event.anchor:
                        self.anchors[event.anchor] = (value, size)
                    if not stack:
                        result = value
                        value_marks[()] = (event.start_mark.line + 1, event.start_mark.column + 1)
                        continue
                    frame = stack[-1]
                    if frame.pending_key is not _NO_DOCUMENT or type(frame.container) is list:
                        path = self._child_path(stack, event)
                        value_marks[path] = (event.start_mark.line + 1, event.start_mark.column + 1)
                        if raw is not None:
                            self.doc._raw[path] = raw
                    self._add(stack, value, event, is_key_ok=True)
                elif kind is events.MappingStartEvent or kind is events.SequenceStartEvent:
                    if len(stack) >= MAX_DEPTH:
                        raise YamlTooComplex(_too_deep(), event.start_mark)
                    if event.tag not in _COLLECTION_TAGS[kind]:
                        raise yaml.MarkedYAMLError(
                            problem=f"unsupported YAML tag {event.tag!r}", problem_mark=event.start_mark
                        )
                    path = self._child_path(stack, event)
                    value_marks[path] = (event.start_mark.line + 1, event.start_mark.column + 1)
                    stack.append(_Frame({} if kind is events.MappingStartEvent else [], path, event.anchor, self.size))
                    self._grow(1, event)
                elif kind is events.MappingEndEvent or kind is events.SequenceEndEvent:
                    frame = stack.pop()
                    if frame.anchor:
                        self.anchors[frame.anchor] = (frame.container, self.size - frame.start_size)
                    if stack:
                        self._add(stack, frame.container, event, is_key_ok=False)
                    else:
                        result = frame.container
                elif kind is events.AliasEvent:
                    if event.anchor not in self.anchors:
                        raise yaml.MarkedYAMLError(
                            problem=f"alias *{event.anchor} refers to an unknown or enclosing anchor",
                            problem_mark=event.start_mark,
                        )
                    value, size = self.anchors[event.anchor]
                    self._grow(size, event)
                    if not stack:
                        result = value
                        continue
                    scalar = not isinstance(value, (dict, list))
                    frame = stack[-1]
                    if not (scalar and type(frame.container) is dict and frame.pending_key is _NO_DOCUMENT):
                        path = self._child_path(stack, event)
                        value_marks[path] = (event.start_mark.line + 1, event.start_mark.column + 1)
                    self._add(stack, value, event, is_key_ok=scalar)
                elif kind is events.DocumentStartEvent:
                    documents += 1
                    if documents > 1:
                        raise yaml.MarkedYAMLError(
                            problem="expected one YAML document, found another (---)",
                            problem_mark=event.start_mark,
                        )
        finally:
            loader.dispose()
        return result

    def _child_path(self, stack: list[_Frame], event: Any) -> KeyPath:
        if not stack:
            return ()
        frame = stack[-1]
        if isinstance(frame.container, list):
            return frame.path + (len(frame.container),)
        if frame.pending_key is _NO_DOCUMENT:
            raise yaml.MarkedYAMLError(
                problem="a mapping key must be a plain value, not a list or mapping",
                problem_mark=event.start_mark,
            )
        return frame.path + (frame.pending_key,)

    def _scalar(self, event: Any) -> tuple[Any, str | None]:  # a ScalarEvent, with libyaml's Mark type
        tag = event.tag
        if tag is None or tag == "!":
            if event.style or not event.implicit[0]:
                return event.value, None  # quoted: always a string
            tag = _RESOLVER.resolve(ScalarNode, event.value, event.implicit)
        if tag == _STR_TAG:
            return event.value, None
        if tag == _MERGE_TAG:
            return _MERGE_KEY, None
        constructor = SafeConstructor.yaml_constructors.get(tag)
        if constructor is None or tag in _CONTAINER_TAGS:
            raise yaml.MarkedYAMLError(
                problem=f"unsupported YAML tag {event.tag!r}", problem_mark=event.start_mark
            )
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = constructor(_CONSTRUCTOR, node)
        except (ConstructorError, ValueError) as exc:
            raise yaml.MarkedYAMLError(problem=f"bad {tag} value: {exc}", problem_mark=event.start_mark) from None
        return value, (event.value if not isinstance(value, str) else None)

    def _add(self, stack: list[_Frame], value: Any, event: Any, is_key_ok: bool) -> None:
        frame = stack[-1]
        container = frame.container
        if isinstance(container, list):
            container.append(value)
            return
        if frame.pending_key is _NO_DOCUMENT:
            if not is_key_ok:
                raise yaml.MarkedYAMLError(
                    problem="a mapping key must be a plain value, not a list or mapping",
                    problem_mark=event.start_mark,
                )
            if value is _MERGE_KEY:
                frame.merge = True
                frame.pending_key = _MERGE_KEY
                return
            key = value if isinstance(value, str) else _key_text(value)
            lines = self.key_lines.setdefault(id(container), {})
            if key in lines:  # keys brought in by a merge (<<) may be overridden
                first = lines.get(key)
                where = f" (first at line {first})" if first else ""
                raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r}{where}", problem_mark=event.start_mark)
            lines[key] = event.start_mark.line + 1
            self.doc._key_marks[frame.path + (key,)] = (event.start_mark.line + 1, event.start_mark.column + 1)
            frame.pending_key = key
            return
        key, frame.pending_key = frame.pending_key, _NO_DOCUMENT
        if key is _MERGE_KEY and frame.merge:
            frame.merge = False
            sources = value if isinstance(value, list) else [value]
            for source in sources:
                if not isinstance(source, dict):
                    raise yaml.MarkedYAMLError(problem="'<<' must merge a mapping", problem_mark=event.start_mark)
                for merged_key, merged_value in source.items():
                    container.setdefault(merged_key, merged_value)
            return
        container[key] = value


_CONTAINER_TAGS = {
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:omap",
    "tag:yaml.org,2002:pairs",
    "tag:yaml.org,2002:set",
}


def _key_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
