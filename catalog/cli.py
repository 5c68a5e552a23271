"""The ``catalog`` command. Only this module decides exit codes: 0 clean, 1 findings, 2 usage."""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

import click

from catalog import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with the command line, the configuration or the files named on it."""


def _split(values: tuple[str, ...]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="envcatalog")
def cli() -> None:
    """Lint, document and verify a catalog of curated environments."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text", show_default=True, help="Output format.")
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
    from catalog.lint import lint as run_lint
    from catalog.model import load_catalog
    from catalog.report import render
    from catalog.rules import UnknownRule, choose

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
    if target_dirs == []:
        _no_environments_under(searched[0], cwd)
    catalog = load_catalog(roots, target_dirs or [])
    if target_dirs is None:
        targets = catalog.environments
        if not targets:
            _no_environments_under(", ".join(os.path.relpath(root, cwd) for root in roots), cwd)
    else:
        wanted = {directory.resolve() for directory in target_dirs}
        targets = [env for env in catalog.environments if env.directory.resolve() in wanted]
    for directory in searched:  # a directory named on the command line must hold an environment
        if not any(_is_within(env.directory, directory) for env in targets):
            _no_environments_under(directory, cwd)
    result = run_lint(catalog, targets, config, rules, day)
    _write(render(result, fmt, cwd), output)
    unchecked = {os.path.abspath(directory): reason for directory, reason in unreadable + catalog.unreadable}
    for directory, reason in unchecked.items():  # what is in them went unchecked: not clean, not a finding
        click.echo(f"catalog: error: cannot read directory {os.path.relpath(directory, cwd)}: {reason}", err=True)
    if unchecked:
        return EXIT_USAGE
    failed = result.errors or (strict and result.warnings)
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def _no_environments_under(where: Path | str, cwd: Path):
    shown = os.path.relpath(where, cwd) if isinstance(where, Path) else where
    raise UsageError(f"no environments found under {shown} "
                     "(an environment is a directory whose asset.yaml says type: environment)")


def _is_within(path: Path, directory: Path) -> bool:
    path, directory = path.resolve(), directory.resolve()
    return path == directory or directory in path.parents


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

    from catalog.rules import all_rules

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


def _chosen_environments(config, selectors: tuple[str, ...]):
    """The catalog, and the environments named (by name or directory); all when none are."""
    from catalog.model import load_catalog

    roots = config.root_paths
    if not any(root.is_dir() for root in roots):
        shown = ", ".join(os.path.relpath(root) for root in roots)
        raise UsageError(f"no catalog: {shown} is not a directory (set roots in [tool.catalog])")
    catalog = load_catalog(roots)
    if not selectors:
        if not catalog.environments:
            _no_environments_under(", ".join(os.path.relpath(root) for root in roots), Path.cwd())
        return catalog, list(catalog.environments)
    chosen = []
    for selector in selectors:
        by_name = catalog.named(selector)
        if not by_name and os.path.isdir(selector):
            wanted = Path(selector).resolve()
            by_name = [env for env in catalog.environments if env.directory.resolve() == wanted]
        if not by_name:
            raise UsageError(f"no environment {selector!r} in the catalog (give a name or an environment's directory)")
        chosen.extend(env for env in by_name if env not in chosen)
    return catalog, chosen


@cli.command()
@click.argument("environments", nargs=-1)
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), help="Write a pinned copy of each environment to DIR/<name>/.")
@click.option("--check", is_flag=True, help="Write nothing; say what pinning would write (and, with --out, whether DIR is out of date: exit 1).")
@click.option("--offline", is_flag=True, help="Answer from the lookup cache only; ask no server.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="A pyproject.toml with [tool.catalog] (default: the nearest one).")
def pin(environments, out_dir, check, offline, config_file) -> int:
    """Resolve the template tags of ENVIRONMENTS' build files ({{latest-image-tag}},
    {{latest-pypi-version}}) against the registry and the package index.

    ENVIRONMENTS are names or directories; all environments when none are given.
    """
    from catalog.config import load_config
    from catalog.pin.copy import CopyRefused, pinned_tree
    from catalog.pin.resolve import PinError
    from catalog.pin.run import pin_environments

    if out_dir is None and not check:
        raise UsageError("say where the pinned copies go (--out DIR), or --check to only look")
    config = load_config(config_file, Path.cwd())
    _, chosen = _chosen_environments(config, environments)
    run = pin_environments(chosen, config.pin, offline=offline)
    for line in run.error_lines(os.curdir):
        click.echo(f"catalog: error: {line}", err=True)
    stale = 0
    for plan in run.plans:
        if plan.errors:
            continue
        for use in plan.uses:
            click.echo(f"{os.path.relpath(use.file)}:{use.line}:{use.column}: {use.text} -> {use.value.lstrip(':@')}")
        if out_dir is None:
            continue
        target = out_dir / plan.environment.name
        try:
            tree = pinned_tree(plan)
        except (CopyRefused, OSError) as exc:
            click.echo(f"catalog: error: {plan.environment.name}: {exc}", err=True)
            plan.errors.append(PinError(plan.environment.directory, None, None, str(exc)))
            continue
        if check:
            if _tree_differs(target, tree):
                stale += 1
                click.echo(f"{os.path.relpath(target)}: out of date")
            continue
        from catalog.atomic import write_tree_atomic

        try:
            write_tree_atomic(target, tree)
        except (OSError, ValueError) as exc:
            raise UsageError(f"{target}: cannot write the pinned copy: {exc}") from None
        click.echo(f"wrote {os.path.relpath(target)}")
    failed = sum(1 for plan in run.plans if plan.errors)
    click.echo(f"{len(run.plans)} environments, {sum(len(p.uses) for p in run.plans)} template tags, "
               f"{run.lookups} lookups; {failed} failed" + (f", {stale} out of date" if check and out_dir else ""))
    return EXIT_FINDINGS if failed or stale else EXIT_CLEAN


def _tree_differs(target: Path, tree: dict[str, bytes]) -> bool:
    from catalog.pin.copy import asset_files

    if not target.is_dir():
        return True
    existing = asset_files(target)
    return existing.keys() != tree.keys() or any(existing[name].read_bytes() != data for name, data in tree.items())


@cli.command("hash")
@click.argument("environments", nargs=-1)
@click.option("--pinned", is_flag=True, help="Hash the definition as `catalog pin` would write it (asks the registry and index, or the cache).")
@click.option("--offline", is_flag=True, help="With --pinned: answer from the lookup cache only.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="A pyproject.toml with [tool.catalog] (default: the nearest one).")
def hash_command(environments, pinned, offline, config_file) -> int:
    """Print the content hash of ENVIRONMENTS (all when none): what determines the
    image (base image, Dockerfile instructions, copied files), not the name or tags."""
    from catalog.config import load_config

    config = load_config(config_file, Path.cwd())
    _, chosen = _chosen_environments(config, environments)
    if not pinned:
        for env in chosen:
            click.echo(f"{env.content_hash}  {env.name}")
        return EXIT_CLEAN
    from catalog.pin.run import pin_environments
    from catalog.release.content_hash import content_hash
    from catalog.release.plan import pinned_texts

    run = pin_environments(chosen, config.pin, offline=offline)
    for line in run.error_lines(os.curdir):
        click.echo(f"catalog: error: {line}", err=True)
    for plan in run.plans:
        if not plan.errors:
            click.echo(f"{content_hash(plan.environment, pinned_texts(plan))}  {plan.environment.name}")
    return EXIT_FINDINGS if any(plan.errors for plan in run.plans) else EXIT_CLEAN


@cli.command()
@click.argument("environments", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Print what would be released; write nothing.")
@click.option("--git-tag", is_flag=True, help="Also tag HEAD as environment/<name>/<version> for each release.")
@click.option("--offline", is_flag=True, help="Answer template tags from the lookup cache only.")
@click.option("--verbose", "-v", is_flag=True, help="Also list the environments that are unchanged.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="A pyproject.toml with [tool.catalog] (default: the nearest one).")
def release(environments, dry_run, git_tag, offline, verbose, config_file) -> int:
    """Release ENVIRONMENTS (all when none) whose pinned definition changed: a new
    numbered version in the ledger (releases/<name>/<version>/).

    Unchanged environments are left alone; `version: auto` counts up from the last
    release, an explicit version is used as written and never reused for another
    definition.
    """
    import datetime

    from catalog import git
    from catalog.config import load_config
    from catalog.pin.run import make_lookups, pin_environments
    from catalog.release.ledger import read_ledger
    from catalog.release.plan import FAILED, NEW, REFUSED, UNCHANGED, decide

    config = load_config(config_file, Path.cwd())
    _, chosen = _chosen_environments(config, environments)
    ledger = read_ledger(config.releases_path)
    lookups = make_lookups(config.pin, offline)
    run = pin_environments(chosen, config.pin, offline=offline, lookups=lookups)
    for line in run.error_lines(os.curdir):
        click.echo(f"catalog: error: {line}", err=True)
    decisions = [decide(plan, ledger) for plan in run.plans]
    commit, remote = git.head_commit(config.base_dir), git.remote_url(config.base_dir)
    now = datetime.datetime.now(datetime.timezone.utc)
    released = 0
    for decision in decisions:
        if decision.action != NEW or dry_run:
            if decision.action != UNCHANGED or verbose:
                click.echo(("would release: " if dry_run and decision.action == NEW else "") + decision.line())
            continue
        try:
            target = _write_release(decision, ledger, config.base_dir, lookups, now, commit, remote)
        except (OSError, ValueError) as exc:
            decision.action, decision.reason = FAILED, f"cannot write the release: {exc}"
            click.echo(decision.line(), err=True)
            continue
        released += 1
        click.echo(f"{decision.line()} -> {os.path.relpath(target)}")
        if git_tag:
            problem = git.create_tag(config.base_dir, f"environment/{decision.name}/{decision.version}")
            if problem:
                click.echo(f"catalog: warning: {decision.name}: git tag not created: {problem}", err=True)
    lookups.cache.save()
    failed = sum(1 for d in decisions if d.action in (FAILED, REFUSED))
    new = sum(1 for d in decisions if d.action == NEW)
    click.echo(f"{len(decisions)} environments: {new if dry_run else released} {'to release' if dry_run else 'released'}, "
               f"{sum(1 for d in decisions if d.action == UNCHANGED)} unchanged, {failed} failed or refused")
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def _write_release(decision, ledger, base_dir: Path, lookups, when, commit, remote) -> Path:
    import json

    from catalog.atomic import write_tree_atomic
    from catalog.image_ref import parse_image_reference
    from catalog.pin.http import LookupFailed
    from catalog.pin.lookups import DigestQuery
    from catalog.release.ledger import RELEASE_FILE
    from catalog.release.plan import pinned_base_reference, record_for, release_files

    target = ledger.root / decision.name / str(decision.version)
    files = release_files(decision, target, base_dir, commit, remote)
    base_digest = None
    reference = pinned_base_reference(decision)
    if reference is not None:
        parsed = parse_image_reference(reference)
        base_digest = parsed.digest
        if base_digest is None and parsed.tag is not None and not parsed.templated_tag:
            try:
                base_digest = lookups.answer(DigestQuery(parsed.registry, parsed.repository, parsed.tag))
            except LookupFailed:
                base_digest = None  # the release still records the tag it was built from
    record = record_for(decision, files, when, commit, base_digest)
    files[RELEASE_FILE] = (json.dumps(record, indent=2, sort_keys=True) + "\n").encode("utf-8")
    write_tree_atomic(target, files)
    return target


@cli.command()
@click.argument("environments", nargs=-1)
@click.option("--all", "rebuild_all", is_flag=True, help="Build every environment, also those whose last passing build was of the same definition.")
@click.option("--changed-since", metavar="REV", help="Only environments with files changed since this git revision (committed or not).")
@click.option("--builder", type=click.Choice(["buildah", "docker", "podman"]), help="The container tool (default: [tool.catalog.build] builder, else docker where a daemon answers, else podman, else buildah).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), help="Environments built at once (default: [tool.catalog.build] jobs, else 1).")
@click.option("--push", metavar="REGISTRY", help="Push each passing image to REGISTRY[/PREFIX] (http://REGISTRY for a plain-HTTP one).")
@click.option("--report-dir", type=click.Path(path_type=Path, file_okay=False), help="Where reports and logs go (default: build-reports in [tool.catalog]).")
@click.option("--no-cache", is_flag=True, help="Build without the builder's layer cache.")
@click.option("--timeout", type=click.FloatRange(min=0), help="Seconds one environment may take: build, checks and push (default 3600; 0: no limit).")
@click.option("--ca-bundle", type=click.Path(path_type=Path, dir_okay=False), help="A CA bundle mounted into RUN steps and checks, never into the image (builds behind a TLS-intercepting proxy).")
@click.option("--discard-images", is_flag=True, help="Remove each image once it is checked and pushed.")
@click.option("--plan", "plan_only", is_flag=True, help="Print what would be built, build nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github-matrix"]), default="text", show_default=True, help="With --plan: text, JSON, or a GitHub Actions matrix on one line.")
@click.option("--offline", is_flag=True, help="Pin from the lookup cache only.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="A pyproject.toml with [tool.catalog] (default: the nearest one).")
def build(environments, rebuild_all, changed_since, builder, jobs, push, report_dir, no_cache, timeout, ca_bundle,
          discard_images, plan_only, fmt, offline, config_file) -> int:
    """Build ENVIRONMENTS (all when none) into images and check them inside: the Python
    version against the Python tag, pip check, the key imports, the environment's own
    tests, the build policy. Each writes build-reports/<name>/<version>.json and a log.

    An environment whose last passing build was of the same pinned definition is
    skipped (unless --all); one failed build never stops the others.
    """
    from catalog.build.command import BuildRefused, BuildRequest, build_environments, plan_environments
    from catalog.config import load_config

    if rebuild_all and changed_since:
        raise UsageError("--all and --changed-since exclude each other: --all builds everything")
    if fmt != "text" and not plan_only:
        raise UsageError(f"--format {fmt} is for --plan")
    config = load_config(config_file, Path.cwd())
    _, chosen = _chosen_environments(config, environments)
    request = BuildRequest(rebuild_all=rebuild_all, changed_since=changed_since, builder=builder, jobs=jobs, push=push,
                           report_dir=report_dir, no_cache=no_cache, timeout=timeout, ca_bundle=ca_bundle,
                           discard_images=discard_images, offline=offline)
    try:
        planned = plan_environments(config, chosen, request, click.echo)
        if plan_only:
            click.echo(planned.render(fmt))
            return EXIT_FINDINGS if planned.failed else EXIT_CLEAN
        result = build_environments(config, planned, request, click.echo)
    except BuildRefused as exc:
        raise UsageError(str(exc)) from None
    return EXIT_FINDINGS if result.failed else EXIT_CLEAN


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


def main(argv: list[str] | None = None) -> None:
    from catalog.config import ConfigError

    try:
        code = cli.main(args=argv, prog_name="catalog", standalone_mode=False)
    except click.exceptions.Exit as exc:  # --help, --version
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("catalog: interrupted", err=True)
        code = 130
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
