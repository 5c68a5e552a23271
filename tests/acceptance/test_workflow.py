""".github/workflows/catalog.yml cannot run here: check it against SchemaStore's schema of
GitHub workflows (tests/data), and check that every ``catalog`` command it runs is one
the CLI accepts, the same commands our own tests run (the plan, for real, when the
stand-in registry can start)."""

from __future__ import annotations

import json
import re
import shlex
import shutil

import click
import yaml
from jsonschema import Draft7Validator

from catalog.cli import cli
from tests.conftest import REPO, run_cli

WORKFLOW = REPO / ".github" / "workflows" / "catalog.yml"
SCHEMA = REPO / "tests" / "data" / "github-workflow.schema.json"
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


class WorkflowLoader(yaml.SafeLoader):
    """YAML as GitHub reads it (1.2): ``on`` is a key, only true and false are booleans."""


WorkflowLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
WorkflowLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def workflow() -> dict:
    return yaml.load(WORKFLOW.read_text(), Loader=WorkflowLoader)


def run_lines() -> list[str]:
    lines = []
    for job in workflow()["jobs"].values():
        for step in job["steps"]:
            lines.extend(line.strip() for line in step.get("run", "").splitlines() if line.strip())
    return lines


def catalog_commands() -> list[list[str]]:
    """Each ``catalog ...`` the workflow runs, its expressions filled with likely values."""
    found = []
    for line in run_lines():
        match = re.search(r"(?:^|\$\()catalog (.*?)(?:\)$|$)", line)
        if match:
            text = EXPRESSION.sub("sklearn-1.5", match.group(1))
            found.append(shlex.split(text.replace('"$STANDIN"', "mcr.microsoft.com=http://127.0.0.1:5000")
                                     .replace('${since:+--changed-since "$since"}', "")))
    return found


def test_workflow_is_valid_against_the_github_workflow_schema():
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in
              Draft7Validator(json.loads(SCHEMA.read_text())).iter_errors(workflow())]
    assert errors == []


def test_workflow_lints_plans_builds_in_parallel_and_publishes_the_site():
    jobs = workflow()["jobs"]
    assert list(jobs) == ["lint", "plan", "build", "site"]
    assert jobs["build"]["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    assert jobs["build"]["strategy"]["fail-fast"] is False
    uses = [step.get("uses", "").split("@")[0] for job in jobs.values() for step in job["steps"]]
    for action in ("actions/upload-artifact", "actions/download-artifact", "actions/upload-pages-artifact",
                   "actions/deploy-pages"):
        assert action in uses
    assert jobs["site"]["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    lines = run_lines()
    assert "mkdocs build --strict" in lines
    # installed as CI installs it: with CI's pinned dependencies
    assert all("-c .ci/constraints.txt" in line for line in lines if "pip install" in line)
    assert "-c .ci/constraints.txt" in (REPO / ".ci" / "run").read_text()


def test_every_catalog_command_of_the_workflow_is_accepted_by_the_cli():
    commands = catalog_commands()
    assert [command[:2] for command in commands] == [
        ["lint", "--format"],
        ["build", "--plan"],
        ["build", "sklearn-1.5"],
    ]
    assert commands[2][3:5] == ["--builder", "docker"]
    for args in commands:
        command = cli.get_command(click.Context(cli), args[0])  # build and others are loaded when asked for
        context = command.make_context(args[0], list(args[1:]), resilient_parsing=False)
        assert context.params is not None


def test_the_workflow_s_plan_step_prints_a_matrix_for_the_sample_catalog(build_machine, tmp_path):
    plan = next(command for command in catalog_commands() if "--plan" in command)
    shutil.copytree(REPO / "environments", tmp_path / "environments")
    shutil.copytree(REPO / "releases", tmp_path / "releases")
    (tmp_path / "pyproject.toml").write_text('[tool.catalog]\nroots = '
                                             '["environments"]\n\n[tool.catalog.pin]\ncache-dir = ".cache"\n')
    args = [arg.replace("http://127.0.0.1:5000", build_machine.registry) for arg in plan]
    result = run_cli(*args, cwd=tmp_path, env=build_machine.env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    names = [item["environment"] for item in json.loads(result.stdout)["include"]]
    assert names == sorted(p.name for p in (REPO / "environments").iterdir() if (p / "context").is_dir())

