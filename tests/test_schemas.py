"""The shipped JSON schemas are valid draft 2020-12 schemas and describe the sample catalog."""

import json

import pytest
from jsonschema import Draft202012Validator

from catalog.resources import resource_dir

SCHEMAS = sorted(resource_dir("schemas").glob("*.schema.json"))


def test_expected_schemas_ship():
    names = {path.name for path in SCHEMAS}
    assert {"asset.schema.json", "environment.schema.json", "spec.schema.json", "config.schema.json"} <= names


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_schema_is_valid(path):
    schema = json.loads(path.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
