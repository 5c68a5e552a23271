"""Check a YAML document against its JSON schema; each error points at the offending value.

jsonschema reports the errors. Importing it costs more than linting one environment, so
a document is first checked by ``conforms`` below, which knows the few keywords our
schemas use and answers only when it is sure; jsonschema is imported only for a document
that may have errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from catalog.finding import Problem
from catalog.resources import load_schema
from catalog.yaml_document import Document


@cache
def validator(name: str):
    from jsonschema import Draft202012Validator

    # The schemas themselves are checked against the metaschema by the tests, not here:
    # that check costs more than linting one environment.
    return Draft202012Validator(load_schema(name))


def json_path(parts: Any) -> str:
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.isidentifier():
            path += f".{part}"
        else:
            path += f"[{part!r}]"
    return path


def schema_errors(data: Any, name: str) -> Iterator[tuple[tuple, str]]:
    """(key path, message) for each violation of schema ``name``, in document order."""
    if conforms(data, load_schema(name)):
        return
    errors = sorted(validator(name).iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        path = tuple(error.absolute_path)
        custom = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {})
            for key in error.instance:
                if key not in allowed:
                    known = ", ".join(sorted(allowed))
                    yield path + (key,), f"{json_path(path)}: unknown key {key!r} (allowed: {known})"
            continue
        yield path, f"{json_path(path)}: {custom or error.message}"


def check_document(doc: Document, name: str) -> Iterator[Problem]:
    if not doc.ok:
        return
    for path, message in schema_errors(doc.data, name):
        location = doc.key_location(*path) if path else doc.location()
        yield Problem(location, f"{doc.path.name}: {message}")


class _Unsure(Exception):
    """The schema uses something ``conforms`` does not evaluate exactly."""


# Keywords that never change whether an instance is valid (formats are not asserted:
# the validator above has no format checker).
_ANNOTATIONS = frozenset(
    {"$schema", "$comment", "title", "description", "examples", "default", "deprecated",
     "readOnly", "writeOnly", "format", "errorMessage", "$defs", "definitions"}
)
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}


def conforms(data: Any, schema: dict) -> bool:
    """True when ``data`` is valid against ``schema`` as jsonschema's Draft 2020-12
    validator would decide; False when it is not or when this check cannot tell."""
    try:
        return _valid(data, schema, schema)
    except _Unsure:
        return False


def _valid(value: Any, schema: Any, root: dict) -> bool:
    if schema is True or schema is False:
        return schema
    if not isinstance(schema, dict):
        raise _Unsure
    for keyword, rule in schema.items():
        if keyword in _ANNOTATIONS or (keyword == "$id" and schema is root):
            continue  # an $id below the root would change what "#/..." refers to
        check = _KEYWORDS.get(keyword)
        if check is None:
            raise _Unsure
        if not check(value, rule, schema, root):
            return False
    return True


def _type(value, rule, schema, root) -> bool:
    names = rule if isinstance(rule, list) else [rule]
    if any(name not in _TYPES for name in names):
        raise _Unsure
    return any(_TYPES[name](value) for name in names)


def _same_plain_value(value: Any, options: list) -> bool:
    # as jsonschema compares: true is not 1, 1 is 1.0; decide for text, null, booleans and numbers
    found = False
    for option in options:
        if option is None or isinstance(option, bool):
            found = found or value is option
        elif isinstance(option, str):
            found = found or (type(value) is str and value == option)
        elif isinstance(option, (int, float)):
            found = found or (_is_number(value) and value == option)
        else:
            raise _Unsure
    return found


def _properties(value, rule, schema, root) -> bool:
    if not isinstance(value, dict):
        return True
    return all(_valid(value[key], sub, root) for key, sub in rule.items() if key in value)


def _additional_properties(value, rule, schema, root) -> bool:
    if not isinstance(value, dict):
        return True
    if "patternProperties" in schema:
        raise _Unsure
    known = schema.get("properties", {})
    return all(_valid(item, rule, root) for key, item in value.items() if key not in known)


def _property_names(value, rule, schema, root) -> bool:
    return not isinstance(value, dict) or all(_valid(key, rule, root) for key in value)


def _items(value, rule, schema, root) -> bool:
    if "prefixItems" in schema:
        raise _Unsure
    return not isinstance(value, list) or all(_valid(item, rule, root) for item in value)


def _ref(value, rule, schema, root) -> bool:
    if not isinstance(rule, str) or not rule.startswith("#/"):
        raise _Unsure
    target: Any = root
    for part in rule[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, dict) or part not in target:
            raise _Unsure
        target = target[part]
    return _valid(value, target, root)


def _if(value, rule, schema, root) -> bool:
    branch = schema.get("then", True) if _valid(value, rule, root) else schema.get("else", True)
    return _valid(value, branch, root)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@cache
def _pattern(text: str) -> re.Pattern:
    return re.compile(text)


_KEYWORDS = {
    "type": _type,
    "enum": lambda value, rule, schema, root: _same_plain_value(value, rule),
    "const": lambda value, rule, schema, root: _same_plain_value(value, [rule]),
    "properties": _properties,
    "additionalProperties": _additional_properties,
    "propertyNames": _property_names,
    "required": lambda value, rule, schema, root: not isinstance(value, dict) or all(key in value for key in rule),
    "items": _items,
    "minItems": lambda value, rule, schema, root: not isinstance(value, list) or len(value) >= rule,
    "minLength": lambda value, rule, schema, root: not isinstance(value, str) or len(value) >= rule,
    "maxLength": lambda value, rule, schema, root: not isinstance(value, str) or len(value) <= rule,
    "minimum": lambda value, rule, schema, root: not _is_number(value) or value >= rule,
    "maximum": lambda value, rule, schema, root: not _is_number(value) or value <= rule,
    "pattern": lambda value, rule, schema, root: not isinstance(value, str) or _pattern(rule).search(value) is not None,
    "allOf": lambda value, rule, schema, root: all(_valid(value, sub, root) for sub in rule),
    "anyOf": lambda value, rule, schema, root: any(_valid(value, sub, root) for sub in rule),
    "oneOf": lambda value, rule, schema, root: sum(_valid(value, sub, root) for sub in rule) == 1,
    "not": lambda value, rule, schema, root: not _valid(value, rule, root),
    "$ref": _ref,
    "if": _if,
    "then": lambda value, rule, schema, root: True,  # decided by "if"
    "else": lambda value, rule, schema, root: True,
}
