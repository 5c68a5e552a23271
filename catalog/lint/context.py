"""What a lint rule may consult besides the environment it checks (every rule's ``ctx``)."""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from catalog.config import Config
from catalog.model import Catalog, EnvironmentAsset

if TYPE_CHECKING:  # imported when first consulted: a run of rules that need neither skips them
    from catalog.records.build_report import BuildReports
    from catalog.records.ledger import ReleaseLedger


@dataclass
class LintContext:
    """The catalog (and its indexes), the configuration, the day, and the records."""

    catalog: Catalog
    config: Config
    today: datetime.date

    def __post_init__(self) -> None:
        if self.catalog.config is None:  # a tree read on its own: its records are where the configuration says
            self.catalog = replace(self.catalog, config=self.config)

    @property
    def has_ledger(self) -> bool:
        """Whether anything is where the ledger is kept; without it there is nothing to read
        (nor the ledger's reader to import)."""
        return os.path.lexists(self.config.releases_path)

    @property
    def has_build_reports(self) -> bool:
        return os.path.lexists(self.config.build_reports_path)

    @property
    def ledger(self) -> ReleaseLedger:
        """The release ledger (``releases`` in the configuration)."""
        return self.catalog.ledger

    @property
    def build_reports(self) -> BuildReports:
        """The build reports (``build-reports`` in the configuration)."""
        return self.catalog.build_reports

    def equal_to(self, environment: EnvironmentAsset) -> list[EnvironmentAsset]:
        """The environments whose definition is ``environment``'s, itself included; [] when none is."""
        return self.catalog.equal_to(environment)

    @property
    def by_image_name(self) -> dict[str, list[EnvironmentAsset]]:
        return self.catalog.by_image_name
