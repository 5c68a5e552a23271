"""The quick schema check finds and words the same errors as jsonschema on every document.

``quick_errors`` keeps jsonschema out of a lint run; if it ever called an invalid
document valid, or worded or placed an error otherwise, a finding would be lost or
changed. Each sample document is mutated at every key path (each value replaced by
values of other types, each key removed, an unknown key added) and the two must give
the same errors, in the same order, on every variant.
"""

import copy
import datetime

import pytest
from jsonschema import Draft202012Validator

from catalog.resources import load_schema
from catalog.schema import conforms, jsonschema_errors, quick_errors, schema_errors
from catalog.yaml_document import load_document
from tests.conftest import REPO

REPLACEMENTS = [None, True, False, 0, 1, -1, 70000, 1.0, 1.5, "", "x", "linux", "LINUX\n", "environment", "mcr",
                "public", [], ["x"], [""], [1], {}, {"a": 1}, {"path": "/", "port": 5001}, datetime.date(2024, 1, 1)]


SAMPLES = ("sklearn-1.5", "onnxruntime-1.20-inference", "sklearn-1.3")  # plain, inference, deprecated


def sample_documents():
    for env in (REPO / "environments" / name for name in SAMPLES):
        for file, schema in (("asset.yaml", "asset"), ("environment.yaml", "environment"), ("spec.yaml", "spec")):
            if (env / file).is_file():
                yield schema, f"{env.name}/{file}", load_document(env / file).data
    yield "config", "pyproject", {"roots": ["environments"], "select": [], "ignore": ["naming"],
                                  "per-path-ignores": {"a/*": ["naming"]}, "required-tags": ["OS"], "naming-skip": "^x"}
    yield "spec", "inference spec", {"name": "x", "version": 1, "image": "mcr.microsoft.com/x:1", "os_type": "Linux",
                                     "inference_config": {"liveness_route": {"path": "/", "port": 5001},
                                                          "readiness_route": {"path": "/", "port": 5001},
                                                          "scoring_route": {"path": "/score", "port": 5001}}}
    yield (
        "asset",
        "asset with tests",
        {
            "name": "x",
            "version": "auto",
            "type": "environment",
            "spec": "s.yaml",
            "extra_config": "e.yaml",
            "test": {"pytest": {"enabled": True, "pip_requirements": "r"}},
        },
    )


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


def variants(data):
    for path in paths(data):
        if not path:
            continue
        *parents, last = path
        for replacement in REPLACEMENTS:
            variant = copy.deepcopy(data)
            target = variant
            for part in parents:
                target = target[part]
            target[last] = copy.deepcopy(replacement)
            yield variant
        variant = copy.deepcopy(data)
        target = variant
        for part in parents:
            target = target[part]
        del target[last]
        yield variant
        if isinstance(target, dict):
            variant = copy.deepcopy(variant)
            target = variant
            for part in parents:
                target = target[part]
            target["unknown-key"] = "x"
            yield variant
    for replacement in REPLACEMENTS:
        yield replacement  # the whole document replaced


@pytest.mark.parametrize("schema, label, data", list(sample_documents()), ids=lambda v: v if isinstance(v, str) else "")
def test_quick_check_agrees_with_jsonschema(schema, label, data):
    schema = load_schema(schema)
    validator = Draft202012Validator(schema)
    assert conforms(data, schema), label
    checked = disagreements = 0
    for variant in variants(data):
        checked += 1
        if conforms(variant, schema) != validator.is_valid(variant):
            disagreements += 1
            raise AssertionError((label, variant))
    assert checked > 50 and disagreements == 0


def ordered(errors):
    return sorted(((e.path, e.keyword, e.message, e.schema.get("errorMessage") if isinstance(e.schema, dict) else None)
                   for e in errors), key=lambda e: [str(p) for p in e[0]])


@pytest.mark.parametrize("name", ["asset", "environment", "spec", "config", "release", "build-report"])
def test_quick_errors_are_jsonschemas_errors(name):
    schema = load_schema(name)
    samples = [data for schema_name, _, data in sample_documents() if schema_name == name] or [{}]
    compared = invalid = 0
    for data in samples:
        for variant in [data, *variants(data)]:
            quick = quick_errors(variant, schema)
            assert quick is not None, (name, variant)  # our schemas use only keywords it decides
            expected = ordered(jsonschema_errors(variant, name))
            assert ordered(quick) == expected, (name, variant)
            compared += 1
            invalid += bool(expected)
    assert compared > 20 and invalid > 10


@pytest.mark.parametrize(
    "schema, instance",
    [
        ({"oneOf": [{"type": "integer"}, {"minimum": 0}, {"type": "number"}]}, 3),
        ({"oneOf": [{"type": "string"}, {"type": "null"}]}, 3),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, [1]),
        ({"not": {"required": ["a", "b"]}}, {"a": 1, "b": 2}),
        ({"propertyNames": {"pattern": "^[a-z]+$"}}, {"ok": 1, "No": 2, "x y": 3}),
        ({"additionalProperties": {"type": "string"}, "properties": {"a": {}}}, {"a": 1, "b": 2, "c": "x"}),
        ({"type": "number", "exclusiveMinimum": 0, "maximum": 5}, 0),
        ({"type": ["string", "null"], "minLength": 2, "maxLength": 3}, "abcd"),
        ({"items": {"type": "integer"}, "minItems": 3}, [1, "x"]),
        ({"if": {"properties": {"t": {"const": "e"}}}, "then": {"required": ["s"]}, "else": False}, {"t": "x"}),
        ({"$defs": {"n": {"type": "string", "pattern": "^x"}}, "properties": {"a": {"$ref": "#/$defs/n"}}}, {"a": "y"}),
        ({"enum": ["a", 1, None]}, True),
    ],
)
def test_each_keyword_is_worded_as_jsonschema_words_it(schema, instance):
    quick = quick_errors(instance, schema)
    errors = Draft202012Validator(schema).iter_errors(instance)
    expected = [(tuple(e.absolute_path), e.validator, e.message) for e in errors]
    assert [(e.path, e.keyword, e.message) for e in quick] == expected


def test_invalid_document_still_gets_jsonschema_messages():
    found = list(schema_errors({"image": {"name": "x", "os": "macos"}}, "environment"))
    assert [(path, message.split(":")[0]) for path, message in found] == [(("image", "os"), "$.image.os")]


@pytest.mark.parametrize(
    "schema, instance",
    [
        ({"type": "object", "patternProperties": {"^x": {"type": "string"}}}, {"x": "y"}),
        ({"type": "array", "prefixItems": [{"type": "string"}]}, ["x"]),
        ({"enum": [[1], 2]}, 2),
        ({"properties": {"a": {"$anchor": "a"}}}, {"a": 1}),
        ({"properties": {"a": {"$id": "https://example.com/inner", "type": "integer"}}}, {"a": 1}),
        ({"dependentRequired": {"a": ["b"]}}, {"a": 1, "b": 2}),
    ],
)
def test_keywords_it_cannot_decide_exactly_go_to_jsonschema(schema, instance):
    assert Draft202012Validator(schema).is_valid(instance)
    assert conforms(instance, schema) is False  # not sure, so jsonschema decides


@pytest.mark.parametrize("schema", [{"enum": [1, 2]}, {"const": 1}, {"const": True}, {"enum": [None, "x", 2.5]},
                                    {"const": 0}, {"const": False}])
@pytest.mark.parametrize("instance", [1, 1.0, True, False, 0, "1", None, "x", 2.5, 3])
def test_numbers_and_booleans_in_enum_and_const_are_decided_as_jsonschema_does(schema, instance):
    assert conforms(instance, schema) is Draft202012Validator(schema).is_valid(instance)
