"""``catalog build``: build environments into images, check them inside, report.

The work is in ``catalog.builds`` (``catalog.builds.command`` plans and carries out a
run); this module only reads the command line and decides the exit status.
"""

from __future__ import annotations

from pathlib import Path

import click

from catalog.builds.backends import BACKENDS
from catalog.cli.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    UsageError,
    chosen_environments,
    load_lookup_config,
    lookup_options,
)


@click.command()
@click.argument("environments", nargs=-1)
@click.option(
    "--all",
    "rebuild_all",
    is_flag=True,
    help="Build every environment, also those whose last passing build was of the same definition.",
)
@click.option(
    "--changed-since",
    metavar="REV",
    help="Only environments with files changed since this git revision (committed or not).",
)
@click.option(
    "--builder",
    type=click.Choice(BACKENDS),
    help="The container tool (default: [tool.catalog.build] builder, else the first of "
    f"{', '.join(BACKENDS)} that answers).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    help="Environments built at once (default: [tool.catalog.build] jobs, else 1).",
)
@click.option(
    "--push",
    metavar="REGISTRY",
    help="Push each passing image to REGISTRY[/PREFIX] (http://REGISTRY for a plain-HTTP one).",
)
@click.option(
    "--report-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where reports and logs go (default: build-reports in [tool.catalog]).",
)
@click.option("--no-cache", is_flag=True, help="Build without the builder's layer cache.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    help="Seconds one environment may take: build, checks and push (default 3600; 0: no limit).",
)
@click.option(
    "--ca-bundle",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A CA bundle mounted into RUN steps and checks, never into the image "
    "(builds behind a TLS-intercepting proxy).",
)
@click.option("--discard-images", is_flag=True, help="Remove each image once it is checked and pushed.")
@click.option("--plan", "plan_only", is_flag=True, help="Print what would be built, build nothing.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github-matrix"]),
    default="text",
    show_default=True,
    help="With --plan: text, JSON, or a GitHub Actions matrix on one line.",
)
@lookup_options
def build(environments, rebuild_all, changed_since, builder, jobs, push, report_dir, no_cache, timeout, ca_bundle,
          discard_images, plan_only, fmt, offline, mirrors, index_url, config_file) -> int:
    """Build ENVIRONMENTS (all when none) into images and check them inside: the Python
    version against the Python tag, pip check, the key imports, the environment's own
    tests, the build policy. Each writes build-reports/<name>/<version>.json and a log.

    An environment whose last passing build was of the same pinned definition is
    skipped (unless --all); one failed build never stops the others.
    """
    from catalog.builds.command import BuildRefused, BuildRequest, build_environments, plan_environments

    if rebuild_all and changed_since:
        raise UsageError("--all and --changed-since exclude each other: --all builds everything")
    if fmt != "text" and not plan_only:
        raise UsageError(f"--format {fmt} is for --plan")
    config = load_lookup_config(config_file, mirrors, index_url)
    _, chosen = chosen_environments(config, environments)
    request = BuildRequest(rebuild_all=rebuild_all, changed_since=changed_since, builder=builder, jobs=jobs, push=push,
                           report_dir=report_dir, no_cache=no_cache, timeout=timeout, ca_bundle=ca_bundle,
                           discard_images=discard_images, offline=offline)
    try:
        planned = plan_environments(config, chosen, request)
        if plan_only:
            click.echo(planned.render(fmt))
            if fmt != "text":  # a matrix or JSON on stdout; why the plan fails goes to the log
                for target in planned.failed:
                    click.echo(f"catalog: error: {target.line()}", err=True)
            return EXIT_FINDINGS if planned.failed else EXIT_CLEAN
        result = build_environments(config, planned, request, click.echo)
    except BuildRefused as exc:
        raise UsageError(str(exc)) from None
    return EXIT_FINDINGS if result.failed else EXIT_CLEAN
