"""The tool's configuration: ``[tool.catalog]`` in the nearest pyproject.toml."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_ROOTS = ("environments",)
DEFAULT_REQUIRED_TAGS = ("OS", "Python")
DEFAULT_ALLOWED_REGISTRIES = ("mcr.microsoft.com",)
DEFAULT_SITE_DIR = "site-docs"
# Policy presets: defaults for the lint policy, which the keys of [tool.catalog] override.
PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    # The curated-environment rules at their strictest: bases from MCR only, OS and
    # Python tags on every environment.
    "envcatalog": {"allowed-registries": DEFAULT_ALLOWED_REGISTRIES, "required-tags": DEFAULT_REQUIRED_TAGS},
    # What the public azureml-assets repository holds itself to: bases from MCR, with
    # NVIDIA's CUDA images from nvcr.io and Docker Hub's official images for build
    # stages; tags are not required.
    "azureml-assets": {"allowed-registries": ("mcr.microsoft.com", "nvcr.io", "docker.io"), "required-tags": ()},
}
DEFAULT_PRESET = "envcatalog"
DEFAULT_BUILD_REPORTS = "build-reports"


DEFAULT_INDEX_URL = "https://pypi.org/simple/"
DEFAULT_RELEASES = "releases"


class ConfigError(Exception):
    """A configuration problem; the CLI reports it and exits with status 2."""


@dataclass
class PinSettings:
    """``[tool.catalog.pin]``: where template tags are looked up, and how patiently."""

    index_url: str = DEFAULT_INDEX_URL
    registry_mirrors: dict[str, str] = field(default_factory=dict)  # registry host -> base URL
    timeout: float = 10.0  # seconds, for connecting and for each read
    deadline: float = 60.0  # seconds for one lookup, every request and retry included
    retries: int = 3
    cache_dir: Path | None = None  # None: ~/.cache/envcatalog
    cache_ttl: float = 600.0  # seconds an answer is reused
    ca_bundle: str | None = None


@dataclass
class BuildSettings:
    """``[tool.catalog.build]``: how `catalog build` builds and what it refuses."""

    builder: str | None = None  # one of builds.backends.BACKENDS; None: detect
    jobs: int = 1
    timeout: float | None = 3600.0  # seconds per environment: build, checks and push
    ca_bundle: str | None = None  # mounted into RUN steps only, never into the image
    isolation: str | None = None  # buildah/podman --isolation; buildah defaults to chroot
    discard_images: bool = False
    policy: dict[str, str] = field(default_factory=dict)  # rule -> error, warning or off


@dataclass
class Config:
    base_dir: Path  # paths in the configuration are relative to this directory
    source: Path | None = None
    roots: tuple[str, ...] = DEFAULT_ROOTS
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_path_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    required_tags: tuple[str, ...] = DEFAULT_REQUIRED_TAGS
    allowed_registries: tuple[str, ...] = DEFAULT_ALLOWED_REGISTRIES
    naming_skip: re.Pattern | None = None
    site_dir: str = DEFAULT_SITE_DIR  # where `catalog site` writes pages (MkDocs' docs_dir)
    build_reports: str = DEFAULT_BUILD_REPORTS  # where build reports are read from
    releases: str = DEFAULT_RELEASES  # the release ledger
    pin: PinSettings = field(default_factory=PinSettings)
    build: BuildSettings = field(default_factory=BuildSettings)

    @property
    def build_reports_path(self) -> Path:
        return self.base_dir / self.build_reports

    @property
    def releases_path(self) -> Path:
        return self.base_dir / self.releases

    @property
    def root_paths(self) -> list[Path]:
        return [self.base_dir / root for root in self.roots]


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` that has a [tool.catalog] table."""
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                if "catalog" in read_toml(candidate).get("tool", {}):
                    return candidate
            except ConfigError:
                return candidate  # report the broken file rather than skip it
    return None


def load_config(explicit: Path | None = None, cwd: Path | None = None) -> Config:
    cwd = cwd or Path.cwd()
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: configuration file not found")
        path: Path | None = explicit
    else:
        path = find_pyproject(cwd)
    if path is None:
        return Config(base_dir=cwd)
    table = read_toml(path).get("tool", {}).get("catalog")
    if table is None:
        if explicit is not None:
            raise ConfigError(f"{path}: no [tool.catalog] table")
        return Config(base_dir=cwd)
    return _from_table(table, path)


def read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _from_table(table: dict, path: Path) -> Config:
    from catalog.schema import schema_errors

    for _, message in schema_errors(table, "config"):
        raise ConfigError(f"{path}: [tool.catalog] {message}")
    skip = None
    if "naming-skip" in table:
        try:
            skip = re.compile(table["naming-skip"])
        except re.error as exc:
            raise ConfigError(f"{path}: [tool.catalog] naming-skip: invalid regular expression: {exc}") from None
    preset = PRESETS[table.get("preset", DEFAULT_PRESET)]
    config = Config(base_dir=path.parent, source=path)
    config.roots = tuple(table.get("roots", DEFAULT_ROOTS))
    config.select = tuple(table.get("select", ()))
    config.ignore = tuple(table.get("ignore", ()))
    config.per_path_ignores = {glob: tuple(rules) for glob, rules in table.get("per-path-ignores", {}).items()}
    config.required_tags = tuple(table.get("required-tags", preset["required-tags"]))
    config.allowed_registries = tuple(table.get("allowed-registries", preset["allowed-registries"]))
    config.naming_skip = skip
    config.site_dir = table.get("site-dir", DEFAULT_SITE_DIR)
    config.build_reports = table.get("build-reports", DEFAULT_BUILD_REPORTS)
    config.releases = table.get("releases", DEFAULT_RELEASES)
    config.pin = _pin_settings(table.get("pin", {}), path.parent)
    config.build = _build_settings(table.get("build", {}), path.parent)
    return config


def _build_settings(table: dict, base_dir: Path) -> BuildSettings:
    settings = BuildSettings()
    settings.builder = table.get("builder")
    settings.jobs = int(table.get("jobs", settings.jobs))
    if "timeout" in table:
        settings.timeout = float(table["timeout"]) or None  # 0: no timeout
    if "ca-bundle" in table:
        settings.ca_bundle = str(base_dir / table["ca-bundle"])
    settings.isolation = table.get("isolation")
    settings.discard_images = bool(table.get("discard-images", False))
    settings.policy = dict(table.get("policy", {}))
    return settings


def _pin_settings(table: dict, base_dir: Path) -> PinSettings:
    settings = PinSettings()
    settings.index_url = table.get("index-url", DEFAULT_INDEX_URL)
    settings.registry_mirrors = {host.lower(): url for host, url in table.get("registry-mirrors", {}).items()}
    settings.timeout = float(table.get("timeout", settings.timeout))
    settings.deadline = float(table.get("deadline", max(settings.deadline, settings.timeout)))
    settings.retries = int(table.get("retries", settings.retries))
    settings.cache_ttl = float(table.get("cache-ttl", settings.cache_ttl))
    if "cache-dir" in table:
        settings.cache_dir = base_dir / table["cache-dir"]
    if "ca-bundle" in table:
        settings.ca_bundle = str(base_dir / table["ca-bundle"])
    return settings
