"""What `mkdocs serve` watches: the paths that changed, for the generator to look at again.

A change matters when discovery (``catalog.model.discovery``) would see it: not in the
site's own output, not where discovery never looks, not in what is no part of a
definition. The generator is handed the changed paths, so only the environments they
belong to are parsed again.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from catalog.files import NOT_DEFINITION_DIRS, is_inside
from catalog.model.discovery import ASSET_FILE, searched


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


def start_observer(paths: list[Path], changes: ChangedPaths, roots: list[Path], ignored: Path, rebuilds=None):
    """A watchdog observer (MkDocs' own file watcher) that records changed paths.

    ``rebuilds``, when given, is (directories, rebuild): the observer stands in for
    MkDocs' own watcher there, calling ``rebuild`` for a change that matters.
    """
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    watched_roots = [os.path.abspath(root) for root in roots]
    skip = os.path.abspath(ignored)
    own, rebuild = rebuilds or ((), None)
    seen: dict[str, tuple | None] = {}  # path -> what its last change left, for telling real changes

    class Recorder(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return  # the generator reading files is no change
            found = [str(event.src_path), str(getattr(event, "dest_path", "") or "")]
            found = [path for path in found if path and _may_matter(path, watched_roots, skip)]
            if not found:
                return
            changes.add(*found)
            if rebuild is None or event.is_directory:
                return
            if any(is_inside(Path(path), Path(root)) and _changed(path, seen) for path in found for root in own):
                rebuild()

    observer = Observer()
    observer.daemon = True
    for path in paths:
        observer.schedule(Recorder(), str(path), recursive=True)
    observer.start()
    return observer


def _changed(path: str, seen: dict[str, tuple | None]) -> bool:
    """Whether ``path`` differs from when it was last seen. Reading a file new since its
    last read updates its access time, which inotify reports as a change: polling
    watchers, such as MkDocs' own, compare size and modification time instead."""
    try:
        info = os.lstat(path)
        state = (info.st_ino, info.st_size, info.st_mtime_ns)
    except OSError:
        state = None
    if seen.get(path, ()) == state:
        return False
    seen[path] = state
    return True


def _may_matter(path: str, roots: list[str], skip: str) -> bool:
    """Whether a change at ``path`` can change the site: not in the cache, not where
    discovery never looks (``.git``, ``.venv``, ... at the top of a root), not in what is
    no part of a definition (``__pycache__`` anywhere), not a file beside a root's
    environments (a log of `mkdocs serve` itself). Discovery's own rules decide."""
    if is_inside(Path(path), Path(skip)):
        return False
    for root in roots:
        if is_inside(Path(path), Path(root)) and path != root:
            parts = os.path.relpath(path, root).split(os.sep)
            if len(parts) == 1:
                return parts[0] == ASSET_FILE or os.path.isdir(path)
            return searched(parts[0]) and not any(part in NOT_DEFINITION_DIRS for part in parts)
    return True
