"""Generate the catalog site: the run that turns the catalog into Markdown pages and JSON files.

The output directory is MkDocs' ``docs_dir`` (also Zensical's): the pages of
``catalog.site.pages`` (one per environment under ``environments/``, one per released
version, the home table, tags, deprecations, packages and rules pages, ``catalog.json``,
``feed.xml``) and the site's own JavaScript and CSS. Nothing here imports MkDocs; the
MkDocs plugin only calls ``generate_site``.

A run is incremental (see ``catalog.site.cache``): environments whose inputs did not
change are neither parsed nor rendered, and a page about the whole catalog is rendered
again only when a view it shows changed. A run has two rounds: the environments to parse
are loaded (enough to name them), the links of the whole catalog are settled from their
names and the cached names of the others, and then each is rendered with its final
links. Many environments are shared among forked workers, which keep what they loaded
from one round to the next.
"""

from __future__ import annotations

import datetime
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from catalog import __version__
from catalog.config import Config
from catalog.finding import internal_error, plural
from catalog.forking import fork_is_safe, map_forked_rounds
from catalog.model import Catalog, EnvironmentAsset, load_environment
from catalog.site.cache import CachedEnvironment, EnvironmentCache, Print, fingerprint, now_ns, scan_catalog, tree_items
from catalog.site.entry import naming, site_entry
from catalog.site.history import CatalogHistory
from catalog.site.links import ENVIRONMENTS_DIR, Naming, PageLinks, catalog_links
from catalog.site.output import STATE_DIR, SiteWriter, read_manifest, refuse_linked_directories, refuse_linked_state
from catalog.site.pages import PAGES, STATIC_PAGES, PageContext, environment_pages
from catalog.site.render import Templates

GENERATOR_VERSION = 4  # bump when generated output changes without a template change
PARALLEL_MIN = 200  # below this many environments to parse, workers cost more than they save
DOCKERFILE_BATCH = 64  # environments whose Dockerfiles are parsed before any is rendered (see _render_share)
KEEP_LOADED = 400  # environments a worker keeps loaded from the first round to the second (about 25 kB each)


@dataclass
class SiteOptions:
    config: Config  # the catalog: its roots, build reports and release ledger
    out_dir: Path
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
    context: PageContext
    writer: SiteWriter
    history: CatalogHistory
    catalog: Catalog  # its records; its environments are loaded one by one, only those that changed
    now_ns: int
    failures: list[str] = field(default_factory=list)  # environments left out: a bug, or unreadable


def generate_site(options: SiteOptions) -> SiteResult:
    started = time.perf_counter()
    out = options.out_dir
    out.mkdir(parents=True, exist_ok=True)
    refuse_linked_directories(
        out, (STATE_DIR, ENVIRONMENTS_DIR, *{os.path.dirname(page.path) for page in STATIC_PAGES} - {""})
    )
    refuse_linked_state(out)
    templates = Templates.for_run()
    config = options.config
    cache = EnvironmentCache.load(out, _generator_key(options, templates))
    today = options.today or datetime.date.today()
    run = _Run(options, PageContext(templates, today, options.site_name, options.site_url, options.directory_urls),
               SiteWriter(out, read_manifest(out)), CatalogHistory(config.base_dir, config.root_paths),
               Catalog(config.root_paths, [], config=config), now_ns())
    current, stale = _plan(cache, run)
    if options.changed is None:
        stale.update(dict.fromkeys(_damaged(cache, current - set(stale), run)))
    fresh, links = _build(current, stale, cache, run)
    current -= {key for key in stale if key not in fresh}  # gone, or not an environment after all
    site = _Site(cache, current, fresh, links)
    _write_catalog_pages(site, run)
    site.forget_old_pages(run.writer)
    removed = run.writer.finish(tidy=options.changed is None)
    changes: dict[str, tuple | None] = {key: None for key in cache.packed if key not in current}
    for key, entry in fresh.items():
        packed = entry.pack()
        if packed != cache.packed.get(key):
            changes[key] = packed
    head = run.history.head if any(site[key].provisional for key in current) else cache.head
    cache.save(out, changes, site.order, head, today.isoformat(), _static_sources())
    problems = run.failures + [problem for key in site.order for problem in site[key].problems]
    return SiteResult(out, len(current), len(fresh), run.writer.written, removed, problems,
                      time.perf_counter() - started, sorted(run.writer.generated))


def _generator_key(options: SiteOptions, templates: Templates) -> tuple:
    config = options.config
    return (
        GENERATOR_VERSION,
        __version__,
        str(config.build_reports_path),
        str(config.releases_path),
        options.directory_urls,
        options.site_name,
        options.site_url,
        str(config.base_dir),
        tuple(page.path for page in PAGES),
        tuple(templates.digest_source()),
    )


def _static_sources() -> dict[str, list]:
    return {page.path: page.sources() for page in STATIC_PAGES}


# --- what changed ---------------------------------------------------------------------


def _plan(cache: EnvironmentCache, run: _Run) -> tuple[set[str], dict[str, Print | None]]:
    """The environments of the catalog now, and those to parse again (with their trees, when known)."""
    options = run.options
    if options.changed is not None and cache.packed:
        touched = _touched(options, cache)
        if touched is not None:
            stale: dict[str, Print | None] = {}
            for key in touched:
                stale[key] = tree_items(os.path.dirname(key)) if os.path.isfile(key) else None
            return set(cache.packed), stale
    unreadable: list[tuple[str, str]] = []
    trees = scan_catalog(options.config.root_paths, with_trees=bool(cache.packed), unreadable=unreadable)
    run.failures += [f"{run.history.relative(Path(directory))}: cannot read directory ({reason}); "
                     f"environments in it are left out" for directory, reason in unreadable]
    stale = {}
    head_moved = None
    for key, tree in trees.items():
        if key not in cache:
            stale[key] = tree
            continue
        cached = cache[key]
        if not cached.fingerprint or tree is None or fingerprint(tree, cached.inputs, run.now_ns) != cached.fingerprint:
            stale[key] = tree
        elif cached.provisional:  # dates from file times: git may know better now
            head_moved = run.history.head != cache.head if head_moved is None else head_moved
            if head_moved:
                stale[key] = tree
    return set(trees), stale


def _touched(options: SiteOptions, cache: EnvironmentCache) -> set[str] | None:
    """The environments a watcher's changed paths belong to; None when that takes a full look."""
    by_path = {os.path.dirname(key): key for key in cache.packed}
    for key in cache.packed:
        for path in cache[key].inputs:
            by_path.setdefault(path, key)
    reports = os.path.abspath(options.config.build_reports_path)
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


def _damaged(cache: EnvironmentCache, keys: set[str], run: _Run) -> list[str]:
    """Environments whose pages were deleted or changed behind the last run's back (a full run puts them back)."""
    out = str(run.writer.out) + os.sep
    previous = run.writer.previous
    return [key for key in keys if key in cache
            and not all(_intact(out, page, previous.get(page)) for page in cache[key].pages)]


def _intact(out: str, page: str, info) -> bool:
    """Whether a page the last run wrote is still there at the size it had (or was never written)."""
    if info is None:
        return True
    try:
        return os.stat(out + page).st_size == info[1]
    except OSError:
        return False


# --- the two rounds: load and name, then render with the catalog's links -------------------


def _build(current: set[str], stale: dict[str, Print | None], cache: EnvironmentCache,
           run: _Run) -> tuple[dict[str, CachedEnvironment], dict[str, PageLinks]]:
    """(key -> what each environment rendered now made, the links of every environment).

    Besides the stale environments, those whose links changed (a name came or went) are
    rendered again.
    """
    keys = sorted(stale)
    loaded: dict[str, tuple[Print | None, EnvironmentAsset]] = {}  # a worker's own copy between rounds
    settled: dict[str, PageLinks] = {}

    def first(index: int, shares: int) -> list:
        return _load_share(keys[index::shares], stale, loaded)

    def between(namings: list) -> tuple[dict[str, PageLinks], list[str]]:
        run.failures += [why for _, found, why in namings if found is None and why]
        settled.update(_settle_links(current, stale, namings, cache, run))
        again = sorted(key for key in settled if key not in stale and settled[key] != cache[key].links)
        return settled, again

    def second(index: int, shares: int, answer: tuple[dict[str, PageLinks], list[str]]) -> list:
        links, again = answer
        return _render_share([*keys[index::shares], *again[index::shares]], stale, loaded, links, run)

    workers = run.options.workers or min(os.cpu_count() or 1, 4)
    if len(keys) >= PARALLEL_MIN and workers > 1 and fork_is_safe():
        run.history.prepare()  # ask git, read templates and the ledger once, before forking
        run.context.templates.markdown, run.context.templates.html, run.context.templates.text  # noqa: B018
        run.catalog.ledger.names()
        _, results = map_forked_rounds(first, second, between, workers)
        for _, entry, pages in results:  # the workers wrote these pages
            if entry is not None:
                for page, info, written in pages:
                    run.writer.adopt(page, info, written)
    else:
        answer = between(first(0, 1))
        results = second(0, 1, answer)
    run.failures += [why for _, entry, why in results if entry is None and why]
    return {key: entry for key, entry, _ in results if entry is not None}, settled


def _load(key: str, tree: Print | None) -> tuple[Print | None, EnvironmentAsset | None]:
    """(what the environment's directory holds, the environment or None if it is gone).

    Its files are looked at before they are read, so a change while it is being read
    shows as a change next time.
    """
    tree = tree or tree_items(os.path.dirname(key))
    return tree, load_environment(Path(key)) if tree is not None and os.path.isfile(key) else None


def _load_share(keys: list[str], trees: dict[str, Print | None],
                loaded: dict[str, tuple[Print | None, EnvironmentAsset]]) -> list[tuple[str, Naming | None, str]]:
    """(key, its naming, "") for each environment loaded; (key, None, why) for one that is
    gone (why is "") or failed. The first ``KEEP_LOADED`` stay loaded for the second round;
    the others are read again then (a large catalog would hold every parsed file in memory)."""
    found: list[tuple[str, Naming | None, str]] = []
    for key in keys:
        try:
            tree, env = _load(key, trees[key])
            if env is None:
                found.append((key, None, ""))
                continue
            found.append((key, naming(env), ""))
            if len(loaded) < KEEP_LOADED:
                loaded[key] = (tree, env)
        except Exception as exc:  # noqa: BLE001 - one environment's bug must not take the site down
            found.append((key, None, _failure(key, exc)))
    return found


def _settle_links(current: set[str], stale: dict[str, Print | None], namings: list, cache: EnvironmentCache,
                  run: _Run) -> dict[str, PageLinks]:
    """The links of every environment still there, from the names of the whole catalog.

    While no environment came, went or changed its name or replacement, and the day is
    the same, every environment keeps the links it had.
    """
    named = {key: found for key, found, _ in namings if found is not None}
    keys = (current - set(stale)) | set(named)
    if keys == set(cache.packed) and cache.today == run.context.today.isoformat() and all(
            cache[key].naming == found for key, found in named.items()):
        return {key: cache[key].links for key in keys}
    namings_now = {key: named[key] if key in named else cache[key].naming for key in keys}
    return catalog_links(namings_now, run.context.today, run.options.directory_urls)


def _render_share(keys: list[str], trees: dict[str, Print | None],
                  loaded: dict[str, tuple[Print | None, EnvironmentAsset]], links: dict[str, PageLinks],
                  run: _Run) -> list:
    """(key, entry, [(page, file info, whether it was written), ...]) for each environment;
    (key, None, why) for one that is gone (why is "") or failed."""
    results = []
    for start in range(0, len(keys), DOCKERFILE_BATCH):
        batch = [key for key in keys[start:start + DOCKERFILE_BATCH] if key in links]
        for key in batch:
            try:
                if key not in loaded:  # not kept from the first round, or not loaded in it (its links changed)
                    tree, env = _load(key, trees.get(key))
                    if env is None:
                        continue
                    loaded[key] = (tree, env)
                # The Dockerfile parser (BuildKit's, in Go) takes a few times longer when called
                # between long stretches of Python: parse the batch's Dockerfiles one after another.
                loaded[key][1].dockerfile  # noqa: B018 (a cached property)
            except Exception:  # noqa: BLE001 (_render_one meets it again, and reports it)
                loaded.pop(key, None)
        for key in batch:
            try:
                tree, env = loaded.pop(key) if key in loaded else _load(key, trees.get(key))
                if env is None or tree is None:
                    results.append((key, None, ""))
                    continue
                results.append((key, *_render_one(key, tree, env, links[key], run)))
            except Exception as exc:  # noqa: BLE001 - one environment's bug must not take the site down
                results.append((key, None, _failure(key, exc)))
    return results


def _render_one(key: str, tree: Print, env: EnvironmentAsset, links: PageLinks, run: _Run) -> tuple:
    """Render and write one environment's pages: (its cache entry, [(page, file info, written), ...])."""
    entry = site_entry(env, run.catalog, run.history)
    written = []
    for page, text in environment_pages(entry, links, run.context):
        writes = len(run.writer.written)
        info = run.writer.write(page, text.encode("utf-8"))
        written.append((page, info, len(run.writer.written) > writes))
    name = entry.data["name"]
    report = run.catalog.build_reports.directory(name)
    inputs: tuple[str, ...] = (os.path.abspath(report),) if report else ()  # the model reads nothing outside the asset
    if report:  # its released versions, a directory per version
        inputs += (os.path.abspath(run.catalog.ledger.name_directory(name)),)
    cached = CachedEnvironment(
        fingerprint=fingerprint(tree, inputs, run.now_ns),
        inputs=inputs,
        provisional=entry.provisional_dates,
        problems=tuple(entry.problems),
        naming=naming(env),
        links=links,
        released=tuple(v["label"] for v in entry.data["versions"] if v["released"]),
        views={page.path: page.view(entry, links, run.context) for page in PAGES},
    )
    return cached, written


def _failure(key: str, error: Exception) -> str:
    return internal_error("generating the page of", Path(key), error)


# --- the catalog as a whole ---------------------------------------------------------------


class _Site:
    """The environments of this run: those rendered now and those from the cache, in the home table's order."""

    def __init__(self, cache: EnvironmentCache, keys: set[str], fresh: dict[str, CachedEnvironment],
                 links: dict[str, PageLinks]) -> None:
        self.cache = cache
        self.keys = keys
        self.fresh = fresh

        def order(key: str) -> tuple:
            name = self[key].naming.name
            return name.lower(), name, links[key].slug

        unmoved = len(cache.order) == len(keys) and set(cache.order) == keys and all(
            (entry.naming.name, entry.links.slug) == (cache[key].naming.name, cache[key].links.slug)
            for key, entry in fresh.items() if key in cache)
        self.order = cache.order if unmoved else sorted(keys, key=order)

    def __getitem__(self, key: str) -> CachedEnvironment:
        return self.fresh[key] if key in self.fresh else self.cache[key]

    def views(self, page: str) -> list[str]:
        return [self[key].views.get(page, "") for key in self.order]

    def changed_pages(self, run: _Run) -> set[str]:
        """The pages about the whole catalog that show something that changed."""
        cache = self.cache
        everything = {page.path for page in PAGES} | {page.path for page in STATIC_PAGES}
        if not cache.packed or not cache.order:
            return everything
        changed = set()
        moved = self.order != cache.order  # environments came, went, or changed places
        new_day = cache.today != run.context.today.isoformat()
        for page in PAGES:
            if moved or (page.daily and new_day) or any(
                    entry.views.get(page.path) != cache[key].views.get(page.path)
                    for key, entry in self.fresh.items() if key in cache):
                changed.add(page.path)
        sources = _static_sources()
        changed |= {page.path for page in STATIC_PAGES if cache.sources.get(page.path) != sources[page.path]}
        out, previous, watched = run.writer.out, run.writer.previous, run.options.changed is not None
        return changed | {page for page in everything  # deleted behind our back?
                          if page not in previous or (not watched and not (out / page).is_file())}

    def forget_old_pages(self, writer: SiteWriter) -> None:
        """Pages of environments that are gone, or moved to another slug, are no longer generated."""
        current = {page for key in self.keys for page in self[key].pages}
        for page in [p for p in writer.generated if p.startswith(f"{ENVIRONMENTS_DIR}/") and p not in current]:
            writer.drop(page)


def _write_catalog_pages(site: _Site, run: _Run) -> None:
    changed = site.changed_pages(run)
    for page in PAGES:
        if page.path in changed:
            _write(run.writer, page.path, page.render(site.views(page.path), run.context))
    for static in STATIC_PAGES:
        if static.path in changed:
            _write(run.writer, static.path, static.render(run.context))


def _write(writer: SiteWriter, relative: str, content: str | bytes) -> None:
    writer.write(relative, content.encode("utf-8") if isinstance(content, str) else content)
