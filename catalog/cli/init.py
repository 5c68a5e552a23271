"""``catalog init``: set up a repository for a catalog."""

from __future__ import annotations

import os
from pathlib import Path

import click

from catalog.cli.common import EXIT_CLEAN, UsageError
from catalog.config import DEFAULT_PRESET, PRESETS


@click.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option(
    "--root",
    "roots",
    multiple=True,
    metavar="DIR",
    help="A catalog root, relative to DIRECTORY (repeatable; default: environments/ or assets/, whichever exists).",
)
@click.option(
    "--preset",
    type=click.Choice(list(PRESETS)),
    default=DEFAULT_PRESET,
    show_default=True,
    help="Lint policy: envcatalog (MCR bases only, OS and Python tags required) or azureml-assets (the public "
         "repository's conventions).",
)
@click.option("--site-name", default="Curated environments", show_default=True, help="The catalog site's title.")
def init(directory, roots, preset, site_name) -> int:
    """Set up a repository: [tool.catalog] in pyproject.toml, a mkdocs.yml and docs/.

    Then `catalog lint` checks the catalog and `mkdocs serve` browses its site.
    Refuses to overwrite anything that is there already.
    """
    from catalog.init import InitRefused, carry_out, plan_init

    if not directory.is_dir():
        raise UsageError(f"{directory}: not a directory")
    try:
        plan = plan_init(directory, list(roots) or None, preset, site_name)
    except InitRefused as exc:
        raise UsageError(f"{exc}; nothing was written") from None
    try:
        carry_out(plan)
    except OSError as exc:
        raise UsageError(f"cannot write the configuration: {exc}") from None
    for path in plan.writes:
        click.echo(f"wrote {os.path.relpath(path)}")
    click.echo("Next: `catalog lint` checks the catalog, `mkdocs serve` browses its site.")
    return EXIT_CLEAN
