"""Pin environments: plan every template tag, ask each distinct lookup once (concurrently
across environments), write the answers in."""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from catalog.config import PinSettings
from catalog.finding import one_line
from catalog.model import EnvironmentAsset
from catalog.pin.http import HttpClient, HttpOptions, LookupFailed
from catalog.pin.lookups import Lookups
from catalog.pin.resolve import PinPlan, apply_answers, plan_pins
from catalog.records.lookup_cache import LookupCache, default_cache_dir

MAX_CONCURRENT_LOOKUPS = 8


@dataclass
class PinRun:
    plans: list[PinPlan]
    lookups: int  # distinct lookups answered (from the network or the cache)

    def error_lines(self, relative_to: str | None = None) -> list[str]:
        """One line per failure: environment, file:line:column, the tag and what failed."""
        return [one_line(f"{plan.environment.name}: {error.where(relative_to)}: {error.message}")
                for plan in self.plans for error in plan.errors]


def make_lookups(settings: PinSettings, offline: bool = False) -> Lookups:
    from catalog.pin.package_index import PackageIndex
    from catalog.pin.registry import RegistryClient

    http = HttpClient(HttpOptions(timeout=settings.timeout, deadline=settings.deadline, retries=settings.retries,
                                  ca_bundle=settings.ca_bundle))
    indexes: dict[str, PackageIndex] = {}

    def index_for(url: str) -> PackageIndex:
        if url not in indexes:
            indexes[url] = PackageIndex(http, url)
        return indexes[url]

    cache = LookupCache(settings.cache_dir or default_cache_dir(), settings.cache_ttl)
    return Lookups(RegistryClient(http, settings.registry_mirrors), index_for, cache, offline)


def pin_environments(envs: list[EnvironmentAsset], settings: PinSettings, offline: bool = False,
                     lookups: Lookups | None = None) -> PinRun:
    plans = [plan_pins(env, settings.index_url) for env in envs]
    lookups = lookups or make_lookups(settings, offline)
    queries = list({use.query.key: use.query for plan in plans for use in plan.uses}.values())

    def ask(query) -> None:
        with contextlib.suppress(LookupFailed):  # kept by the lookups; each use reports it below
            lookups.answer(query)

    if len(queries) > 1:
        with ThreadPoolExecutor(min(MAX_CONCURRENT_LOOKUPS, len(queries))) as pool:
            list(pool.map(ask, queries))
    for plan in plans:
        apply_answers(plan, lookups.answer)
    lookups.cache.save()
    return PinRun(plans, len(queries))
