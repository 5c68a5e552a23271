"""What the commands share: exit codes, the usage error, and how a command line names
environments, days and lookups."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from catalog.model import EnvironmentAsset

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with the command line, the configuration or the files named on it."""


def split_list(values: tuple[str, ...]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def parse_day(text: str | None) -> datetime.date | None:
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--today {text!r} is not a date in the form YYYY-MM-DD") from None


def is_under(real_path: str, real_tops: list[str]) -> bool:
    """Whether the resolved ``real_path`` is one of the resolved ``real_tops`` or below one."""
    return any(real_path == top or real_path.startswith(top.rstrip(os.sep) + os.sep) for top in real_tops)


def under_any(path: Path, roots: list[Path]) -> bool:
    return is_under(os.path.realpath(path), [os.path.realpath(root) for root in roots])


def is_within(path: Path, directory: Path) -> bool:
    return is_under(os.path.realpath(path), [os.path.realpath(directory)])


def no_environments_under(where: Path | str, cwd: Path):
    shown = os.path.relpath(where, cwd) if isinstance(where, Path) else where
    raise UsageError(f"no environments found under {shown} "
                     "(an environment is a directory whose asset.yaml says type: environment)")


def chosen_environments(config, selectors: tuple[str, ...]):
    """The catalog, and the environments named (by name or directory); all when none are.

    A directory may be an environment's anywhere, or a tree of them: inside a configured
    root it is taken from the repository's catalog, outside every root it is a catalog of
    its own.
    """
    from catalog.model import Catalog, find_asset_files

    roots = config.root_paths
    directories = [selector for selector in selectors if os.path.isdir(selector)]
    if not any(root.is_dir() for root in roots) and (not selectors or len(directories) < len(selectors)):
        shown = ", ".join(os.path.relpath(root) for root in roots)
        raise UsageError(f"no catalog: {shown} is not a directory (set roots in [tool.catalog])")
    catalog = Catalog.open(config)
    if not selectors:
        if not catalog.environments:
            no_environments_under(", ".join(os.path.relpath(root) for root in roots), Path.cwd())
        return catalog, list(catalog.environments)
    by_directory = {os.path.realpath(env.directory): env for env in catalog.environments}
    chosen: list[EnvironmentAsset] = []
    seen: set[int] = set()
    for selector in selectors:
        found = catalog.named(selector)
        if not found and os.path.isdir(selector):
            assets = [asset.parent for asset in find_asset_files(Path(selector))]
            if under_any(Path(selector), roots):
                found = [by_directory[key] for key in map(os.path.realpath, assets) if key in by_directory]
            else:
                found = Catalog.open(config, [Path(selector)]).environments
        if not found:
            raise UsageError(f"no environment {selector!r} in the catalog (give a name or an environment's directory)")
        for env in found:
            if id(env) not in seen:
                seen.add(id(env))
                chosen.append(env)
    return catalog, chosen


# Every command that reads the configuration takes it from the same option.
config_option = click.option("--config", "config_file", type=click.Path(path_type=Path),
                             help="A pyproject.toml with [tool.catalog] (default: the nearest one).")


def lookup_options(command):
    """Options of every command that resolves template tags."""
    command = click.option("--offline", is_flag=True, help="Answer template tags from the lookup cache only; ask no "
                                                           "server.")(command)
    command = click.option("--registry-mirror", "mirrors", multiple=True, metavar="HOST=URL",
                           help="Ask URL for the images of registry HOST (repeatable), e.g. mcr.microsoft.com=http://127.0.0.1:5000.")(command)
    command = click.option("--index-url", metavar="URL", help="The package index's simple API (default: "
                                                              "[tool.catalog.pin] index-url).")(command)
    return config_option(command)


def load_lookup_config(config_file, mirrors: tuple[str, ...], index_url: str | None):
    """The configuration, with the command line's mirrors and index over [tool.catalog.pin]."""
    from catalog.config import load_config

    config = load_config(config_file, Path.cwd())
    for mirror in mirrors:
        host, equals, url = mirror.partition("=")
        if not equals or not host or not url.startswith(("http://", "https://")):
            raise UsageError(f"--registry-mirror {mirror!r}: expected HOST=URL, e.g. mcr.microsoft.com=http://127.0.0.1:5000")
        config.pin.registry_mirrors[host.lower()] = url
    if index_url is not None:
        if not index_url.startswith(("http://", "https://")):
            raise UsageError(f"--index-url {index_url!r}: expected an http:// or https:// URL")
        config.pin.index_url = index_url
    return config
