"""What a lint rule may consult besides the environment it checks (every rule's ``ctx``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cached_property
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

    @property
    def ledger(self) -> ReleaseLedger:
        """The release ledger (``releases`` in the configuration)."""
        return self._records.ledger

    @property
    def build_reports(self) -> BuildReports:
        """The build reports (``build-reports`` in the configuration)."""
        return self._records.build_reports

    @cached_property
    def _records(self) -> Catalog:
        """The catalog's records: its own, or (read without a configuration) this run's."""
        if self.catalog.config is not None:
            return self.catalog
        return Catalog(self.catalog.roots, [], config=self.config)

    @property
    def equal_definitions(self) -> dict[str, list[EnvironmentAsset]]:
        """Content hash -> environments, where two or more share one."""
        return self.catalog.equal_definitions

    @property
    def by_image_name(self) -> dict[str, list[EnvironmentAsset]]:
        return self.catalog.by_image_name
