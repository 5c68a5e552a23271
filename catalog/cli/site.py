"""``catalog site``: generate the catalog site's pages."""

from __future__ import annotations

from pathlib import Path

import click

from catalog.cli.common import EXIT_CLEAN, UsageError, config_option, parse_day


@click.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help='Write the pages here (default: site-dir in [tool.catalog], "site-docs"; mkdocs.yml\'s docs_dir).',
)
@config_option
@click.option("--today", metavar="YYYY-MM-DD", help="Count days to DeleteOn dates from this day instead of today.")
def site(out_dir, config_file, today) -> int:
    """Generate the catalog site's pages, for `mkdocs build` or `zensical build`.

    Writes only files whose content changed and removes pages of environments
    that are gone; `mkdocs build` and `mkdocs serve` run this by themselves.
    """
    from catalog.config import load_config
    from catalog.site import SiteError, generate_configured_site

    try:
        result = generate_configured_site(load_config(config_file, Path.cwd()), out_dir, parse_day(today))
    except SiteError as exc:
        raise UsageError(str(exc)) from None
    for problem in result.problems:
        click.echo(f"catalog: warning: {problem}", err=True)
    click.echo(f"Site pages in {result.out_dir}: {result.summary()}.")
    return EXIT_CLEAN
