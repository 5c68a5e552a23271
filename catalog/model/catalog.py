"""The catalog: every environment under the configured roots, loaded once."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from catalog.config import Config
from catalog.files import Within
from catalog.model.asset import EnvironmentAsset
from catalog.model.content_hash import rough_key
from catalog.model.discovery import ASSET_FILE, declares_other_type, find_asset_files, is_other_asset_type
from catalog.yaml_document import Document, parse_into, read_document

if TYPE_CHECKING:
    from catalog.records.build_report import BuildReports
    from catalog.records.ledger import ReleaseLedger


@dataclass
class Catalog:
    """Every environment under the configured roots, and the records kept of them."""

    roots: list[Path]
    environments: list[EnvironmentAsset]
    unreadable: list[tuple[Path, str]] = field(default_factory=list)  # directories not searched, and why
    config: Config | None = None  # where its records are; None for a tree read on its own
    # the real path of each environment's directory (symbolic links resolved), as loading found it
    real_directories: dict[str, EnvironmentAsset] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, config: Config, roots: list[Path] | None = None, extra_asset_dirs: Iterable[Path] = ()) -> Catalog:
        """The catalog under ``config``'s roots (or ``roots``), with its ledger and build reports."""
        catalog = load_catalog(config.root_paths if roots is None else roots, extra_asset_dirs)
        catalog.config = config
        return catalog

    @cached_property
    def ledger(self) -> ReleaseLedger:
        """The release ledger (``releases`` in the configuration)."""
        from catalog.records.ledger import ReleaseLedger  # read only when consulted

        config = self._configured()
        return ReleaseLedger(config.releases_path, config.base_dir)

    @cached_property
    def build_reports(self) -> BuildReports:
        """The build reports (``build-reports`` in the configuration)."""
        from catalog.records.build_report import BuildReports  # read only when consulted

        config = self._configured()
        return BuildReports(config.build_reports_path, config.base_dir)

    def _configured(self) -> Config:
        if self.config is None:
            raise ValueError("a catalog read without a configuration has no records")  # a bug, not the user's
        return self.config

    def in_directory(self, real_directory: str) -> EnvironmentAsset | None:
        """The environment whose directory is ``real_directory`` (a resolved path), if loaded."""
        if not self.real_directories and self.environments:
            self.real_directories = {os.path.realpath(env.directory): env for env in self.environments}
        return self.real_directories.get(real_directory)

    def named(self, name: str) -> list[EnvironmentAsset]:
        return self._by_name.get(name, [])

    @cached_property
    def equal_definitions(self) -> dict[str, list[EnvironmentAsset]]:
        """Content hash -> environments, where two or more share one."""
        return _by_hash(self.equal_candidates)

    @cached_property
    def equal_candidates(self) -> list[EnvironmentAsset]:
        """The environments that may share a content hash (their rough keys collide), in catalog order."""
        return equal_candidates(self.environments)

    def adopt_rough_keys(self, rough: dict[str, str | None]) -> None:
        """Every environment's rough key (by asset file), worked out elsewhere (forked workers):
        ``equal_candidates`` from them, as if worked out here."""
        self.__dict__["equal_candidates"] = _colliding(self.environments, lambda env: rough.get(str(env.asset_file)))
        self.__dict__.pop("equal_definitions", None)
        self.__dict__.pop("_equal_groups", None)

    def equal_to(self, environment: EnvironmentAsset) -> list[EnvironmentAsset]:
        """The group of environments whose definition is ``environment``'s (itself included); [] when none is."""
        return self._equal_groups.get(id(environment), [])

    @cached_property
    def _equal_groups(self) -> dict[int, list[EnvironmentAsset]]:
        return {id(environment): group for group in self.equal_definitions.values() for environment in group}

    @cached_property
    def by_image_name(self) -> dict[str, list[EnvironmentAsset]]:
        index: dict[str, list[EnvironmentAsset]] = {}
        for environment in self.environments:
            if environment.image_name is not None:
                index.setdefault(environment.image_name, []).append(environment)
        return index

    @cached_property
    def _by_name(self) -> dict[str, list[EnvironmentAsset]]:
        index: dict[str, list[EnvironmentAsset]] = {}
        for environment in self.environments:
            if environment.name is not None:
                index.setdefault(environment.name, []).append(environment)
        return index


def load_environment(asset_file: Path) -> EnvironmentAsset | None:
    """The environment in ``asset_file``'s directory, or None for another asset type."""
    if os.path.islink(asset_file) and not Within(asset_file.parent)(asset_file):
        doc = Document(asset_file)  # a link out of the asset: never read, reported as the file's problem
        doc._problem("asset.yaml is a symbolic link leading outside the asset directory; it is not read", 1, 1)
        return EnvironmentAsset(asset_file, doc)
    doc = read_document(asset_file)
    if not doc.problems:  # read
        if declares_other_type(doc.text):  # most assets of a mixed repository: not parsed at all
            return None
        parse_into(doc, doc.text)
    if is_other_asset_type(doc):
        return None
    return EnvironmentAsset(asset_file, doc)


def load_catalog(roots: list[Path], extra_asset_dirs: Iterable[Path] = ()) -> Catalog:
    seen: set[str] = set()
    real_directories: dict[str, EnvironmentAsset] = {}
    environments: list[EnvironmentAsset] = []
    unreadable: list[tuple[Path, str]] = []
    asset_files = [file for root in roots if os.path.isdir(root) for file in find_asset_files(root, unreadable)]
    asset_files += [directory / ASSET_FILE for directory in extra_asset_dirs]
    for asset_file in asset_files:
        key = os.path.realpath(asset_file)
        if key in seen:
            continue
        seen.add(key)
        try:
            environment = load_environment(asset_file)
        except Exception as exc:  # noqa: BLE001 - a bug on one asset must not hide the rest of the catalog
            environment = EnvironmentAsset.unloadable(asset_file, exc)
        if environment is not None:
            environments.append(environment)
            real_directories[os.path.dirname(key)] = environment
    return Catalog(list(roots), environments, unreadable, real_directories=real_directories)


def equal_candidates(environments: Iterable[EnvironmentAsset]) -> list[EnvironmentAsset]:
    """The environments whose cheap key (``content_hash.rough_key``) another one shares:
    only they can share a content hash. Grouped by key, in order of first appearance."""
    return _colliding(environments, rough_key)


def _colliding(environments: Iterable[EnvironmentAsset],
               key_of: Callable[[EnvironmentAsset], str | None]) -> list[EnvironmentAsset]:
    by_key: dict[str, list[EnvironmentAsset]] = {}
    for env in environments:
        key = key_of(env)
        if key is not None:
            by_key.setdefault(key, []).append(env)
    return [env for group in by_key.values() if len(group) > 1 for env in group]


def _by_hash(candidates: list[EnvironmentAsset]) -> dict[str, list[EnvironmentAsset]]:
    """Content hash -> the candidates that have it, where two or more do (only candidates,
    whose cheap keys collide, are parsed and hashed)."""
    groups: dict[str, list[EnvironmentAsset]] = {}
    for environment in candidates:
        groups.setdefault(environment.content_hash, []).append(environment)
    return {digest: envs for digest, envs in groups.items() if len(envs) > 1}
