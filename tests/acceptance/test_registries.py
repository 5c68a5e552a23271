"""Each registry is the source of truth; what repeats it (CLI choices, the config schema's
enums, the README) is held to it here, so adding an entry in one place and not the others fails."""

from __future__ import annotations

import json

from click import Choice

from catalog.builds.backends import BACKENDS
from catalog.builds.policy import POLICY
from catalog.cli import COMMANDS, cli
from catalog.config import DEFAULT_PRESET, PRESETS
from catalog.lint.report import FORMATS
from catalog.lint.rules import all_rules
from tests.conftest import REPO

CONFIG_SCHEMA = json.loads((REPO / "schemas/config.schema.json").read_text())
README = (REPO / "README.md").read_text()


def choices(command: str, option: str) -> list[str]:
    [param] = [p for p in cli.get_command(None, command).params if p.name == option]
    assert isinstance(param.type, Choice)
    return list(param.type.choices)


def test_every_command_is_registered_and_loads():
    assert sorted(cli.list_commands(None)) == sorted(COMMANDS)
    for name in COMMANDS:
        assert cli.get_command(None, name).name == name


def test_lint_formats_are_the_reporters():
    assert choices("lint", "fmt") == list(FORMATS)
    for fmt in FORMATS:
        assert f"`{fmt}`" in README or f"--format {fmt}" in README, fmt


def test_presets_are_the_configuration_s():
    assert choices("init", "preset") == list(PRESETS)
    assert CONFIG_SCHEMA["properties"]["preset"]["enum"] == list(PRESETS)
    assert DEFAULT_PRESET in PRESETS


def test_builders_are_the_backends():
    assert choices("build", "builder") == list(BACKENDS)
    assert sorted(CONFIG_SCHEMA["properties"]["build"]["properties"]["builder"]["enum"]) == sorted(BACKENDS)


def test_every_rule_is_in_the_readme_table():
    rows = {line.split("|")[1].strip().strip("`") for line in README.splitlines() if line.startswith("| `CAT")}
    assert rows == {rule.code for rule in all_rules()}


def test_every_policy_check_is_configurable_and_documented():
    configurable = CONFIG_SCHEMA["properties"]["build"]["properties"]["policy"]["properties"]
    assert list(configurable) == [check.name for check in POLICY]
    for check in POLICY:
        assert f"Default: {check.severity.value}." in configurable[check.name]["description"]
        assert f"| `{check.code}` | `{check.name}` | {check.severity.value} | {check.summary} |" in README
        assert all(part in check.body for part in ("**Why:**", "**Bad:**", "**Good:**")), check.name
    assert len({check.code for check in POLICY}) == len(POLICY)


def test_every_page_module_is_registered_and_its_page_generated(tmp_path):
    import pkgutil

    import catalog.site.pages
    from catalog.site.pages import PAGES, STATIC_PAGES
    from tests.site.conftest import generate

    helpers = {"base", "environment", "version"}  # an environment's own pages, and what pages are
    modules = {info.name for info in pkgutil.iter_modules(catalog.site.pages.__path__)} - helpers
    registered = {page.view.__module__.rsplit(".", 1)[1] for page in PAGES} | {
        page.render.__module__.rsplit(".", 1)[1] for page in STATIC_PAGES}
    assert registered == modules
    assert len({page.path for page in (*PAGES, *STATIC_PAGES)}) == len(PAGES) + len(STATIC_PAGES)
    result = generate(REPO / "environments", tmp_path / "out", releases_dir=REPO / "releases")
    assert {page.path for page in (*PAGES, *STATIC_PAGES)} <= set(result.files)
