"""``catalog pin``, ``catalog hash`` and ``catalog release``: versions of environments."""

from __future__ import annotations

import os
from pathlib import Path

import click

from catalog.cli.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    UsageError,
    chosen_environments,
    load_lookup_config,
    lookup_options,
)
from catalog.finding import plural


@click.command()
@click.argument("environments", nargs=-1)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write a pinned copy of each environment to DIR/<name>/.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; say what pinning would write (and, with --out, whether DIR is out of date: exit 1).",
)
@lookup_options
def pin(environments, out_dir, check, offline, mirrors, index_url, config_file) -> int:
    """Resolve the template tags of ENVIRONMENTS' build files ({{latest-image-tag}},
    {{latest-pypi-version}}) against the registry and the package index.

    ENVIRONMENTS are names or directories; all environments when none are given.
    """
    from catalog.pin.copy import CopyRefused, pinned_tree
    from catalog.pin.resolve import PinError
    from catalog.pin.run import pin_environments

    if out_dir is None and not check:
        raise UsageError("say where the pinned copies go (--out DIR), or --check to only look")
    config = load_lookup_config(config_file, mirrors, index_url)
    _, chosen = chosen_environments(config, environments)
    run = pin_environments(chosen, config.pin, offline=offline)
    for line in run.error_lines(os.curdir):
        click.echo(f"catalog: error: {line}", err=True)
    stale = 0
    for plan in run.plans:
        if plan.errors:
            continue
        for use in plan.uses:
            value = (use.value or "").lstrip(":@")
            click.echo(f"{os.path.relpath(use.file)}:{use.line}:{use.column}: {use.text} -> {value}")
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
    click.echo(
        f"{plural(len(run.plans), 'environment')}, {plural(sum(len(p.uses) for p in run.plans), 'template tag')}, "
        f"{plural(run.lookups, 'lookup')}; {failed} failed" + (f", {stale} out of date" if check and out_dir else "")
    )
    return EXIT_FINDINGS if failed or stale else EXIT_CLEAN


def _tree_differs(target: Path, tree: dict[str, bytes]) -> bool:
    from catalog.pin.copy import asset_files

    if not target.is_dir():
        return True
    existing = asset_files(target)
    return existing.keys() != tree.keys() or any(existing[name].read_bytes() != data for name, data in tree.items())


@click.command("hash")
@click.argument("environments", nargs=-1)
@click.option(
    "--pinned",
    is_flag=True,
    help="Hash the definition as `catalog pin` would write it (asks the registry and index, or the cache).",
)
@lookup_options
def hash_command(environments, pinned, offline, mirrors, index_url, config_file) -> int:
    """Print the content hash of ENVIRONMENTS (all when none): what determines the
    image (base image, Dockerfile instructions, copied files), not the name or tags."""

    config = load_lookup_config(config_file, mirrors, index_url)
    _, chosen = chosen_environments(config, environments)
    if not pinned:
        for env in chosen:
            click.echo(f"{env.content_hash}  {env.name}")
        return EXIT_CLEAN
    from catalog.pin.run import pin_environments
    from catalog.release.plan import pinned_hash

    run = pin_environments(chosen, config.pin, offline=offline)
    for line in run.error_lines(os.curdir):
        click.echo(f"catalog: error: {line}", err=True)
    for plan in run.plans:
        if not plan.errors:
            click.echo(f"{pinned_hash(plan)}  {plan.environment.name}")
    return EXIT_FINDINGS if any(plan.errors for plan in run.plans) else EXIT_CLEAN


@click.command()
@click.argument("environments", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Print what would be released; write nothing.")
@click.option("--git-tag", is_flag=True, help="Also tag HEAD as environment/<name>/<version> for each release.")
@click.option("--verbose", "-v", is_flag=True, help="Also list the environments that are unchanged.")
@lookup_options
def release(environments, dry_run, git_tag, verbose, offline, mirrors, index_url, config_file) -> int:
    """Release ENVIRONMENTS (all when none) whose pinned definition changed: a new
    numbered version in the ledger (releases/<name>/<version>/).

    Unchanged environments are left alone; `version: auto` counts up from the last
    release, an explicit version is used as written and never reused for another
    definition.
    """
    import datetime

    from catalog import git
    from catalog.finding import one_line, plural
    from catalog.pin.run import make_lookups, pin_environments
    from catalog.records.ledger import ReleaseLedger
    from catalog.records.store import RecordRefused
    from catalog.release.plan import FAILED, NEW, REFUSED, UNCHANGED, decide, identity_refusal, make_release

    config = load_lookup_config(config_file, mirrors, index_url)
    _, chosen = chosen_environments(config, environments)
    ledger = ReleaseLedger(config.releases_path, config.base_dir)
    lookups = make_lookups(config.pin, offline)
    # an environment whose name, version or image name is unsafe is neither pinned nor hashed
    pinnable = [env for env in chosen if identity_refusal(env) is None]
    run = pin_environments(pinnable, config.pin, offline=offline, lookups=lookups)
    for line in run.error_lines(os.curdir):
        click.echo(f"catalog: error: {line}", err=True)
    plans = {id(plan.environment): plan for plan in run.plans}
    from catalog.pin.resolve import PinPlan

    decisions = [decide(plans.get(id(env)) or PinPlan(env, []), ledger) for env in chosen]
    commit, remote = git.head_commit(config.base_dir), git.remote_url(config.base_dir)
    now = datetime.datetime.now(datetime.timezone.utc)
    released = 0
    for decision in decisions:
        if decision.action != NEW or dry_run:
            if decision.action in (FAILED, REFUSED):
                click.echo(one_line(f"catalog: error: {decision.line()}"), err=True)
            elif decision.action != UNCHANGED or verbose:
                click.echo(("would release: " if dry_run and decision.action == NEW else "") + decision.line())
            continue
        try:
            target = make_release(decision, ledger, config.base_dir, lookups, now, commit, remote)
        except (OSError, ValueError, RecordRefused) as exc:
            decision.action, decision.reason = FAILED, f"cannot write the release: {exc}"
            click.echo(one_line(f"catalog: error: {decision.line()}"), err=True)
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
    click.echo(f"{plural(len(decisions), 'environment')}: {new if dry_run else released} "
               f"{'to release' if dry_run else 'released'}, "
               f"{sum(1 for d in decisions if d.action == UNCHANGED)} unchanged, {failed} failed or refused")
    return EXIT_FINDINGS if failed else EXIT_CLEAN
