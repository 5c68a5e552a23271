"""Files that ship with the package: JSON schemas and site templates.

In the wheel they sit inside the package (catalog/schemas, catalog/site_templates);
in a source checkout or an editable install they sit at the top of the repository.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    packaged = _PACKAGE_DIR / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent / name


@cache
def load_schema(name: str) -> dict:
    """The JSON schema ``schemas/<name>.schema.json``."""
    with open(resource_dir("schemas") / f"{name}.schema.json", encoding="utf-8") as handle:
        return json.load(handle)
