"""Event handlers of the ``catalog`` MkDocs plugin; the work is in ``catalog.site``.

Before each build the catalog's pages are generated into ``docs_dir``; under ``mkdocs
serve`` the catalog roots and build reports are watched, and the paths that changed
are handed to the generator so that only those environments are looked at again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from catalog.mkdocs_plugin.config import CatalogConfig

log = logging.getLogger("mkdocs.plugins.catalog")


class ChangedPaths:
    """Paths a filesystem watcher reported since they were last taken."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: set[str] = set()

    def add(self, *paths: str) -> None:
        with self._lock:
            self._paths.update(p for p in paths if p)

    def take(self) -> list[Path]:
        with self._lock:
            paths, self._paths = self._paths, set()
        return [Path(p) for p in sorted(paths)]


class CatalogPlugin(BasePlugin[CatalogConfig]):
    def __init__(self) -> None:
        self.options = None
        self.changes: ChangedPaths | None = None  # set while `mkdocs serve` watches
        self.observer = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        from catalog.config import ConfigError, load_config
        from catalog.site import site_options

        explicit = Path(self.config.config_file) if self.config.config_file else None
        try:
            catalog_config = load_config(explicit, Path(config.config_file_path).parent)
        except ConfigError as exc:
            raise PluginError(str(exc)) from None
        self.options = site_options(catalog_config, Path(config.docs_dir), directory_urls=config.use_directory_urls,
                                    site_name=config.site_name, site_url=config.site_url or None)
        return None

    def on_pre_build(self, config: MkDocsConfig) -> None:
        if self.options is None:
            return
        from catalog.site import SiteError, generate_site

        changed = self.changes.take() if self.changes is not None and self.observer.is_alive() else None
        try:
            result = generate_site(replace(self.options, changed=changed))
        except (SiteError, OSError, ValueError) as exc:
            raise PluginError(f"catalog: cannot generate the site: {exc}") from None
        except Exception as exc:  # a bug: still one line for the user, never a traceback
            raise PluginError(f"catalog: cannot generate the site: internal error: {type(exc).__name__}: "
                              f"{exc}, please report") from None
        for problem in result.problems:
            log.warning(problem)
        log.info(f"catalog: {result.summary()}")

    def on_serve(self, server, config: MkDocsConfig, builder):
        if self.options is None or not self.config.watch:
            return server
        watched = [p for p in (*self.options.roots, self.options.reports_dir) if p.is_dir()]
        for path in watched:
            server.watch(str(path))
        self.changes = ChangedPaths()
        self.observer = _start_observer(watched, self.changes)
        return server

    def on_shutdown(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer = None


def _start_observer(paths: list[Path], changes: ChangedPaths):
    """A watchdog observer (MkDocs' own file watcher) that records changed paths."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    class Recorder(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return  # the generator reading files is no change
            changes.add(str(event.src_path), str(getattr(event, "dest_path", "") or ""))

    observer = Observer()
    observer.daemon = True
    for path in paths:
        observer.schedule(Recorder(), str(path), recursive=True)
    observer.start()
    return observer
