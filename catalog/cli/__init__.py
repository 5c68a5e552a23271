"""The ``catalog`` command: wiring only. Each command is a module of this package, listed
in ``COMMANDS`` and imported when it runs (or when --help lists it): `catalog lint` runs on
every commit and should not pay for importing the others. Only ``main`` decides exit
codes: 0 clean, 1 findings, 2 usage.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from catalog import __version__
from catalog.cli.common import EXIT_FINDINGS, EXIT_USAGE, UsageError

# command name -> "module:function" of the click command
COMMANDS = {
    "build": "catalog.cli.build:build",
    "hash": "catalog.cli.versions:hash_command",
    "init": "catalog.cli.init:init",
    "lint": "catalog.cli.lint:lint",
    "pin": "catalog.cli.versions:pin",
    "release": "catalog.cli.versions:release",
    "rules": "catalog.cli.rules:rules",
    "site": "catalog.cli.site:site",
}


class _CatalogGroup(click.Group):
    def list_commands(self, ctx) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, _, function = COMMANDS[name].partition(":")
        command: click.Command = getattr(importlib.import_module(module), function)
        return command


@click.group(cls=_CatalogGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="envcatalog")
def cli() -> None:
    """Lint, document and verify a catalog of curated environments."""


def main(argv: list[str] | None = None) -> None:
    from catalog.config import ConfigError

    try:
        code = cli.main(args=argv, prog_name="catalog", standalone_mode=False)
    except click.exceptions.Exit as exc:  # --help, --version
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = EXIT_USAGE
    except click.exceptions.Abort as exc:  # Ctrl-C (130), or SIGTERM while building (143)
        click.echo("catalog: interrupted", err=True)
        code = getattr(exc.__cause__ or exc.__context__, "exit_code", 130)
    except (UsageError, ConfigError) as exc:
        click.echo(f"catalog: error: {exc}", err=True)
        code = EXIT_USAGE
    except BrokenPipeError:
        code = EXIT_FINDINGS
    except Exception as exc:  # never show a traceback; say what happened and how to see more
        if os.environ.get("CATALOG_DEBUG"):
            raise
        click.echo(f"catalog: internal error: {type(exc).__name__}: {exc} (set CATALOG_DEBUG=1 for details)", err=True)
        code = EXIT_USAGE
    sys.exit(code or 0)
