"""The bundled catalog is realistic and lints clean."""

import datetime

from catalog.config import Config
from catalog.lint.rules import all_rules
from catalog.lint.run import lint
from catalog.model import load_catalog
from catalog.model.facts import replacement_name
from tests.conftest import REPO, run_cli

ROOT = REPO / "environments"


def test_sample_catalog_lints_clean_with_no_warnings():
    catalog = load_catalog([ROOT])
    result = lint(catalog, catalog.environments, Config(base_dir=REPO), all_rules(), datetime.date(2026, 11, 22))
    assert [f"{f.location.path}: {f.rule} {f.message}" for f in result.findings] == []
    assert len(catalog.environments) >= 8


def test_quick_start_command_is_clean():
    result = run_cli("lint", "--strict", cwd=REPO)
    assert result.returncode == 0 and result.stdout.startswith("All clean")


def test_sample_catalog_covers_the_cases_a_platform_team_has():
    catalog = load_catalog([ROOT])
    prebuilt = [env for env in catalog.environments if env.context is None]
    deprecated = [env for env in catalog.environments if env.deprecated]
    inference = [env for env in catalog.environments if env.spec_doc.has("inference_config")]
    assert len(prebuilt) == 1 and len(deprecated) == 1 and len(inference) >= 2
    replacement = replacement_name(deprecated[0].description)
    assert catalog.named(replacement) and not catalog.named(replacement)[0].deprecated
    for env in catalog.environments:
        assert env.description_text and len(env.description_text.splitlines()) > 5, env.name
        assert {"OS", "Python"} <= set(env.tags)
        if env.context is not None:
            [base] = env.dockerfile.base_images
            assert base.reference.startswith("mcr.microsoft.com/azureml/") and "{{latest-image-tag" in base.reference
            requirements = (env.context.directory / "requirements.txt").read_text()
            assert all("==" in line for line in requirements.splitlines() if line and not line.startswith("#"))
