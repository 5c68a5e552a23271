"""Check a YAML document against its JSON schema; each error points at the offending value.

The errors are found by ``quick_errors`` below, which evaluates the keywords our schemas
use and words each error as jsonschema's Draft 2020-12 validator does (tests compare the
two on thousands of mutated documents). jsonschema, whose import costs more than linting
one environment, is imported only for a schema that uses a keyword this check does not
evaluate exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any, NamedTuple

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


class SchemaError(NamedTuple):
    """One violation, as jsonschema reports it: where, in which (sub)schema, which keyword."""

    path: tuple
    schema: Any
    keyword: str | None
    instance: Any
    message: str


def schema_errors(data: Any, name: str) -> Iterator[tuple[tuple, str]]:
    """(key path, message) for each violation of schema ``name``, in document order."""
    found = quick_errors(data, load_schema(name))
    if found is None:
        found = jsonschema_errors(data, name)
    for error in sorted(found, key=lambda e: [str(p) for p in e.path]):
        custom = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
        if error.keyword == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {})
            for key in error.instance:
                if key not in allowed:
                    known = ", ".join(sorted(allowed))
                    yield error.path + (key,), f"{json_path(error.path)}: unknown key {key!r} (allowed: {known})"
            continue
        yield error.path, f"{json_path(error.path)}: {custom or error.message}"


def jsonschema_errors(data: Any, name: str) -> list[SchemaError]:
    return [SchemaError(tuple(e.absolute_path), e.schema, e.validator, e.instance, e.message)
            for e in validator(name).iter_errors(data)]


def check_document(doc: Document, name: str) -> Iterator[Problem]:
    if not doc.ok:
        return
    for path, message in schema_errors(doc.data, name):
        location = doc.key_location(*path) if path else doc.location()
        yield Problem(location, f"{doc.path.name}: {message}")


class _Unsure(Exception):
    """The schema uses something ``quick_errors`` does not evaluate exactly."""


# Keywords that never change whether an instance is valid (formats are not asserted:
# the validator above has no format checker).
_ANNOTATIONS = frozenset(
    {"$schema", "$comment", "title", "description", "examples", "default", "deprecated",
     "readOnly", "writeOnly", "format", "errorMessage", "$defs", "definitions", "then", "else"}
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

Errors = Iterator[SchemaError]


def quick_errors(data: Any, schema: dict) -> list[SchemaError] | None:
    """Every violation of ``schema`` by ``data``, worded and ordered as jsonschema's
    Draft 2020-12 validator gives them; None when this check cannot tell exactly."""
    try:
        return list(_errors(data, schema, schema, ()))
    except _Unsure:
        return None


def conforms(data: Any, schema: dict) -> bool:
    """True when ``data`` is certainly valid against ``schema``."""
    return quick_errors(data, schema) == []


def _errors(value: Any, schema: Any, root: dict, path: tuple) -> Errors:
    if schema is True:
        return
    if schema is False:
        yield SchemaError(path, schema, None, value, f"False schema does not allow {value!r}")
        return
    if not isinstance(schema, dict):
        raise _Unsure
    for keyword, rule in schema.items():
        if keyword in _ANNOTATIONS or (keyword == "$id" and schema is root):
            continue  # an $id below the root would change what "#/..." refers to
        check = _KEYWORDS.get(keyword)
        if check is None:
            raise _Unsure
        for found in check(value, rule, schema, root, path):
            # an error of a subschema keeps its own keyword and schema, as jsonschema's do
            yield found if isinstance(found, SchemaError) else SchemaError(path, schema, keyword, value, found)


def _valid(value: Any, schema: Any, root: dict) -> bool:
    return next(_errors(value, schema, root, ()), None) is None


def _type(value, rule, schema, root, path):
    names = rule if isinstance(rule, list) else [rule]
    if any(name not in _TYPES for name in names):
        raise _Unsure
    if not any(_TYPES[name](value) for name in names):
        yield f"{value!r} is not of type {', '.join(repr(name) for name in names)}"


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


def _enum(value, rule, schema, root, path):
    if not _same_plain_value(value, rule):
        yield f"{value!r} is not one of {rule!r}"


def _const(value, rule, schema, root, path):
    if not _same_plain_value(value, [rule]):
        yield f"{rule!r} was expected"


def _properties(value, rule, schema, root, path):
    if isinstance(value, dict):
        for key, sub in rule.items():
            if key in value:
                yield from _errors(value[key], sub, root, path + (key,))


def _additional_properties(value, rule, schema, root, path):
    if not isinstance(value, dict):
        return
    if "patternProperties" in schema:
        raise _Unsure
    known = schema.get("properties", {})
    extras = [key for key in value if key not in known]
    if rule is False:
        if extras:
            listed = ", ".join(repr(key) for key in sorted(extras, key=str))
            yield f"Additional properties are not allowed ({listed} {'was' if len(extras) == 1 else 'were'} unexpected)"
    elif isinstance(rule, dict):
        for key in extras:
            yield from _errors(value[key], rule, root, path + (key,))
    elif rule is not True:
        raise _Unsure


def _property_names(value, rule, schema, root, path):
    if isinstance(value, dict):
        for key in value:
            yield from _errors(key, rule, root, path)


def _required(value, rule, schema, root, path):
    if isinstance(value, dict):
        for key in rule:
            if key not in value:
                yield f"{key!r} is a required property"


def _items(value, rule, schema, root, path):
    if "prefixItems" in schema or not isinstance(rule, dict):
        raise _Unsure
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _errors(item, rule, root, path + (index,))


def _size(too_few: bool, bound: int) -> str:
    if too_few:
        return "should be non-empty" if bound == 1 else "is too short"
    return "is expected to be empty" if bound == 0 else "is too long"


def _min_items(value, rule, schema, root, path):
    if isinstance(value, list) and len(value) < rule:
        yield f"{value!r} {_size(True, rule)}"


def _min_length(value, rule, schema, root, path):
    if isinstance(value, str) and len(value) < rule:
        yield f"{value!r} {_size(True, rule)}"


def _max_length(value, rule, schema, root, path):
    if isinstance(value, str) and len(value) > rule:
        yield f"{value!r} {_size(False, rule)}"


def _minimum(value, rule, schema, root, path):
    if _is_number(value) and value < rule:
        yield f"{value!r} is less than the minimum of {rule!r}"


def _exclusive_minimum(value, rule, schema, root, path):
    if _is_number(value) and value <= rule:
        yield f"{value!r} is less than or equal to the minimum of {rule!r}"


def _maximum(value, rule, schema, root, path):
    if _is_number(value) and value > rule:
        yield f"{value!r} is greater than the maximum of {rule!r}"


def _pattern_keyword(value, rule, schema, root, path):
    if isinstance(value, str) and _pattern(rule).search(value) is None:
        yield f"{value!r} does not match {rule!r}"


def _all_of(value, rule, schema, root, path):
    for sub in rule:
        yield from _errors(value, sub, root, path)


def _any_of(value, rule, schema, root, path):
    if not any(_valid(value, sub, root) for sub in rule):
        yield f"{value!r} is not valid under any of the given schemas"


def _one_of(value, rule, schema, root, path):
    valid = [sub for sub in rule if _valid(value, sub, root)]
    if not valid:
        yield f"{value!r} is not valid under any of the given schemas"
    elif len(valid) > 1:
        first, *more = valid
        yield f"{value!r} is valid under each of {', '.join(repr(sub) for sub in [*more, first])}"


def _not(value, rule, schema, root, path):
    if _valid(value, rule, root):
        yield f"{value!r} should not be valid under {rule!r}"


def _ref(value, rule, schema, root, path):
    if not isinstance(rule, str) or not rule.startswith("#/"):
        raise _Unsure
    target: Any = root
    for part in rule[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, dict) or part not in target:
            raise _Unsure
        target = target[part]
    yield from _errors(value, target, root, path)


def _if(value, rule, schema, root, path):
    branch = schema.get("then", True) if _valid(value, rule, root) else schema.get("else", True)
    yield from _errors(value, branch, root, path)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@cache
def _pattern(text: str) -> re.Pattern:
    return re.compile(text)


_KEYWORDS = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "properties": _properties,
    "additionalProperties": _additional_properties,
    "propertyNames": _property_names,
    "required": _required,
    "items": _items,
    "minItems": _min_items,
    "minLength": _min_length,
    "maxLength": _max_length,
    "minimum": _minimum,
    "exclusiveMinimum": _exclusive_minimum,
    "maximum": _maximum,
    "pattern": _pattern_keyword,
    "allOf": _all_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "not": _not,
    "$ref": _ref,
    "if": _if,
}
