"""Each record class and its JSON schema describe the same fields, one for one, all the way
down: a field added on one side and not the other fails here. And a template that reads a
field no record has fails under StrictUndefined instead of printing nothing."""

from __future__ import annotations

import dataclasses
import typing

import jinja2
import pytest

from catalog.records import build_report, ledger
from catalog.resources import load_schema
from catalog.site.render import Templates


def _resolve(schema: dict, root: dict) -> dict:
    while "$ref" in schema:
        target: object = root
        for part in schema["$ref"][2:].split("/"):
            target = target[part]
        schema = target
    for option in schema.get("oneOf", []) + schema.get("anyOf", []):
        option = _resolve(option, root)
        if "properties" in option or "items" in option:
            return option
    return schema


def _record_class(annotation) -> type | None:
    """The record class a field holds (directly, in a tuple, or optionally)."""
    for candidate in (annotation, *typing.get_args(annotation)):
        for inner in (candidate, *typing.get_args(candidate)):
            if dataclasses.is_dataclass(inner):
                return inner
    return None


def mismatches(cls: type, schema: dict, root: dict, where: str = "$") -> list[str]:
    schema = _resolve(schema, root)
    if schema.get("type") == "array" or "items" in schema:
        schema = _resolve(schema["items"], root)
    properties = schema.get("properties", {})
    hints = typing.get_type_hints(cls)
    fields = {field.name for field in dataclasses.fields(cls)}
    found = [f"{where}.{name}: in the schema, not in {cls.__name__}" for name in sorted(properties.keys() - fields)]
    found += [f"{where}.{name}: in {cls.__name__}, not in the schema" for name in sorted(fields - properties.keys())]
    for name in sorted(fields & properties.keys()):
        inner = _record_class(hints[name])
        if inner is not None:
            found += mismatches(inner, properties[name], root, f"{where}.{name}")
    return found


@pytest.mark.parametrize("cls, schema", [(build_report.BuildReport, "build-report"), (ledger.ReleaseRecord, "release")])
def test_record_classes_are_their_schemas(cls, schema):
    document = load_schema(schema)
    assert mismatches(cls, document, document) == []


def test_the_check_notices_a_field_on_one_side_only():
    @dataclasses.dataclass(frozen=True)
    class Extra(build_report.BuildReport):
        base_images: tuple[str, ...] = ()

    document = load_schema("build-report")
    assert mismatches(Extra, document, document) == ["$.base_images: in Extra, not in the schema"]


def full_report() -> build_report.BuildReport:
    return build_report.BuildReport(
        environment="sklearn-1.5",
        asset_version="2",
        status="passed",
        finished_at="2026-11-20T10:04:30Z",
        started_at="2026-11-20T10:00:00Z",
        duration_seconds=270.5,
        builder="buildah 1.28.2",
        commit="a" * 40,
        content_hash="sha256:" + "1" * 64,
        image="azureml/curated/sklearn-1.5:2",
        image_tags=("azureml/curated/sklearn-1.5:2",),
        image_digest="sha256:" + "2" * 64,
        image_size_bytes=1 << 30,
        base_image=build_report.BaseImage("mcr.microsoft.com/x:1", "sha256:" + "3" * 64, "sha256:" + "4" * 64),
        pushed=(build_report.PushedImage("registry.example.com/x:2", None),),
        checks=(build_report.Check("pip-check", "passed", ""),),
        tests=build_report.CheckCounts("passed", 1, 0, 0),
        packages=(build_report.InstalledPackage("numpy", "2.1.3", "pip"),),
        policy=(build_report.PolicyFinding("pip-conflict", "warning", "x"),),
        log="logs/sklearn-1.5-2.log",
        log_url="https://ci.example.com/1",
        message="built and checked",
    )


def test_every_build_report_template_renders_a_full_record_strictly():
    templates = Templates()
    html = templates.fragment("build-status.html.j2", build=full_report(), what="this version", anchor="v-")
    assert "Built on another base image" in html and "numpy" in html and "ci.example.com/1" in html


def test_a_template_reading_a_field_no_record_has_fails():
    templates = Templates()
    with pytest.raises(jinja2.UndefinedError):
        templates.html.from_string("{% if build.base_images %}x{% endif %}").render(build=full_report())


def test_a_report_round_trips_through_its_file(tmp_path):
    reports = build_report.BuildReports(tmp_path)
    path = reports.write(full_report())
    assert path == tmp_path / "sklearn-1.5" / "2.json"
    assert reports.read(path, "sklearn-1.5") == full_report()
