"""Event handlers of the ``catalog`` MkDocs plugin; the work is in ``catalog.site``.

The plugin brings everything the catalog's pages need, so that ``plugins: [catalog,
search]`` under ``theme: material`` is the whole configuration: its theme overrides,
the Markdown extensions and its CSS and JavaScript (each unless mkdocs.yml has it),
and no web fonts unless mkdocs.yml chooses some (the site works offline).
Before each build the pages are generated into a cache directory outside ``docs_dir``
and handed to MkDocs as generated files: the docs directory stays the user's (their
own pages appear beside the catalog's, and win over a generated page at the same
path), and ``mkdocs serve`` does not see its own output as a change. Under ``mkdocs
serve`` the catalog roots and build reports are watched, and the paths that changed
are handed to the generator so that only those environments are looked at again.

Every failure reaches the user as one line naming the file, never as a traceback.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel

from catalog.files import is_inside
from catalog.mkdocs_plugin.config import CatalogConfig

if TYPE_CHECKING:  # the generator is imported when a build starts, not with the plugin
    from catalog.site.generate import SiteOptions
    from catalog.site.watch import ChangedPaths

log = logging.getLogger("mkdocs.plugins.catalog")

EXTRA_CSS = "assets/catalog/catalog.css"
EXTRA_JAVASCRIPT = "assets/catalog/catalog.js"
MATERIAL_DEFAULT_FONT = {"text": "Roboto", "code": "Roboto Mono"}  # fetched from fonts.googleapis.com


class CatalogPlugin(BasePlugin[CatalogConfig]):
    def __init__(self) -> None:
        self.options: SiteOptions | None = None  # set by on_config
        self.generated: list[str] = []  # files of the last generation, relative to the cache directory
        self.changes: ChangedPaths | None = None  # set while `mkdocs serve` watches
        self.observer = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        from catalog.config import ConfigError, load_config
        from catalog.site import site_options

        base = Path(config.config_file_path or ".").resolve().parent
        explicit = Path(self.config.config_file) if self.config.config_file else None
        try:
            catalog_config = load_config(explicit, base)
        except ConfigError as exc:
            raise PluginError(f"catalog: {exc}") from None
        except Exception as exc:  # noqa: BLE001 (the plugin never shows a traceback)
            raise PluginError(
                f"catalog: {explicit or base / 'pyproject.toml'}: cannot read the configuration: {exc}"
            ) from None
        out = Path(os.path.abspath(base / self.config.cache_dir))
        if is_inside(out, Path(config.docs_dir)):
            raise PluginError(f"catalog: cache_dir {out} is inside docs_dir {config.docs_dir}; "
                              "choose a directory outside it")
        self.options = site_options(catalog_config, out, directory_urls=config.use_directory_urls,
                                    site_name=config.site_name, site_url=config.site_url or None)
        _add_theme_overrides(config)
        _without_web_fonts(config)
        _add_markdown_extensions(config)
        _add_assets(config)
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        if self.options is None:
            return
        from catalog.site import SiteError, generate_checked

        watching = self.observer is not None and self.observer.is_alive()
        changed = self.changes.take() if watching and self.changes is not None else None
        try:
            result = generate_checked(replace(self.options, changed=changed))
        except SiteError as exc:
            raise PluginError(f"catalog: cannot generate the site: {exc}") from None
        except Exception as exc:  # noqa: BLE001 (a bug: still one line for the user, never a traceback)
            raise PluginError(f"catalog: cannot generate the site: internal error: {type(exc).__name__}: "
                              f"{exc}, please report") from None
        self.generated = result.files
        for problem in result.problems:
            log.warning(problem)
        log.info(f"catalog: {result.summary()}")

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        if self.options is None:
            return None
        from catalog.site.links import ENVIRONMENTS_DIR
        from catalog.site.output import read_manifest

        # Pages `catalog site` wrote into docs_dir earlier (for Zensical) are older copies of ours.
        stale = read_manifest(Path(config.docs_dir))
        for file in [f for f in files if f.src_uri in stale]:
            files.remove(file)
        out = str(self.options.out_dir)
        docs = Path(config.docs_dir).name
        for relative in self.generated:
            if files.get_file_from_path(relative) is not None:
                log.info(f"catalog: {docs}/{relative} is your own page; the generated one is left out")
                continue
            inclusion = (InclusionLevel.NOT_IN_NAV if relative.startswith(f"{ENVIRONMENTS_DIR}/")
                         else InclusionLevel.UNDEFINED)  # MkDocs puts the whole nav in every page
            files.append(File.generated(config, relative, abs_src_path=os.path.join(out, relative),
                                        inclusion=inclusion))
        return files

    def on_serve(self, server, /, *, config: MkDocsConfig, builder):
        if self.options is None or not self.config.watch:
            return server
        catalog = self.options.config
        watched = [p for p in (*catalog.root_paths, catalog.build_reports_path, catalog.releases_path) if p.is_dir()]
        out = self.options.out_dir
        # A root that holds the cache directory (roots = ["."]) is watched by our own
        # observer alone, which ignores the cache: else every build would start another.
        own = [path for path in watched if is_inside(out, path)]
        for path in watched:
            if not any(is_inside(path, root) for root in own):
                server.watch(str(path))
        from catalog.site.watch import ChangedPaths, start_observer

        self.changes = ChangedPaths()
        self.observer = start_observer(watched, self.changes, catalog.root_paths, out,
                                        (own, _rebuild_trigger(server)) if own else None)
        return server

    def on_shutdown(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer = None


def _add_theme_overrides(config: MkDocsConfig) -> None:
    """Our templates, after the user's custom_dir and before the theme's own."""
    from catalog.resources import resource_dir

    overrides = str(resource_dir("site_templates") / "overrides")
    dirs = config.theme.dirs
    if overrides not in dirs:
        dirs.insert(1 if config.theme.custom_dir else 0, overrides)


def _without_web_fonts(config: MkDocsConfig) -> None:
    """The site works offline: Material's default Google Fonts are turned off (fonts the
    user chose under ``theme.font`` stay)."""
    if config.theme.name == "material" and config.theme.get("font") == MATERIAL_DEFAULT_FONT:
        config.theme["font"] = False


def _add_markdown_extensions(config: MkDocsConfig) -> None:
    """What the generated pages need and mkdocs.yml does not name; the user's settings win."""
    from catalog.site.render import MARKDOWN_EXTENSIONS

    for name, options in MARKDOWN_EXTENSIONS.items():
        if name not in config.markdown_extensions:
            config.markdown_extensions.append(name)
            config.mdx_configs[name] = dict(options)


def _add_assets(config: MkDocsConfig) -> None:
    if EXTRA_CSS not in [str(item) for item in config.extra_css]:
        config.extra_css.append(EXTRA_CSS)
    if EXTRA_JAVASCRIPT not in [str(item) for item in config.extra_javascript]:
        config.extra_javascript.append(EXTRA_JAVASCRIPT)


def _rebuild_trigger(server):
    """Ask MkDocs' live-reload server for a rebuild, as its own watcher does (MkDocs 1.6)."""

    def rebuild() -> None:
        with server._rebuild_cond:
            server._want_rebuild = True
            server._rebuild_cond.notify_all()

    return rebuild
