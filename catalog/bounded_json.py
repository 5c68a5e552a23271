"""JSON from outside (a registry's answer, a record read back), parsed within bounds.

Nesting is bounded (Python's parser would otherwise recurse until it fails, or a
hostile document makes every reader walk thousands of levels), NaN and Infinity are
refused, and every failure is a ``JsonRefused`` with a one-line reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

MAX_DEPTH = 32  # our records and the answers we read are a few levels deep


class JsonRefused(ValueError):
    """JSON that cannot be used; the message says why, in one line."""


def _no_constant(name: str) -> Any:
    raise JsonRefused(f"not valid JSON: {name} is not a number JSON allows")


def loads(data: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    try:
        value = json.loads(data, parse_constant=_no_constant)
    except JsonRefused:
        raise
    except RecursionError:
        raise JsonRefused(f"nested deeper than {max_depth} levels") from None
    except MemoryError:
        raise JsonRefused("too large to parse") from None
    except UnicodeDecodeError as exc:
        raise JsonRefused(f"not valid UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise JsonRefused(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except ValueError as exc:  # e.g. an integer with too many digits
        raise JsonRefused(f"not valid JSON: {' '.join(str(exc).split())[:120]}") from None
    check_depth(value, max_depth)
    return value


def check_depth(value: Any, max_depth: int = MAX_DEPTH) -> None:
    pending = [(value, 1)]
    while pending:
        current, depth = pending.pop()
        children: Iterable[Any]
        if isinstance(current, dict):
            children = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > max_depth:
            raise JsonRefused(f"nested deeper than {max_depth} levels")
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
