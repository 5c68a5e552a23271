"""A file that does not parse is reported by the generator, naming the file and line."""

import datetime

from catalog.site import generate_site
from tests.conftest import write_env
from tests.site.conftest import site_options


def test_unparseable_spec_is_reported(tmp_path):
    root = tmp_path / "environments"
    write_env(root, "sklearn-1.5", {"spec.yaml": "name: [\n"})
    write_env(root, "lightgbm-4.5")
    result = generate_site(site_options(root, tmp_path / "out", base_dir=tmp_path, today=datetime.date(2026, 11, 22)))
    assert result.environments == 2
    [problem] = result.problems
    assert problem.startswith("environments/sklearn-1.5/spec.yaml:2: invalid YAML")
