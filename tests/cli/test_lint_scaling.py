"""Linting directories named one by one (as pre-commit and CI pass them) costs O(N) path resolutions."""

import os

from click.testing import CliRunner

from catalog.cli import cli
from tests.conftest import write_env


def resolutions(tmp_path, monkeypatch, count: int) -> tuple[int, int]:
    top = tmp_path / f"catalog-{count}"
    dirs = [write_env(top / "environments", f"sklearn-1.{index}") for index in range(count)]
    real = os.path.realpath
    calls = 0

    def counting(path, *args, **kwargs):
        nonlocal calls
        calls += 1
        return real(path, *args, **kwargs)

    monkeypatch.chdir(top)
    monkeypatch.setattr(os.path, "realpath", counting)
    result = CliRunner().invoke(cli, ["lint", *(str(d.relative_to(top)) for d in dirs)])
    monkeypatch.setattr(os.path, "realpath", real)
    return result.exit_code, calls


def test_named_directories_are_resolved_a_bounded_number_of_times_each(tmp_path, monkeypatch):
    status_small, small = resolutions(tmp_path, monkeypatch, 10)
    status_large, large = resolutions(tmp_path, monkeypatch, 40)
    assert (status_small, status_large) == (0, 0)
    # each directory more costs a few resolutions (its own, its files'); comparing each
    # named directory with every environment would cost 2 x 40 x 40 here
    per_directory = (large - small) / 30
    assert per_directory <= 12, (small, large)
