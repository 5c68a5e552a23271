"""Generate the catalog site: the loaded catalog becomes Markdown pages and JSON files.

The output directory is MkDocs' ``docs_dir`` (also Zensical's): one page per
environment under ``environments/``, the home table, tags, deprecations and rules
pages, ``catalog.json``, ``feed.xml`` and the site's own JavaScript and CSS. Nothing
here imports MkDocs; the MkDocs plugin only calls ``generate_site``.

Environments whose files did not change since the last run are neither parsed nor
rendered again (see ``catalog.site.cache``). Large runs parse and render in forked
workers: each renders its share with the links it can guess (an environment's slug is
its name), and the parent renders again the few pages whose guess was wrong.
"""

from __future__ import annotations

import datetime
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from catalog import __version__
from catalog.model import load_environment
from catalog.site.cache import (
    CachedEnvironment,
    EnvironmentCache,
    TreePrint,
    file_print,
    now_ns,
    paths_print,
    scan_catalog,
    tree_print,
    trusted,
)
from catalog.site.feed import atom_feed, environment_feed_entries
from catalog.site.history import CatalogHistory
from catalog.site.output import SiteWriter, read_manifest
from catalog.site.paths import UnsafePath, assign_slugs, slug_for
from catalog.site.record import describe
from catalog.site.render import (
    ENVIRONMENTS_DIR,
    FACETS,
    PageLinks,
    Templates,
    catalog_entry_json,
    facet_values,
    render_environment_page,
    render_row,
    rows_markup,
)

GENERATOR_VERSION = 1  # bump when generated output changes without a template change
PARALLEL_MIN = 200  # below this many environments to render, workers cost more than they save
ASSETS = ("catalog.js", "catalog.css")
HOME_COLUMNS = (("name", "Environment"), ("version", "Latest version"), *FACETS[:4],
                ("purpose", "Purpose"), ("status", "Status"), ("verified", "Last verified build"))


@dataclass
class SiteOptions:
    out_dir: Path
    roots: list[Path]
    base_dir: Path
    reports_dir: Path
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

    def summary(self) -> str:
        return (f"{self.environments} environments, {self.parsed} parsed; {len(self.written)} files written, "
                f"{len(self.removed)} removed in {self.seconds:.2f} s")


@dataclass
class _Run:
    """What a run needs everywhere: options, templates, writer, history; inherited by workers."""

    options: SiteOptions
    templates: Templates
    writer: SiteWriter
    history: CatalogHistory
    today: datetime.date
    now_ns: int


def generate_site(options: SiteOptions) -> SiteResult:
    started = time.perf_counter()
    out = options.out_dir
    out.mkdir(parents=True, exist_ok=True)
    templates = Templates()
    cache = EnvironmentCache.load(out, _generator_key(options, templates))
    writer = SiteWriter(out, read_manifest(out))
    run = _Run(options, templates, writer, CatalogHistory(options.base_dir, options.roots),
               options.today or datetime.date.today(), now_ns())
    trees = _changed_trees(options, cache)
    stale = _stale(trees, cache, run)
    built, problems = _build_all(stale, run)
    entries = {key: cached for key, cached in cache.entries.items() if key in trees and key not in stale}
    entries.update({key: item[0] for key, item in built.items()})
    problems += _fix_links(entries, built, run)
    summaries = [(key, entry) for key, entry in entries.items()]
    summaries.sort(key=lambda item: (item[1].summary["name"].lower(), item[1].summary["name"], item[1].links[0]))
    _write_site_pages(summaries, run)
    removed = writer.finish()
    cache.save(out, entries, run.history.head if any(e.provisional for e in entries.values()) else cache.head)
    return SiteResult(out, len(entries), len(built), writer.written, removed, problems, time.perf_counter() - started)


def _generator_key(options: SiteOptions, templates: Templates) -> tuple:
    return (GENERATOR_VERSION, __version__, str(options.reports_dir), options.directory_urls,
            str(options.base_dir), tuple(templates.digest_source()))


# --- what changed ---------------------------------------------------------------------


def _changed_trees(options: SiteOptions, cache: EnvironmentCache) -> dict[str, TreePrint | None]:
    """Asset file -> fingerprint of its directory; None means "unchanged, per the watcher"."""
    if options.changed is not None and cache.entries:
        hinted = _trees_for_changes(options, cache)
        if hinted is not None:
            return hinted
    return dict((key, tree) for key, (_, tree) in scan_catalog(options.roots).items())


def _trees_for_changes(options: SiteOptions, cache: EnvironmentCache) -> dict[str, TreePrint | None] | None:
    """Fingerprint only the environments a watcher saw change; None when a full scan is needed."""
    by_dir = {os.path.dirname(key): key for key in cache.entries}
    by_report = {entry.report: key for key, entry in cache.entries.items() if entry.report}
    by_external = {path: key for key, entry in cache.entries.items() for path in entry.external}
    touched: set[str] = set()
    for changed in options.changed or []:
        path = os.path.abspath(changed)
        if path in by_report:
            touched.add(by_report[path])
            continue
        if os.path.dirname(path) == os.path.abspath(options.reports_dir):
            continue  # a report of no environment in the catalog
        owner = _owner(path, by_dir) or _owner(path, by_external)
        if owner is None:
            return None  # an environment may have appeared or gone: look at everything
        touched.add(owner)
    trees: dict[str, TreePrint | None] = {key: None for key in cache.entries}
    for key in touched:
        tree = tree_print(os.path.dirname(key)) if os.path.isfile(key) else None
        if tree is None:
            del trees[key]  # the environment is gone
        else:
            trees[key] = tree
    return trees


def _owner(path: str, index: dict[str, str]) -> str | None:
    probe = path
    while True:
        if probe in index:
            return index[probe]
        parent = os.path.dirname(probe)
        if parent == probe:
            return None
        probe = parent


def _stale(trees: dict[str, TreePrint | None], cache: EnvironmentCache, run: _Run) -> dict[str, TreePrint]:
    """The environments to parse again, with their fresh fingerprints."""
    stale: dict[str, TreePrint] = {}
    for key, tree in trees.items():
        cached = cache.entries.get(key)
        if tree is None and cached is not None:
            continue  # the watcher saw no change here
        if cached is None or not cached.tree or cached.tree != tree.digest or not _inputs_unchanged(cached):
            stale[key] = tree or tree_print(os.path.dirname(key))
        elif cached.provisional and run.history.head != cache.head:
            stale[key] = tree  # dates from file times: git may know better now
    return stale


def _inputs_unchanged(cached: CachedEnvironment) -> bool:
    return (file_print(cached.report) == cached.report_print
            and (not cached.external or paths_print(cached.external) == cached.external_print))


# --- building environments --------------------------------------------------------------


def _guess_links(summary: dict, run: _Run) -> PageLinks:
    """The links a page most likely needs; the parent corrects the rare wrong guess."""
    deprecation = summary["deprecation"]
    replacement = deprecation["replacement"] if deprecation else None
    return PageLinks(slug_for(summary["name"]), slug_for(replacement) if replacement else None,
                     run.today.isoformat() if deprecation else None, run.options.directory_urls)


def _build_one(key: str, tree: TreePrint, run: _Run, links: PageLinks | None = None):
    """Parse, render and write one environment.

    (entry, problems, whether its page was written), or None for another asset type.
    """
    asset_file = Path(key)
    env = load_environment(asset_file)
    if env is None:
        return None
    record = describe(env, run.options.reports_dir, run.history)
    entry = record.entry
    summary = {
        "name": entry["name"],
        "description": entry["description"],
        "status": entry["status"],
        "latest_version": entry["latest_version"],
        "deprecation": entry["deprecation"],
        "dates": entry["dates"],
        "facets": facet_values(entry),
    }
    links = links or _guess_links(summary, run)
    page = render_environment_page(run.templates, record, links)
    writes = len(run.writer.written)
    page_info = run.writer.write(links.page, page.encode("utf-8"))
    external = _external_inputs(env)
    report = os.path.abspath(run.options.reports_dir / f"{entry['name']}.json") if entry["name"] else None
    cached = CachedEnvironment(
        tree=trusted(tree, run.now_ns),
        external=external,
        external_print=paths_print(external) if external else b"",
        report=report,
        report_print=file_print(report),
        links=tuple(links),
        provisional=record.provisional_dates,
        page=links.page,
        page_info=page_info,
        row=render_row(run.templates, entry, links),
        json=catalog_entry_json(entry, links),
        summary=summary,
    )
    return cached, record.problems, len(run.writer.written) > writes


def _external_inputs(env) -> tuple[str, ...]:
    """Files the environment reads from outside its directory (a lint error, but possible)."""
    top = os.path.realpath(env.directory) + os.sep
    paths = [env.spec_path, env.image_config_path, env.description_path]
    if env.context is not None:
        paths.append(env.context.directory)
    return tuple(sorted({os.path.abspath(p) for p in paths if p is not None and not os.path.realpath(p).startswith(top)}))


def _build_share(keys: list[str], trees: dict[str, TreePrint], run: _Run) -> list:
    results = []
    for key in keys:
        try:
            built = _build_one(key, trees[key], run)
        except UnsafePath as exc:
            results.append((key, None, [f"{key}: {exc}"], False))
            continue
        if built is not None:
            results.append((key, *built))
    return results


_FORKED: tuple | None = None


def _forked_share(index: int) -> list:
    keys, trees, run, shares = _FORKED
    return _build_share(keys[index::shares], trees, run)


def _build_all(stale: dict[str, TreePrint], run: _Run) -> tuple[dict[str, tuple], list[str]]:
    """key -> (CachedEnvironment, wrote its page) for every stale environment."""
    keys = sorted(stale)
    workers = run.options.workers or min(os.cpu_count() or 1, 4)
    if len(keys) >= PARALLEL_MIN and workers > 1 and _fork_is_safe():
        results = _build_in_workers(keys, stale, run, workers)
    else:
        results = _build_share(keys, stale, run)
    built: dict[str, tuple] = {}
    problems: list[str] = []
    for key, cached, found, written in results:
        problems += found
        if cached is not None:
            built[key] = (cached, written)
    return built, problems


def _fork_is_safe() -> bool:
    import multiprocessing

    # The Dockerfile parser's Go runtime does not survive fork(), nor do other threads.
    return ("fork" in multiprocessing.get_all_start_methods() and "dockerfile" not in sys.modules
            and threading.active_count() == 1)


def _build_in_workers(keys: list[str], trees: dict[str, TreePrint], run: _Run, workers: int) -> list:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _FORKED
    run.history.prepare()
    run.templates.markdown, run.templates.html, run.templates.text  # noqa: B018 (load once, before forking)
    shares = workers * 4
    _FORKED = (keys, trees, run, shares)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            results = [item for share in pool.map(_forked_share, range(shares)) for item in share]
    finally:
        _FORKED = None
    for _, cached, _, written in results:  # the workers wrote these pages
        if cached is not None:
            run.writer.adopt(cached.page, cached.page_info, written)
    return results


def _fix_links(entries: dict[str, CachedEnvironment], built: dict[str, tuple], run: _Run) -> list[str]:
    """Give every environment its final slug and links; render again where the guess was wrong."""
    slugs = assign_slugs([(key, entry.summary["name"]) for key, entry in entries.items()])
    first_by_name: dict[str, str] = {}
    for key in sorted(entries, key=lambda k: slugs[k]):
        first_by_name.setdefault(entries[key].summary["name"], key)
    owners = {f"{ENVIRONMENTS_DIR}/{slug}.md": key for key, slug in slugs.items()}
    overwritten = {owners[cached.page] for key, (cached, written) in built.items()
                   if written and cached.page in owners and owners[cached.page] != key}
    problems: list[str] = []
    for key, entry in list(entries.items()):
        deprecation = entry.summary["deprecation"]
        replacement = deprecation["replacement"] if deprecation else None
        target = first_by_name.get(replacement) if replacement else None
        links = PageLinks(slugs[key], slugs[target] if target else None,
                          run.today.isoformat() if deprecation else None, run.options.directory_urls)
        page_missing = key not in built and not _verified(entry, run)
        if tuple(links) == entry.links and key not in overwritten and not page_missing:
            if key not in built:
                run.writer.keep(entry.page, entry.page_info)
            continue
        rebuilt = _build_one(key, tree_print(os.path.dirname(key)) or TreePrint(b"", 0), run, links)
        if rebuilt is None:
            del entries[key]
            continue
        entries[key], found, _ = rebuilt
        problems += found
    return problems


def _verified(entry: CachedEnvironment, run: _Run) -> bool:
    """Whether the page written earlier is still there (skipped when a watcher vouches)."""
    if run.options.changed is not None:
        return True
    try:
        return os.stat(run.writer.out / entry.page).st_size == entry.page_info[1]
    except OSError:
        return False


# --- pages about the whole catalog ---------------------------------------------------------


def _write_site_pages(summaries: list[tuple[str, CachedEnvironment]], run: _Run) -> None:
    from catalog.rules import all_rules

    templates, writer, options = run.templates, run.writer, run.options
    write = lambda relative, text: writer.write(relative, text.encode("utf-8") if isinstance(text, str) else text)  # noqa: E731
    entries = [entry for _, entry in summaries]
    facets = [(key, label, _facet_options(entries, key)) for key, label in FACETS]
    table = templates.fragment("home-table.html.j2", facets=facets, columns=HOME_COLUMNS,
                               rows=rows_markup([e.row for e in entries]), count=len(entries))
    deprecated = [e for e in entries if e.summary["deprecation"]]
    write("index.md", templates.page("home.md.j2", table=table, count=len(entries), deprecated=len(deprecated)))
    write("tags.md", templates.page("tags.md.j2"))
    write("deprecations.md", templates.page("deprecations.md.j2", today=run.today.isoformat(),
                                            **_deprecation_groups(deprecated, entries, run.today)))
    write("rules.md", templates.page("rules.md.j2", rules=all_rules()))
    write("catalog.json", '{"version": 1, "environments": [\n' + ",\n".join(e.json for e in entries) + "\n]}\n")
    feed = [item for e in entries for item in environment_feed_entries(e.summary, PageLinks(*e.links).href)]
    write("feed.xml", atom_feed(feed, options.site_name, options.site_url))
    for name in ASSETS:
        write(f"assets/catalog/{name}", (templates.directory / "assets" / name).read_bytes())


def _natural(value: str) -> list:
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.lower()) for part in re.split(r"(\d+)", value)]


def _facet_options(entries: list[CachedEnvironment], key: str) -> list[str]:
    values = {value for e in entries for value in e.summary["facets"][key]}
    return sorted(values, key=_natural)


def _deprecation_groups(deprecated: list[CachedEnvironment], entries: list[CachedEnvironment],
                        today: datetime.date) -> dict[str, list[dict]]:
    pages = {}
    for e in entries:
        pages.setdefault(e.summary["name"], f"{ENVIRONMENTS_DIR}/{e.links[0]}.md")
    groups: dict[str, list[dict]] = {"past": [], "upcoming": [], "undated": []}
    for e in sorted(deprecated, key=lambda e: (e.summary["deprecation"]["delete_on"] or "9999", e.summary["name"])):
        deprecation = e.summary["deprecation"]
        day = deprecation["delete_on"]
        item = {
            "name": e.summary["name"],
            "page": f"{ENVIRONMENTS_DIR}/{e.links[0]}.md",
            "delete_on": day,
            "days": (datetime.date.fromisoformat(day) - today).days if day else None,
            "replacement": deprecation["replacement"],
            "replacement_page": pages.get(deprecation["replacement"]),
        }
        group = "undated" if day is None else "past" if item["days"] < 0 else "upcoming"
        groups[group].append(item)
    return groups
