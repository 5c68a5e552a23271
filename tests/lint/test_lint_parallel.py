"""Large catalogs are checked in forked workers; the findings are the same as a serial run."""


from catalog.config import Config
from catalog.finding import Finding
from catalog.lint.context import LintContext
from catalog.lint.rules import all_rules
from catalog.lint.run import PARALLEL_MIN_TARGETS, _check
from catalog.model import load_catalog
from tests.conftest import SPEC, TODAY, lint_json, write_env


def test_parallel_run_matches_serial_run(tmp_path, monkeypatch):
    root = tmp_path / "environments"
    count = PARALLEL_MIN_TARGETS + 10
    for index in range(count):
        files = {}
        if index % 7 == 0:
            files["spec.yaml"] = SPEC.replace('Python: "3.10"', "Python: 3.10")
        if index % 11 == 0:
            files["context/Dockerfile"] = "FROM ubuntu\n"
        write_env(root, f"sklearn-1.5-n{index:04d}", files)
    write_env(root, "sklearn-1.5-n0001", directory="duplicate")

    code, report = lint_json(cwd=tmp_path)  # a fresh process: forks workers
    monkeypatch.chdir(tmp_path)  # messages name other files relative to the working directory
    catalog = load_catalog([root])
    context = LintContext(catalog, Config(base_dir=tmp_path), TODAY)
    serial = sorted(_check(catalog.environments, all_rules(), context), key=Finding.sort_key)

    assert report["environments"] == count + 1 and code == 1
    expected = [(str(f.location.path.relative_to(tmp_path)), f.location.line, f.rule, f.message) for f in serial]
    actual = [(f["path"], f["line"], f["rule"], f["message"]) for f in report["findings"]]
    assert actual == expected
    assert {f[2] for f in actual} == {
        "tag-value",
        "unpinned-base",
        "base-registry",
        "duplicate",
        "duplicate-definition",
    }
