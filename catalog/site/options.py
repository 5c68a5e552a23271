"""The site for the configured catalog ([tool.catalog] in pyproject.toml)."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from catalog.config import Config
from catalog.site.generate import SiteOptions, SiteResult, generate_site
from catalog.site.paths import UnsafePath


class SiteError(Exception):
    """The site cannot be generated (no catalog, an unwritable output); one line for the user."""


def site_options(config: Config, out_dir: Path | None = None, **overrides) -> SiteOptions:
    """Options for the configured catalog; ``out_dir`` defaults to ``site-dir``."""
    return SiteOptions(config, Path(out_dir) if out_dir is not None else config.base_dir / config.site_dir,
                       **overrides)


def generate_configured_site(config: Config, out_dir: Path | None = None,
                             today: datetime.date | None = None) -> SiteResult:
    return generate_checked(site_options(config, out_dir, today=today))


def generate_checked(options: SiteOptions) -> SiteResult:
    """``generate_site``, with what can go wrong as a ``SiteError`` of one line."""
    roots = options.config.root_paths
    if not any(root.is_dir() for root in roots):
        shown = ", ".join(os.path.relpath(root) for root in roots)
        raise SiteError(f"no catalog to document: {shown} is not a directory (set roots in [tool.catalog])")
    try:
        return generate_site(options)
    except UnsafePath as exc:
        raise SiteError(str(exc)) from None
    except OSError as exc:
        raise SiteError(f"{exc.filename or options.out_dir}: cannot write the site: {exc.strerror or exc}") from None
