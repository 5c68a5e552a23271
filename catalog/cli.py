"""The ``catalog`` command. Only this module decides exit codes: 0 clean, 1 findings, 2 usage."""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

import click

from catalog import __version__
from catalog.lint.report import FORMATS

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with the command line, the configuration or the files named on it."""


def _split(values: tuple[str, ...]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


# Commands kept in modules of their own, imported only when run (or listed by --help):
# `catalog lint` is run on every commit and should not pay for importing the others.
LAZY_COMMANDS = {"pin": "catalog.commands.versions", "hash": "catalog.commands.versions",
                 "release": "catalog.commands.versions", "build": "catalog.commands.build"}


class _CatalogGroup(click.Group):
    def list_commands(self, ctx) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx, name):
        if name in LAZY_COMMANDS and name not in self.commands:
            import importlib

            importlib.import_module(LAZY_COMMANDS[name])  # registers its commands on ``cli``
        return super().get_command(ctx, name)


@click.group(cls=_CatalogGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="envcatalog")
def cli() -> None:
    """Lint, document and verify a catalog of curated environments."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="text", show_default=True, help="Output format.")
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (names, codes or code prefixes; comma-separated).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Not these rules (names, codes or code prefixes; comma-separated).")
@click.option("--strict", is_flag=True, help="Warnings fail too.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="A pyproject.toml with [tool.catalog] (default: the nearest one).")
@click.option("--today", metavar="YYYY-MM-DD", help="Check dates (DeleteOn) as of this day instead of today.")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the report to this file instead of standard output (atomically; a link to a file replaces its target, a FIFO or device is written to).")
def lint(paths, fmt, select, ignore, strict, config_file, today, output) -> int:
    """Check environments against the schemas and the curated-environment rules.

    PATHS may be catalog roots, asset directories or any files in them (as
    pre-commit passes them); with none, the configured roots are linted.
    """
    from catalog.config import load_config
    from catalog.lint.run import lint as run_lint
    from catalog.lint.run import merge_results, unreadable_findings
    from catalog.model import load_catalog
    from catalog.lint.report import render
    from catalog.lint.rules import UnknownRule, choose

    cwd = Path.cwd()
    config = load_config(config_file, cwd)
    try:
        rules = choose(_split(select) or list(config.select), _split(ignore) + list(config.ignore))
    except UnknownRule as exc:
        raise UsageError(str(exc)) from None
    day = _parse_day(today)
    unreadable: list[tuple[Path, str]] = []
    roots = config.root_paths
    if not paths and not any(root.is_dir() for root in roots):
        shown = ", ".join(os.path.relpath(root, cwd) for root in roots)
        raise UsageError(f"no catalog to lint: {shown} is not a directory (set roots in [tool.catalog] or pass paths)")
    searched, target_dirs = _target_dirs(paths, unreadable) if paths else ([], None)
    if target_dirs == [] and not searched:  # only files outside any environment (pre-commit passes every changed file)
        _write(render(run_lint(load_catalog([]), [], config, rules, day), fmt, cwd), output)
        return EXIT_CLEAN
    if target_dirs == [] and not unreadable:
        _no_environments_under(searched[0], cwd)
    if target_dirs is None:
        catalog = load_catalog(roots)
        targets = catalog.environments
        if not targets and not catalog.unreadable:
            _no_environments_under(", ".join(os.path.relpath(root, cwd) for root in roots), cwd)
        results = [run_lint(catalog, targets, config, rules, day)]
        unreadable += catalog.unreadable
    else:
        # a path inside a configured root is linted with the rest of that catalog (catalog-wide
        # rules see it all); one outside every root is a catalog of its own
        inside, outside = _by_catalog(target_dirs, roots)
        results = []
        for catalog_roots, dirs in ((roots, inside), ([d for d in searched if not _under_any(d, roots)], outside)):
            if not dirs:
                continue
            catalog = load_catalog(catalog_roots, dirs)
            wanted = {os.path.realpath(directory) for directory in dirs}
            targets = [env for env in catalog.environments if os.path.realpath(env.directory) in wanted]
            unreadable += [(path, why) for path, why in catalog.unreadable
                           if any(_is_within(Path(path), Path(d)) for d in searched)]
            results.append(run_lint(catalog, targets, config, rules, day))
        found = {os.path.realpath(env.directory) for result in results for env in result.targets}
        for directory in searched:  # a directory named on the command line must hold an environment
            if os.path.realpath(directory) not in found and \
                    not any(_is_within(Path(real), directory) for real in found) and \
                    not any(_is_within(Path(path), directory) for path, _ in unreadable):
                _no_environments_under(directory, cwd)
    result = merge_results(results, unreadable_findings(unreadable, rules))
    _write(render(result, fmt, cwd), output)
    failed = result.errors or (strict and result.warnings)
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def _by_catalog(directories: list[Path], roots: list[Path]) -> tuple[list[Path], list[Path]]:
    """(the directories under a configured root, those outside every root)."""
    real_roots = [os.path.realpath(root) for root in roots]
    inside: list[Path] = []
    outside: list[Path] = []
    for directory in directories:
        (inside if _under_any(directory, roots, real_roots) else outside).append(directory)
    return inside, outside


def _under_any(path: Path, roots: list[Path], real_roots: list[str] | None = None) -> bool:
    real = os.path.realpath(path)
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep)
               for root in real_roots or [os.path.realpath(r) for r in roots])


def _no_environments_under(where: Path | str, cwd: Path):
    shown = os.path.relpath(where, cwd) if isinstance(where, Path) else where
    raise UsageError(f"no environments found under {shown} "
                     "(an environment is a directory whose asset.yaml says type: environment)")


def _is_within(path: Path, directory: Path) -> bool:
    real, top = os.path.realpath(path), os.path.realpath(directory)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def _parse_day(text: str | None) -> datetime.date | None:
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--today {text!r} is not a date in the form YYYY-MM-DD") from None


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


@cli.command()
@click.argument("name", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(name, fmt) -> int:
    """List the rules, or explain the rule NAME (a name or a code)."""
    import json

    from catalog.lint.rules import all_rules

    chosen = all_rules()
    if name is not None:
        chosen = [r for r in chosen if name in (r.name, r.code, r.code.lower())]
        if not chosen:
            raise UsageError(f"unknown rule {name!r}; `catalog rules` lists them")
    if fmt == "json":
        payload = [
            {"code": r.code, "name": r.name, "severity": r.severity.value, "summary": r.summary, "documentation": r.body}
            for r in chosen
        ]
        click.echo(json.dumps(payload, indent=2))
    elif name is not None:
        rule = chosen[0]
        click.echo(f"{rule.code} {rule.name} ({rule.severity.value})\n\n{rule.summary}\n\n{rule.body}")
    else:
        width = max(len(r.name) for r in chosen)
        for r in chosen:
            click.echo(f"{r.code}  {r.name:<{width}}  {r.severity.value:<7}  {r.summary}")
    return EXIT_CLEAN


@cli.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Write the pages here (default: site-dir in [tool.catalog], \"site-docs\"; mkdocs.yml's docs_dir).")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="A pyproject.toml with [tool.catalog] (default: the nearest one).")
@click.option("--today", metavar="YYYY-MM-DD", help="Count days to DeleteOn dates from this day instead of today.")
def site(out_dir, config_file, today) -> int:
    """Generate the catalog site's pages, for `mkdocs build` or `zensical build`.

    Writes only files whose content changed and removes pages of environments
    that are gone; `mkdocs build` and `mkdocs serve` run this by themselves.
    """
    from catalog.config import load_config
    from catalog.site import SiteError, generate_configured_site

    try:
        result = generate_configured_site(load_config(config_file, Path.cwd()), out_dir, _parse_day(today))
    except SiteError as exc:
        raise UsageError(str(exc)) from None
    for problem in result.problems:
        click.echo(f"catalog: warning: {problem}", err=True)
    click.echo(f"Site pages in {result.out_dir}: {result.summary()}.")
    return EXIT_CLEAN


@cli.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option("--root", "roots", multiple=True, metavar="DIR", help="A catalog root, relative to DIRECTORY (repeatable; default: environments/ or assets/, whichever exists).")
@click.option("--preset", type=click.Choice(["envcatalog", "azureml-assets"]), default="envcatalog", show_default=True, help="Lint policy: envcatalog (MCR bases only, OS and Python tags required) or azureml-assets (the public repository's conventions).")
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


def chosen_environments(config, selectors: tuple[str, ...]):
    """The catalog, and the environments named (by name or directory); all when none are.

    A directory may be an environment's anywhere, or a tree of them: inside a configured
    root it is taken from the repository's catalog, outside every root it is a catalog of
    its own.
    """
    from catalog.model import find_asset_files, load_catalog

    roots = config.root_paths
    directories = [selector for selector in selectors if os.path.isdir(selector)]
    if not any(root.is_dir() for root in roots) and (not selectors or len(directories) < len(selectors)):
        shown = ", ".join(os.path.relpath(root) for root in roots)
        raise UsageError(f"no catalog: {shown} is not a directory (set roots in [tool.catalog])")
    catalog = load_catalog(roots)
    if not selectors:
        if not catalog.environments:
            _no_environments_under(", ".join(os.path.relpath(root) for root in roots), Path.cwd())
        return catalog, list(catalog.environments)
    by_directory = {os.path.realpath(env.directory): env for env in catalog.environments}
    chosen = []
    for selector in selectors:
        found = catalog.named(selector)
        if not found and os.path.isdir(selector):
            assets = [asset.parent for asset in find_asset_files(Path(selector))]
            if _under_any(Path(selector), roots):
                found = [by_directory[key] for key in map(os.path.realpath, assets) if key in by_directory]
            else:
                found = load_catalog([Path(selector)]).environments
        if not found:
            raise UsageError(f"no environment {selector!r} in the catalog (give a name or an environment's directory)")
        chosen.extend(env for env in found if env not in chosen)
    return catalog, chosen


def main(argv: list[str] | None = None) -> None:
    from catalog.config import ConfigError

    try:
        code = cli.main(args=argv, prog_name="catalog", standalone_mode=False)
    except click.exceptions.Exit as exc:  # --help, --version
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = EXIT_USAGE
    except click.exceptions.Abort as exc:  # Ctrl-C (130), or SIGTERM while building (143)
        click.echo("catalog: interrupted", err=True)
        code = getattr(exc.__cause__ or exc.__context__, "exit_code", 130)
    except (UsageError, ConfigError) as exc:
        click.echo(f"catalog: error: {exc}", err=True)
        code = EXIT_USAGE
    except BrokenPipeError:
        code = EXIT_FINDINGS
    except Exception as exc:  # never show a traceback; say what happened and how to see more
        if os.environ.get("CATALOG_DEBUG"):
            raise
        click.echo(f"catalog: internal error: {type(exc).__name__}: {exc} (set CATALOG_DEBUG=1 for details)", err=True)
        code = EXIT_USAGE
    sys.exit(code or 0)

