"""Check a YAML document against its JSON schema; each error points at the offending value."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator

from catalog.finding import Problem
from catalog.resources import load_schema
from catalog.yaml_document import Document


@lru_cache(maxsize=None)
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
