"""Generate the catalog site: the loaded catalog becomes Markdown pages and JSON files.

The output directory is MkDocs' ``docs_dir`` (also Zensical's): one page per
environment under ``environments/``, the home table, tags, deprecations and rules
pages, ``catalog.json``, ``feed.xml`` and the site's own JavaScript and CSS. Nothing
here imports MkDocs; the MkDocs plugin only calls ``generate_site``.

A run is incremental (see ``catalog.site.cache``): environments whose inputs did not
change are neither parsed nor rendered, and a page about the whole catalog is rendered
again only when something it shows changed. Many environments to parse are shared
among forked workers; each renders its share with the links it can guess (a page's
slug is its environment's name), and the parent renders again the few pages whose
guess was wrong.
"""

from __future__ import annotations

import datetime
import os
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from catalog import __version__
from catalog.finding import internal_error, plural
from catalog.forking import fork_is_safe, map_forked_shares
from catalog.model import EnvironmentAsset, load_environment
from catalog.site.cache import EnvironmentCache, EnvironmentEntry, Print, fingerprint, now_ns, scan_catalog, tree_items
from catalog.site.feed import atom_feed, environment_feed_entries
from catalog.site.history import CatalogHistory
from catalog.site.output import STATE_DIR, SiteWriter, read_manifest, refuse_linked_directories, refuse_linked_state
from catalog.site.paths import assign_slugs, slug_for
from catalog.site.record import describe
from catalog.site.render import (
    ENVIRONMENTS_DIR,
    FACETS,
    PageLinks,
    Templates,
    catalog_entry_json,
    facet_values,
    natural_key,
    package_rows,
    packages_listing_json,
    render_environment_page,
    render_row,
    render_version_pages,
    rows_markup,
    tag_listing_json,
    tag_sections,
    version_page,
)

GENERATOR_VERSION = 3  # bump when generated output changes without a template change
PARALLEL_MIN = 200  # below this many environments to parse, workers cost more than they save
DOCKERFILE_BATCH = 64  # environments loaded before any is rendered (see _build_share)
ASSETS = ("catalog.js", "catalog.css")
# (key, label, class): the home table's columns; the class sets a column's width.
HOME_COLUMNS = (("name", "Environment", "name"), ("version", "Latest version", "version"), ("os", "OS", "os"),
                ("python", "Python", "python"), ("framework", "Framework", "framework"),
                ("compute", "CPU/GPU", "compute"), ("purpose", "Purpose", "purpose"), ("status", "Status", "status"),
                ("verified", "Last verified build", "verified"))
# Pages about the whole catalog, and what each one shows of an environment.
CATALOG_PAGES = ("index.md", "catalog.json", "feed.xml", "deprecations.md", "tags.md", "packages.md")
STATIC_PAGES = ("rules.md", *(f"assets/catalog/{name}" for name in ASSETS))


@dataclass
class SiteOptions:
    out_dir: Path
    roots: list[Path]
    base_dir: Path
    reports_dir: Path
    releases_dir: Path | None = None  # the release ledger; None: no versions released
    directory_urls: bool = True
    site_name: str = "Curated environments"
    site_url: str | None = None
    today: datetime.date | None = None
    workers: int | None = None  # None: as many as useful, up to 4
    changed: list[Path] | None = None  # only these paths changed since the last run (a watcher knows)


@dataclass
class SiteResult:
    out_dir: Path
    environments: int
    parsed: int  # environments parsed (and their pages rendered) this run
    written: list[str]
    removed: list[str]
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)  # every file the output holds now, relative

    def summary(self) -> str:
        return (f"{plural(self.environments, 'environment')}, {self.parsed} parsed; "
                f"{plural(len(self.written), 'file')} written, "
                f"{len(self.removed)} removed in {self.seconds:.2f} s")


@dataclass
class _Run:
    """What a run needs everywhere; forked workers inherit it."""

    options: SiteOptions
    templates: Templates
    writer: SiteWriter
    history: CatalogHistory
    today: datetime.date
    now_ns: int
    failures: list[str] = field(default_factory=list)  # environments left out: a bug, or unreadable

    @cached_property
    def ledger(self):
        from catalog.records.ledger import ReleaseLedger

        releases = self.options.releases_dir
        return ReleaseLedger(releases, self.options.base_dir) if releases is not None else None

    @cached_property
    def reports(self):
        from catalog.records.build_report import BuildReports

        return BuildReports(self.options.reports_dir, self.options.base_dir)


def generate_site(options: SiteOptions) -> SiteResult:
    started = time.perf_counter()
    out = options.out_dir
    out.mkdir(parents=True, exist_ok=True)
    refuse_linked_directories(
        out, (STATE_DIR, ENVIRONMENTS_DIR, *{os.path.dirname(page) for page in STATIC_PAGES} - {""})
    )
    refuse_linked_state(out)
    templates = Templates.for_run()
    cache = EnvironmentCache.load(out, _generator_key(options, templates))
    run = _Run(options, templates, SiteWriter(out, read_manifest(out)), CatalogHistory(options.base_dir, options.roots),
               options.today or datetime.date.today(), now_ns())
    current, stale = _plan(options, cache, run)
    built = _build_all(stale, {key: PageLinks(*cache[key].links) for key in stale if key in cache}, run)
    current -= {key for key in stale if key not in built}  # gone, or not an environment after all
    site = _Catalog(cache, current, built)
    _settle_links(site, run)
    _write_catalog_pages(site, run, _changed_pages(site, run))
    site.forget_old_pages(run.writer)
    if options.changed is None:
        _restore_missing_pages(site, run)
    removed = run.writer.finish(tidy=options.changed is None)
    changes: dict[str, tuple | None] = {key: None for key in cache.packed if key not in current}
    for key, entry in site.fresh.items():
        packed = entry.pack()
        if packed != cache.packed.get(key):
            changes[key] = packed
    provisional = any(entry.provisional for entry in site.fresh.values()) or any(
        packed[2] for key, packed in cache.packed.items() if key in current and key not in site.fresh)
    head = run.history.head if provisional else cache.head
    cache.save(out, changes, site.sorted_keys(), site.facet_counts(), head, run.today.isoformat(), rules_print())
    problems = run.failures + [problem for key in site.sorted_keys() for problem in site.problems(key)]
    return SiteResult(out, len(current), site.parsed, run.writer.written, removed, problems,
                      time.perf_counter() - started, sorted(run.writer.generated))


def _generator_key(options: SiteOptions, templates: Templates) -> tuple:
    return (
        GENERATOR_VERSION,
        __version__,
        str(options.reports_dir),
        str(options.releases_dir),
        options.directory_urls,
        options.site_name,
        options.site_url,
        str(options.base_dir),
        tuple(templates.digest_source()),
    )


# --- what changed ---------------------------------------------------------------------


def _plan(options: SiteOptions, cache: EnvironmentCache, run: _Run) -> tuple[set[str], dict[str, Print | None]]:
    """The environments of the catalog now, and those to parse again (with their trees, when known)."""
    if options.changed is not None and cache.packed:
        touched = _touched(options, cache)
        if touched is not None:
            stale: dict[str, Print | None] = {}
            for key in touched:
                tree = tree_items(os.path.dirname(key)) if os.path.isfile(key) else None
                stale[key] = tree
            return set(cache.packed), stale
    unreadable: list[tuple[str, str]] = []
    trees = scan_catalog(options.roots, with_trees=bool(cache.packed), unreadable=unreadable)
    run.failures += [f"{run.history.relative(Path(directory))}: cannot read directory ({reason}); "
                     f"environments in it are left out" for directory, reason in unreadable]
    stale = {}
    head_moved = None
    for key, tree in trees.items():
        if key not in cache:
            stale[key] = tree
            continue
        cached = cache.packed[key]
        if not cached[0] or tree is None or fingerprint(tree, cache.inputs(key), run.now_ns) != cached[0]:
            stale[key] = tree
        elif cached[2]:  # dates from file times: git may know better now
            head_moved = run.history.head != cache.head if head_moved is None else head_moved
            if head_moved:
                stale[key] = tree
    return set(trees), stale


def _touched(options: SiteOptions, cache: EnvironmentCache) -> set[str] | None:
    """The environments a watcher's changed paths belong to; None when that takes a full look."""
    by_path = {os.path.dirname(key): key for key in cache.packed}
    for key in cache.packed:
        for path in cache.inputs(key):
            by_path.setdefault(path, key)
    reports = os.path.abspath(options.reports_dir)
    touched: set[str] = set()
    for changed in options.changed or []:
        probe = os.path.abspath(changed)
        while probe not in by_path and os.path.dirname(probe) != probe:
            probe = os.path.dirname(probe)
        if probe in by_path:
            touched.add(by_path[probe])
        elif os.path.dirname(os.path.abspath(changed)) != reports:  # a report of no environment is no change
            return None  # an environment may have appeared or gone
    return touched


# --- parsing and rendering environments ---------------------------------------------------


def _guess_links(name: str, deprecation: dict | None, run: _Run) -> PageLinks:
    """The links a page most likely needs; the parent corrects the rare wrong guess."""
    replacement = deprecation["replacement"] if deprecation else None
    return PageLinks(slug_for(name), slug_for(replacement) if replacement else None,
                     run.today.isoformat() if deprecation else None, run.options.directory_urls)


def _load(key: str, tree: Print | None) -> tuple[Print | None, EnvironmentAsset | None]:
    """(what the environment's directory holds, the environment or None if it is gone).

    Its files are looked at before they are read, so a change while it is being read
    shows as a change next time.
    """
    tree = tree or tree_items(os.path.dirname(key))
    return tree, load_environment(Path(key)) if tree is not None and os.path.isfile(key) else None


def _build_one(key: str, tree: Print | None, run: _Run, links: PageLinks | None = None, loaded=None):
    """Parse, render and write one environment; None if it is gone.

    (entry, [(page, file info, whether it was written), ...]): its page, then a page per
    released version. ``loaded`` is what ``_load`` returned, when the caller loaded it already.
    """
    tree, env = loaded or _load(key, tree)
    if env is None or tree is None:
        return None
    record = describe(env, run.reports, run.history, run.ledger)
    entry = record.entry
    links = links or _guess_links(entry["name"], entry["deprecation"], run)
    pages = [(links.page, render_environment_page(run.templates, record, links)),
             *render_version_pages(run.templates, record, links)]
    written = []
    for page, text in pages:
        writes = len(run.writer.written)
        info = run.writer.write(page, text.encode("utf-8"))
        written.append((page, info, len(run.writer.written) > writes))
    report = run.reports.directory(entry["name"])
    inputs = (os.path.abspath(report),) if report else ()  # the model reads nothing outside the asset
    if run.ledger is not None and report:  # its released versions, a directory per version
        inputs += (os.path.abspath(run.ledger.name_directory(entry["name"])),)
    deprecation = entry["deprecation"]
    built = EnvironmentEntry(
        fingerprint=fingerprint(tree, inputs, run.now_ns),
        inputs=inputs,
        links=tuple(links),
        provisional=record.provisional_dates,
        page=links.page,
        problems=tuple(record.problems),
        name=entry["name"],
        description=entry["description"],
        status=entry["status"],
        latest_version=entry["latest_version"],
        deprecation=(deprecation["replacement"], deprecation["delete_on"]) if deprecation else None,
        dates=(entry["dates"]["added"], entry["dates"]["version"], entry["dates"]["deprecated"],
               tuple((v["label"], v["date"]) for v in reversed(entry["versions"]) if v["released"] and v["date"])),
        facets=tuple(tuple(values) for values in facet_values(entry).values()),
        row=render_row(run.templates, entry, links),
        json=catalog_entry_json(entry, links),
        tag_listing=tag_listing_json(entry, links),
        released=tuple(v["label"] for v in entry["versions"] if v["released"]),
        packages=packages_listing_json(entry, links),
    )
    return built, written


def _build_share(keys: list[str], trees: dict[str, Print | None], links: dict[str, PageLinks], run: _Run) -> list:
    """(key, entry, [(page, file info, whether it was written), ...]) for each environment;
    (key, None, why) for one that failed."""
    results = []
    for start in range(0, len(keys), DOCKERFILE_BATCH):
        batch = keys[start:start + DOCKERFILE_BATCH]
        loaded: dict[str, tuple[Print | None, EnvironmentAsset | None]] = {}
        for key in batch:
            try:
                loaded[key] = _load(key, trees[key])
                env = loaded[key][1]
                if env is not None:
                    # The Dockerfile parser (BuildKit's, in Go) takes a few times longer when called
                    # between long stretches of Python: parse the batch's Dockerfiles one after another.
                    env.dockerfile  # noqa: B018 (a cached property)
            except Exception:  # noqa: BLE001 (_build_one meets it again, and reports it)
                loaded.pop(key, None)
        for key in batch:
            try:
                built = _build_one(key, trees[key], run, links.get(key), loaded.get(key))
            except Exception as exc:  # noqa: BLE001 - one environment's bug must not take the site down
                results.append((key, None, _failure(key, exc)))
                continue
            if built is not None:
                results.append((key, *built))
    return results


def _failure(key: str, error: Exception) -> str:
    return internal_error("generating the page of", Path(key), error)


def _rebuild(site: _Catalog, key: str, run: _Run, links: PageLinks) -> None:
    """Render an environment's page again (with other links, say)."""
    try:
        rebuilt = _build_one(key, None, run, links)
    except Exception as exc:  # noqa: BLE001 - as in _build_share
        run.failures.append(_failure(key, exc))
        return
    if rebuilt is not None:
        site.replace(key, rebuilt[0])


def _build_all(stale: dict[str, Print | None], links: dict[str, PageLinks], run: _Run) -> dict[str, tuple]:
    """key -> (entry, the pages it wrote) for each stale environment still there.

    An environment keeps the links it had (if its name changed, the parent corrects them);
    a new one gets the links its name suggests.
    """
    keys = sorted(stale)
    workers = run.options.workers or min(os.cpu_count() or 1, 4)
    if len(keys) >= PARALLEL_MIN and workers > 1 and fork_is_safe():
        results = _build_in_workers(keys, stale, links, run, workers)
    else:
        results = _build_share(keys, stale, links, run)
    run.failures += [why for _, entry, why in results if entry is None]
    return {key: (entry, [page for page, _, written in pages if written]) for key, entry, pages in results
            if entry is not None}


def _build_in_workers(keys: list[str], trees: dict[str, Print | None], links: dict[str, PageLinks], run: _Run,
                      workers: int) -> list:
    run.history.prepare()
    run.templates.markdown, run.templates.html, run.templates.text  # noqa: B018 (load once, before forking)
    if run.ledger is not None:
        run.ledger.names()  # read the ledger once, before forking
    results = map_forked_shares(lambda index, shares: _build_share(keys[index::shares], trees, links, run), workers)
    for _, entry, pages in results:  # the workers wrote these pages
        if entry is not None:
            for page, info, written in pages:
                run.writer.adopt(page, info, written)
    return results


# --- the catalog as a whole ---------------------------------------------------------------


_PACKED = {
    "page": 3,
    "row": 6,
    "json": 7,
    "tag_listing": 8,
    "released": 9,
    "packages": 10,
}  # in EnvironmentEntry.pack()


class _Catalog:
    """The environments of this run: those parsed now and those from the cache."""

    def __init__(self, cache: EnvironmentCache, keys: set[str], built: dict[str, tuple]) -> None:
        self.cache = cache
        self.keys = keys
        self.fresh: dict[str, EnvironmentEntry] = {key: entry for key, (entry, _) in built.items()}
        self.written_pages = {page: key for key, (_, pages) in built.items() for page in pages}
        self.parsed = len(built)
        self.order = cache.order if set(cache.order) == keys else []
        self._facets: list[dict[str, int]] | None = None

    def __getitem__(self, key: str) -> EnvironmentEntry:
        return self.fresh[key] if key in self.fresh else self.cache[key]

    def replace(self, key: str, entry: EnvironmentEntry) -> None:
        self.fresh[key] = entry
        self.parsed += 1

    def problems(self, key: str) -> tuple[str, ...]:
        return self.fresh[key].problems if key in self.fresh else self.cache.problems(key)

    def field(self, key: str, name: str):
        """A field of an environment's entry (page, row, json, listings), without decoding a cached entry."""
        return getattr(self.fresh[key], name) if key in self.fresh else self.cache.packed[key][_PACKED[name]]

    def pages(self, key: str, links: PageLinks | None = None) -> list[str]:
        """The pages of an environment (with ``links``, or those it has): its own, then one per released version."""
        page = links.page if links is not None else self.field(key, "page")
        return [page, *(version_page(page, label) for label in self.field(key, "released"))]

    def structure_changed(self) -> bool:
        """Whether environments came, went, or changed what other pages link to."""
        if self.keys != set(self.cache.packed):
            return True
        for key, entry in self.fresh.items():
            old = self.cache[key]
            if (old.name, old.deprecation and old.deprecation[0]) != (
                entry.name,
                entry.deprecation and entry.deprecation[0],
            ):
                return True
        return False

    def facet_counts(self) -> list[dict[str, int]]:
        """For each facet, how many environments have each value (the home page's filter options)."""
        if self._facets is None:
            self._facets = self._count_facets()
        return self._facets

    def _count_facets(self) -> list[dict[str, int]]:
        if self.cache.facets is None or self.keys != set(self.cache.packed):
            counts: list[dict[str, int]] = [{} for _ in FACETS]
            changed: dict[str, tuple[tuple | None, tuple]] = {key: (None, self[key].facets) for key in self.keys}
        else:
            counts = [dict(values) for values in self.cache.facets]
            changed = {key: (self.cache[key].facets, entry.facets) for key, entry in self.fresh.items()}
        for old, new in changed.values():
            for index, values in enumerate(old or ()):
                for value in values:
                    counts[index][value] -= 1
            for index, values in enumerate(new):
                for value in values:
                    counts[index][value] = counts[index].get(value, 0) + 1
        return [{value: n for value, n in values.items() if n > 0} for values in counts]

    def sorted_keys(self) -> list[str]:
        if not self.order:
            self.order = sorted(self.keys, key=lambda k: (self[k].name.lower(), self[k].name, self[k].links[0]))
        return self.order

    def forget_old_pages(self, writer: SiteWriter) -> None:
        """Pages of environments that are gone, or moved to another slug, are no longer generated."""
        current = {page for key in self.keys for page in self.pages(key)}
        for page in [p for p in writer.generated if p.startswith(f"{ENVIRONMENTS_DIR}/") and p not in current]:
            writer.drop(page)


def _settle_links(site: _Catalog, run: _Run) -> None:
    """Give environments their final slugs and links; render again where a guess was wrong.

    Links are worked out for the whole catalog only when its structure changed (or the
    day did, for the days left to deprecated environments); otherwise the environments
    parsed now keep the links they had.
    """
    today = run.today.isoformat()
    if site.structure_changed() or site.cache.today != today or not site.cache.packed:
        site.order = []
        final = _all_links(site, run)
    else:
        final = {key: PageLinks(*site.cache[key].links) for key in site.fresh}
    owners = {page: key for key, links in final.items() for page in site.pages(key, links)}
    overwritten = {owners[page] for page, writer_key in site.written_pages.items()
                   if page in owners and owners[page] != writer_key}
    for key, links in final.items():
        if tuple(links) == site[key].links and key not in overwritten:
            continue
        _rebuild(site, key, run, links)


def _all_links(site: _Catalog, run: _Run) -> dict[str, PageLinks]:
    slugs = assign_slugs([(key, site[key].name) for key in site.keys])
    first_by_name: dict[str, str] = {}
    for key in sorted(site.keys, key=lambda k: slugs[k]):
        first_by_name.setdefault(site[key].name, key)
    final = {}
    for key in site.keys:
        deprecation = site[key].deprecation
        target = first_by_name.get(deprecation[0]) if deprecation and deprecation[0] else None
        final[key] = PageLinks(slugs[key], slugs[target] if target else None,
                               run.today.isoformat() if deprecation else None, run.options.directory_urls)
    return final


def _changed_pages(site: _Catalog, run: _Run) -> set[str]:
    """The pages about the whole catalog that show something that changed."""
    if site.structure_changed() or not site.cache.packed or not site.cache.order:
        return set(CATALOG_PAGES) | set(STATIC_PAGES)
    changed = set()
    if site.cache.today != run.today.isoformat():
        changed.add("deprecations.md")
    for key, new in site.fresh.items():
        old = site.cache[key]
        if (old.row, old.facets) != (new.row, new.facets):
            changed.add("index.md")
        if old.json != new.json:
            changed.add("catalog.json")
        if _feed_view(old) != _feed_view(new):
            changed.add("feed.xml")
        if (old.deprecation, old.links) != (new.deprecation, new.links):
            changed.add("deprecations.md")
        if old.tag_listing != new.tag_listing:
            changed.add("tags.md")
        if old.packages != new.packages:
            changed.add("packages.md")
    if site.cache.rules != rules_print():
        changed.add("rules.md")
    out = run.writer.out
    for page in (*CATALOG_PAGES, *STATIC_PAGES):  # deleted behind our back?
        if page not in run.writer.previous or (run.options.changed is None and not (out / page).is_file()):
            changed.add(page)
    return changed


def rules_print() -> list:
    """(file, size, mtime) of the rules' sources: the rules page changes with their docstrings."""
    import catalog.lint.rules

    directory = Path(catalog.lint.rules.__file__).parent
    return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in directory.glob("*.py"))


def _feed_view(entry: EnvironmentEntry) -> tuple:
    return (entry.name, entry.description, entry.latest_version, entry.deprecation, entry.dates, entry.links[0])


def _write_catalog_pages(site: _Catalog, run: _Run, pages: set[str]) -> None:
    templates, writer, options = run.templates, run.writer, run.options

    def write(relative: str, content) -> None:
        writer.write(relative, content.encode("utf-8") if isinstance(content, str) else content)

    keys = site.sorted_keys() if pages & set(CATALOG_PAGES) else []
    if "index.md" in pages:
        counts = site.facet_counts()
        facets = [(key, label, sorted(counts[i], key=natural_key)) for i, (key, label) in enumerate(FACETS)]
        deprecated = counts[[key for key, _ in FACETS].index("status")].get("deprecated", 0)
        table = templates.fragment("home-table.html.j2", facets=facets, columns=HOME_COLUMNS, count=len(keys),
                                   rows=rows_markup([site.field(key, "row") for key in keys]))
        write("index.md", templates.page("home.md.j2", table=table, count=len(keys), deprecated=deprecated))
    if "catalog.json" in pages:
        write("catalog.json", '{"version": 1, "environments": [\n' + ",\n".join(site.field(key, "json") for key in keys)
              + "\n]}\n")
    if "feed.xml" in pages:
        feed = [item for key in keys for item in environment_feed_entries(site[key], PageLinks(*site[key].links))]
        write("feed.xml", atom_feed(feed, options.site_name, options.site_url))
    if "deprecations.md" in pages:
        write("deprecations.md", templates.page("deprecations.md.j2", today=run.today.isoformat(),
                                                **_deprecation_groups(site, keys, run.today)))
    if "tags.md" in pages:
        sections = tag_sections([site.field(key, "tag_listing") for key in keys])
        write("tags.md", templates.page("tags.md.j2", sections=sections))
    if "packages.md" in pages:
        listings = [site.field(key, "packages") for key in keys]
        names = sorted(
            {site[key].name for key, listing in zip(keys, listings, strict=False) if listing}, key=natural_key
        )
        # links in raw HTML are relative to the page's URL: packages/ with directory URLs
        write("packages.md", templates.page("packages.md.j2", rows=package_rows(listings), environments=names,
                                            root="../" if options.directory_urls else ""))
    if "rules.md" in pages:
        from catalog.builds.policy import POLICY
        from catalog.lint.rules import all_rules

        write("rules.md", templates.page("rules.md.j2", rules=all_rules(), policy=POLICY))
    for name in ASSETS:
        if f"assets/catalog/{name}" in pages:
            write(f"assets/catalog/{name}", (templates.directory / "assets" / name).read_bytes())


def _restore_missing_pages(site: _Catalog, run: _Run) -> None:
    """A full run puts back environment pages deleted or changed behind its back."""
    out = str(run.writer.out) + os.sep
    for key in site.keys:
        if key not in site.fresh and not all(_intact(out, page, run.writer.previous.get(page))
                                             for page in site.pages(key)):
            _rebuild(site, key, run, PageLinks(*site[key].links))


def _intact(out: str, page: str, info) -> bool:
    """Whether a page the last run wrote is still there at the size it had (or was never written)."""
    if info is None:
        return True
    try:
        return os.stat(out + page).st_size == info[1]
    except OSError:
        return False


def _deprecation_groups(site: _Catalog, keys: list[str], today: datetime.date) -> dict[str, list[dict]]:
    pages: dict[str, str] = {}
    deprecated = []
    for key in keys:
        entry = site[key]
        pages.setdefault(entry.name, entry.page)
        if entry.deprecation:
            deprecated.append(entry)
    groups: dict[str, list[dict]] = {"past": [], "upcoming": [], "undated": []}
    for entry in sorted(deprecated, key=lambda e: ((e.deprecation or (None, None))[1] or "9999", e.name)):
        replacement, day = entry.deprecation or (None, None)
        item = {
            "name": entry.name,
            "page": entry.page,
            "delete_on": day,
            "days": (datetime.date.fromisoformat(day) - today).days if day else None,
            "replacement": replacement,
            "replacement_page": pages.get(replacement),
        }
        groups["undated" if day is None else "past" if item["days"] < 0 else "upcoming"].append(item)
    return groups
