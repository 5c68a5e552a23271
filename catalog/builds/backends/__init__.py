"""The container tools ``catalog build`` drives, in the order it looks for them.

A backend is one module here whose ``BACKEND`` is a ``base.Builder`` subclass, and one
name in ``BACKENDS``: the ``--builder`` choices and the config schema's enum follow it
(a test holds the schema and the README to this list).
"""

from __future__ import annotations

import importlib
import shutil

from catalog.builds.backends.base import Builder

# Detection order: docker where a daemon answers (what a developer's machine most likely
# builds with), else the daemonless tools, as a CI machine without a daemon has them.
BACKENDS = ("docker", "podman", "buildah")


class NoBuilder(Exception):
    """No usable container tool: the CLI says so and exits 2."""


def backend(name: str) -> type[Builder]:
    """The ``Builder`` class of the backend ``name`` (one of ``BACKENDS``)."""
    if name not in BACKENDS:
        raise NoBuilder(f"--builder {name}: not one of {', '.join(BACKENDS)}")
    kind: type[Builder] = importlib.import_module(f"{__name__}.{name}").BACKEND
    return kind


def make_builder(name: str) -> Builder:
    kind = backend(name)
    executable = shutil.which(name)
    if executable is None:
        raise NoBuilder(f"--builder {name}: {name} is not installed (not found on PATH)")
    return kind(executable=executable)


def detect_builder() -> Builder:
    """The first backend in ``BACKENDS`` that is installed and answers."""
    passed_over = []
    for name in BACKENDS:
        executable = shutil.which(name)
        if executable is None:
            continue
        kind = backend(name)
        why_not = kind.passed_over(executable)
        if why_not is None:
            return kind(executable=executable)
        passed_over.append(why_not)
    raise NoBuilder(f"no container builder found: one of {', '.join(BACKENDS)} is needed "
                    f"(found: {'; '.join(passed_over) or 'none'}); install one or pass --builder")
