"""``catalog lint``: check environments against the schemas and the rules."""

from __future__ import annotations

import functools
import gc
import os
import sys
from pathlib import Path

import click

from catalog.cli.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    UsageError,
    config_option,
    is_under,
    is_within,
    no_environments_under,
    parse_day,
    split_list,
)
from catalog.lint.report import FORMATS


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(list(FORMATS)), default="text", show_default=True, help="Output format."
)
@click.option(
    "--select",
    multiple=True,
    metavar="RULES",
    help="Only these rules (names, codes or code prefixes; comma-separated).",
)
@click.option(
    "--ignore", multiple=True, metavar="RULES", help="Not these rules (names, codes or code prefixes; comma-separated)."
)
@click.option("--strict", is_flag=True, help="Warnings fail too.")
@config_option
@click.option("--today", metavar="YYYY-MM-DD", help="Check dates (DeleteOn) as of this day instead of today.")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="Write the report to this file instead of standard output (atomically; a link to a file replaces its target, "
         "a FIFO or device is written to).",
)
def lint(paths, fmt, select, ignore, strict, config_file, today, output) -> int:
    """Check environments against the schemas and the curated-environment rules.

    PATHS may be catalog roots, asset directories or any files in them (as
    pre-commit passes them); with none, the configured roots are linted.
    """
    from catalog.config import load_config
    from catalog.lint.report import render
    from catalog.lint.rules import UnknownRule, choose
    from catalog.lint.run import lint, merge_results, unreadable_findings
    from catalog.model import Catalog

    def run_lint(catalog, targets, config, rules, day):
        # The loaded catalog lives as long as the process: the collector need not walk it
        # again and again (a second of a large run), nor forked workers touch its pages.
        gc.freeze()
        return lint(catalog, targets, config, rules, day)

    cwd = Path.cwd()
    config = load_config(config_file, cwd)
    try:
        rules = choose(split_list(select) or list(config.select), split_list(ignore) + list(config.ignore))
    except UnknownRule as exc:
        raise UsageError(str(exc)) from None
    day = parse_day(today)
    unreadable: list[tuple[Path, str]] = []
    roots = config.root_paths
    if not paths and not any(root.is_dir() for root in roots):
        shown = ", ".join(os.path.relpath(root, cwd) for root in roots)
        raise UsageError(f"no catalog to lint: {shown} is not a directory (set roots in [tool.catalog] or pass paths)")
    searched, target_dirs = _target_dirs(paths, unreadable) if paths else ([], None)
    if target_dirs == [] and not searched:  # only files outside any environment (pre-commit passes every changed file)
        _write(render(run_lint(Catalog.open(config, []), [], config, rules, day), fmt, cwd), output)
        return EXIT_CLEAN
    if target_dirs == [] and not unreadable:
        no_environments_under(searched[0], cwd)
    if target_dirs is None:
        catalog = Catalog.open(config)
        targets = catalog.environments
        if not targets and not catalog.unreadable:
            no_environments_under(", ".join(os.path.relpath(root, cwd) for root in roots), cwd)
        results = [run_lint(catalog, targets, config, rules, day)]
        unreadable += catalog.unreadable
    else:
        # a path inside a configured root is linted with the rest of that catalog (catalog-wide
        # rules see it all); one outside every root is a catalog of its own
        real = functools.cache(os.path.realpath)  # each named path is resolved once in a run
        real_roots = [real(root) for root in roots]
        inside, outside = _by_catalog(target_dirs, real_roots, real)
        results = []
        found: set[str] = set()
        own_roots = [directory for directory in searched if not is_under(real(directory), real_roots)]
        for catalog_roots, dirs in ((roots, inside), (own_roots, outside)):
            if not dirs:
                continue
            catalog = Catalog.open(config, catalog_roots, dirs)
            located = {real(directory): catalog.in_directory(real(directory)) for directory in dirs}
            chosen = {id(env) for env in located.values() if env is not None}
            targets = [env for env in catalog.environments if id(env) in chosen]  # in catalog order
            found |= {directory for directory, env in located.items() if env is not None}
            unreadable += [(path, why) for path, why in catalog.unreadable
                           if any(is_within(Path(path), Path(d)) for d in searched)]
            results.append(run_lint(catalog, targets, config, rules, day))
        for directory in searched:  # a directory named on the command line must hold an environment
            if real(directory) not in found and \
                    not any(is_under(environment, [real(directory)]) for environment in found) and \
                    not any(is_within(Path(path), directory) for path, _ in unreadable):
                no_environments_under(directory, cwd)
    result = merge_results(results, unreadable_findings(unreadable, rules))
    _write(render(result, fmt, cwd), output)
    failed = result.errors or (strict and result.warnings)
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def _by_catalog(directories: list[Path], real_roots: list[str], real) -> tuple[list[Path], list[Path]]:
    """(the directories under a configured root, those outside every root)."""
    inside: list[Path] = []
    outside: list[Path] = []
    for directory in directories:
        (inside if is_under(real(directory), real_roots) else outside).append(directory)
    return inside, outside


def _target_dirs(paths: tuple[Path, ...], unreadable: list[tuple[Path, str]]) -> tuple[list[Path], list[Path]]:
    """(the directories named, the asset directories they and the named files belong to).

    Directories are searched (directories that cannot be listed go to ``unreadable``); a
    file maps to the asset directory that owns it.
    """
    from catalog.model import ASSET_FILE, find_asset_files

    searched: list[Path] = []
    found: list[Path] = []
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or directory")
        if os.path.isdir(path):
            searched.append(path)
            found.extend(asset_file.parent for asset_file in find_asset_files(path, unreadable))
            continue
        for directory in Path(os.path.abspath(path)).parents:
            if os.path.isfile(directory / ASSET_FILE):
                found.append(directory)
                break
    return searched, found


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from catalog.atomic import write_to_named

    try:
        write_to_named(output, text.encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"{output}: cannot write report: {exc.strerror or exc}") from None
