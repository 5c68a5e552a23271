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
    base = config.base_dir
    return SiteOptions(
        out_dir=Path(out_dir) if out_dir is not None else base / config.site_dir,
        roots=config.root_paths,
        base_dir=base,
        reports_dir=base / config.build_reports,
        releases_dir=config.releases_path,
        **overrides,
    )


def generate_configured_site(config: Config, out_dir: Path | None = None,
                             today: datetime.date | None = None) -> SiteResult:
    return generate_checked(site_options(config, out_dir, today=today))


def generate_checked(options: SiteOptions) -> SiteResult:
    """``generate_site``, with what can go wrong as a ``SiteError`` of one line."""
    if not any(root.is_dir() for root in options.roots):
        shown = ", ".join(os.path.relpath(root) for root in options.roots)
        raise SiteError(f"no catalog to document: {shown} is not a directory (set roots in [tool.catalog])")
    try:
        return generate_site(options)
    except UnsafePath as exc:
        raise SiteError(str(exc)) from None
    except OSError as exc:
        raise SiteError(f"{exc.filename or options.out_dir}: cannot write the site: {exc.strerror or exc}") from None
