"""SARIF validates against the official schema; GitHub annotations are escaped as documented."""

import json
from pathlib import Path

import jsonschema

from catalog.finding import Finding, Location, Severity
from catalog.lint.report import github, text
from catalog.lint.rules import all_rules
from catalog.lint.run import LintResult
from tests.conftest import REPO, SPEC, run_cli, write_env

SARIF_SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"


def test_sarif_validates_against_official_schema(tmp_path):
    root = tmp_path / "environments"
    write_env(root, "sklearn-1.5", {"spec.yaml": SPEC.replace('Python: "3.10"', "Python: 3.10")})
    write_env(root, "Bad_Name", {"context/Dockerfile": "FROM ubuntu\n"})
    result = run_cli("lint", "--format", "sarif", cwd=tmp_path)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator(schema).validate(document)
    run = document["runs"][0]
    results = run["results"]
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) == len(all_rules())
    assert {r["ruleId"] for r in results} >= {"CAT202", "CAT105", "CAT302", "CAT303"}
    for entry in results:
        assert rules[entry["ruleIndex"]]["id"] == entry["ruleId"]
        assert not entry["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("/")
    tag_value = next(r for r in results if r["ruleId"] == "CAT202")
    assert tag_value["locations"][0]["physicalLocation"]["region"] == {"startLine": 11, "startColumn": 11}
    assert tag_value["level"] == "error"


def _result(*findings):
    return LintResult(list(findings), 1, all_rules())


def test_github_escaping():
    finding = Finding(
        "tag-value", "CAT202", Severity.WARNING, Location(Path("/w/a,b:c%.yaml"), 3, 4), "x", "50%\nnext line\r,: kept"
    )
    assert github.render(_result(finding), Path("/w")) == (
        "::warning file=a%2Cb%3Ac%25.yaml,line=3,col=4,title=CAT202 tag-value::50%25%0Anext line%0D,: kept\n"
    )


def test_github_without_line():
    finding = Finding("dockerfile-syntax", "CAT307", Severity.ERROR, Location(Path("/w/D")), None, "bad")
    assert github.render(_result(finding), Path("/w")) == "::error file=D,title=CAT307 dockerfile-syntax::bad\n"


def test_text_marks_warnings_and_omits_unknown_positions():
    findings = [
        Finding("naming", "CAT105", Severity.WARNING, Location(Path("/w/e/asset.yaml"), 1, 7), "e", "py token"),
        Finding("dockerfile-syntax", "CAT307", Severity.ERROR, Location(Path("/w/e/Dockerfile")), "e", "bad"),
    ]
    out = text.render(LintResult(findings, 2, []), Path("/w")).splitlines()
    assert out == [
        "e/asset.yaml:1:7: CAT105 naming warning: py token",
        "e/Dockerfile: CAT307 dockerfile-syntax bad",
        "Found 1 error and 1 warning in 2 environments.",
    ]


def test_sarif_for_clean_run_has_empty_results(tmp_path):
    write_env(tmp_path / "environments")
    document = json.loads(run_cli("lint", "--format", "sarif", cwd=tmp_path).stdout)
    assert document["runs"][0]["results"] == []
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(document)
