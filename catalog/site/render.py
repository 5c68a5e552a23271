"""Render pages from the Jinja2 templates in site_templates/.

User values reach templates only as variables, never as template source. Markdown
templates escape every printed value for Markdown (``escape_text``) unless it is
``SafeMarkdown``; HTML fragments are autoescaped by Jinja; code blocks and front
matter have their own filters.
"""

from __future__ import annotations

import datetime
import json
import re
from functools import cached_property, lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from catalog.model.facts import normalize_package
from catalog.records.build_report import BuildReport
from catalog.resources import resource_dir
from catalog.site.record import EnvironmentRecord
from catalog.site.untrusted import (
    SafeMarkdown,
    code_block,
    escape_text,
    front_matter_text,
    front_matter_value,
    neutralize_markdown,
    without_title,
)

ENVIRONMENTS_DIR = "environments"
TAGS_PAGE = "tags.md"
FACETS = (  # (key, label): the home page's filters
    ("os", "OS"),
    ("platform", "Platform"),
    ("python", "Python"),
    ("framework", "Framework"),
    ("compute", "CPU/GPU"),
    ("purpose", "Purpose"),
    ("status", "Status"),
)
# What the generated pages need from Python-Markdown (the MkDocs plugin adds those a
# mkdocs.yml lacks). attr_list, md_in_html and pymdownx.snippets stay out: they would
# let an environment's description set HTML attributes or include files.
MARKDOWN_EXTENSIONS = {
    "admonition": {},
    "tables": {},
    "toc": {"permalink": True},
    "pymdownx.details": {},
    "pymdownx.highlight": {"pygments_lang_class": True},
    "pymdownx.superfences": {},
    "pymdownx.tabbed": {"alternate_style": True},
}
# (cluster, online-endpoint instance type) the usage snippets name: a GPU environment needs a GPU machine.
COMPUTE_TARGETS = {"CPU": ("cpu-cluster", "Standard_DS3_v2"), "GPU": ("gpu-cluster", "Standard_NC4as_T4_v3")}


def _markdown_value(value: object) -> str:
    if isinstance(value, SafeMarkdown):
        return value
    return escape_text("" if value is None else value)


@lru_cache(maxsize=4096)
def tag_anchor(label: str) -> str:
    """The anchor of a tag on the tags page, as Material's tags plugin makes it."""
    from pymdownx.slugs import slugify

    return "tag:" + slugify(case="lower")(front_matter_text(label), "-")


def tag_label(key: str, value: str) -> str:
    """How the tags page names a tag with its value: ``OS: Ubuntu22.04``."""
    return f"{key}: {value}" if value else key


def environment_href(slug: str, directory_urls: bool) -> str:
    """The URL of an environment page from a page at the site root (raw HTML links)."""
    return f"{ENVIRONMENTS_DIR}/{slug}/" if directory_urls else f"{ENVIRONMENTS_DIR}/{slug}.html"


def days_left(day: str | None, today: datetime.date) -> int | None:
    return None if day is None else (datetime.date.fromisoformat(day) - today).days


class Templates:
    """The three Jinja environments over site_templates/: Markdown, HTML and plain text."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or resource_dir("site_templates")

    @classmethod
    def for_run(cls, directory: Path | None = None) -> Templates:
        """The last run's templates, compiled already, while no template file changed.

        ``mkdocs serve`` regenerates the site in one process; compiling the templates
        again each time would take longer than rendering the one page that changed.
        """
        fresh = cls(directory)
        digest = fresh.digest_source()
        last = _LAST_RUN.get(str(fresh.directory))
        if last is not None and last[0] == digest:
            return last[1]
        _LAST_RUN[str(fresh.directory)] = (digest, fresh)
        return fresh

    def _environment(self, **options) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.directory)),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # A run renders each template thousands of times and makes its own Templates:
            # checking each template file for changes on every render costs a stat apiece.
            auto_reload=False,
            **options,
        )
        env.filters["front_matter"] = front_matter_value
        env.globals["days_left"] = days_left
        return env

    @cached_property
    def markdown(self) -> jinja2.Environment:
        env = self._environment(autoescape=False, finalize=_markdown_value)
        env.filters["code_block"] = code_block
        env.filters["markdown"] = SafeMarkdown  # only for text the generator itself wrote
        env.globals["fragment"] = self.fragment
        return env

    @cached_property
    def html(self) -> jinja2.Environment:
        return self._environment(autoescape=True)

    @cached_property
    def text(self) -> jinja2.Environment:
        return self._environment(autoescape=False)

    def fragment(self, name: str, **context) -> SafeMarkdown:
        """An autoescaped HTML fragment for a Markdown page, on lines of its own."""
        return SafeMarkdown(self.html.get_template(f"fragments/{name}").render(**context).strip() + "\n")

    def page(self, name: str, **context) -> str:
        return self.markdown.get_template(f"pages/{name}").render(**context)

    def snippet(self, name: str, **context) -> str:
        return self.text.get_template(f"usage/{name}").render(**context).strip("\n")

    def digest_source(self) -> list[tuple[str, int, int]]:
        """(file, size, mtime) of every template: a template edit invalidates cached pages."""
        found = []
        for path in sorted(self.directory.rglob("*")):
            if path.is_file():
                info = path.stat()
                found.append((path.relative_to(self.directory).as_posix(), info.st_size, info.st_mtime_ns))
        return found


_LAST_RUN: dict[str, tuple[list, Templates]] = {}  # templates directory -> (digest_source(), Templates)


def render_environment_page(templates: Templates, record: EnvironmentRecord, links: PageLinks) -> str:
    entry = record.entry
    description = None
    if record.description_markdown:
        description = neutralize_markdown(without_title(record.description_markdown), demote_headings=1)
    release = entry["versions"][0]
    reference = f"azureml://registries/azureml/environments/{entry['name']}/" + (
        f"versions/{entry['latest_version']}" if entry["latest_version"] else "labels/latest"
    )
    cluster, instance_type = COMPUTE_TARGETS[entry["compute"]]
    snippet_context = {"entry": entry, "reference": reference, "image": entry["image"]["reference"],
                       "cluster": cluster, "instance_type": instance_type}
    serving = "Inference" in entry["purposes"] and "Training" not in entry["purposes"]
    usage = [
        (
            "Azure ML CLI v2",
            "yaml",
            templates.snippet("deployment.yaml.j2" if serving else "job.yaml.j2", **snippet_context),
        ),
        (
            "Python SDK v2",
            "python",
            templates.snippet("deployment.py.j2" if serving else "job.py.j2", **snippet_context),
        ),
        ("docker pull", "bash", templates.snippet("docker.sh.j2", **snippet_context)),
    ]
    return templates.page(
        "environment.md.j2",
        entry=entry,
        record=record,
        links=links,
        today=links.today_date,
        description=description,
        release=release,
        usage=usage,
        tag_links=[(key, value, tag_anchor(key), tag_anchor(tag_label(key, value)) if value else None)
                   for key, value in entry["tags"].items()],
        tags_page=f"../{TAGS_PAGE}",
    )


def render_version_pages(templates: Templates, record: EnvironmentRecord, links: PageLinks) -> list[tuple[str, str]]:
    """(page, Markdown) of each released version: ``environments/<slug>/<version>.md``."""
    entry = record.entry
    released = [version for version in entry["versions"] if version["released"]]  # newest first
    pages = []
    for position, version in enumerate(released):
        pages.append((links.version_page(version["label"]), templates.page(
            "version.md.j2", entry=entry, version=version, links=links,
            files=record.version_files.get(version["label"], []),
            newer=released[position - 1]["label"] if position else None,
            older=released[position + 1]["label"] if position + 1 < len(released) else None,
            latest=released[0]["label"])))
    return pages


def version_page(environment_page: str, label: str) -> str:
    """A released version's page: ``environments/<slug>/<version>.md``, beside its environment's page."""
    return f"{environment_page.removesuffix('.md')}/{label}.md"


class PageLinks(tuple):
    """What an environment's page and fragments need from the rest of the catalog.

    (slug, replacement slug or None, today's date for a deprecated environment or None,
    directory URLs): when any of these changes, the page is rendered again.
    """

    def __new__(cls, slug: str, replacement_slug: str | None, today: str | None, directory_urls: bool):
        return super().__new__(cls, (slug, replacement_slug, today, directory_urls))

    slug = property(lambda self: self[0])
    replacement_slug = property(lambda self: self[1])
    today = property(lambda self: self[2])
    directory_urls = property(lambda self: self[3])

    @property
    def today_date(self) -> datetime.date | None:
        return datetime.date.fromisoformat(self.today) if self.today else None

    @property
    def page(self) -> str:
        return f"{ENVIRONMENTS_DIR}/{self.slug}.md"

    @property
    def href(self) -> str:
        return environment_href(self.slug, self.directory_urls)

    def version_page(self, label: str) -> str:
        return version_page(self.page, label)

    def version_href(self, label: str) -> str:
        """The URL of a released version's page from a page at the site root."""
        return (f"{ENVIRONMENTS_DIR}/{self.slug}/{label}/" if self.directory_urls
                else f"{ENVIRONMENTS_DIR}/{self.slug}/{label}.html")

    @property
    def replacement_href(self) -> str | None:
        """The replacement's page, from this environment's page (a sibling)."""
        if self.replacement_slug is None:
            return None
        return f"../{self.replacement_slug}/" if self.directory_urls else f"{self.replacement_slug}.html"


def render_row(templates: Templates, entry: dict, links: PageLinks) -> str:
    """The environment's row in the home page table."""
    return templates.html.get_template("fragments/home-row.html.j2").render(
        e=entry, facets=facet_values(entry), href=links.href, slug=links.slug,
        tags=" ".join(tag_label(key, value) for key, value in entry["tags"].items())).strip()


def catalog_entry_json(entry: dict, links: PageLinks) -> str:
    """The environment's object in catalog.json, on one line (build reports as their records write them)."""
    return json.dumps({**entry, "page": links.href}, ensure_ascii=False, separators=(",", ":"), default=_record_json)


def _record_json(value: object) -> object:
    if isinstance(value, BuildReport):
        return value.to_json()
    raise TypeError(f"{type(value).__name__} is not JSON")


NO_VALUE = "(none)"


def facet_values(entry: dict) -> dict[str, list[str]]:
    """The values the home page filters an environment by (the table's data attributes)."""
    framework = entry["framework"]["name"] if entry["framework"] else ""
    return {
        "os": [entry["os"] or NO_VALUE],
        "platform": [entry["platform"] or NO_VALUE],
        "python": [entry["python"] or NO_VALUE],
        "framework": [framework or NO_VALUE],
        "compute": [entry["compute"]],
        "purpose": list(entry["purposes"]),
        "status": [entry["status"]],
    }


def rows_markup(rows: list[str]) -> Markup:
    return Markup("\n".join(rows))


def tag_listing_json(entry: dict, links: PageLinks) -> str:
    """What the tags page needs of an environment, as JSON: its list item and its tags as written.

    The item is a Markdown link to the page's source (``environments/<slug>.md``), which
    MkDocs and Zensical both resolve from the tags page; they treat links in raw HTML
    differently.
    """
    item = f"- [{escape_text(entry['name'])}]({links.page})"
    return json.dumps([item, list(entry["tags"].items())], ensure_ascii=False, separators=(",", ":"))


def packages_listing_json(entry: dict, links: PageLinks) -> str:
    """What the packages page needs of an environment, as JSON: each version whose image was
    built and passed its checks, with its page and inventory, newest version first.

    ``[name, [[version label, href, newest, [[package, version], ...]], ...]]``; ``newest``
    marks the newest version that was verified.
    """
    built: list[list] = []
    for version in entry["versions"]:
        report = version["build"]
        if report is None or not report.passed or not report.packages:
            continue
        href = links.version_href(version["label"]) if version["released"] else links.href
        built.append([version["label"], href, not built, [[item.name, item.version] for item in report.packages]])
    return json.dumps([entry["name"], built], ensure_ascii=False, separators=(",", ":")) if built else ""


def package_rows(listings: list[str]) -> list[dict]:
    """The packages page: one row per package and version, with the environment versions that ship it.

    ``listings`` holds each environment's ``packages_listing_json`` in page order.
    """
    rows: dict[tuple[str, str], dict] = {}
    for listing in listings:
        if not listing:
            continue
        name, built = json.loads(listing)
        for label, href, newest, packages in built:
            for package, version in packages:
                key = (normalize_package(package), version)
                row = rows.setdefault(key, {"package": package, "version": version, "environments": []})
                row["environments"].append({"name": name, "label": label, "href": href, "newest": newest})
    return [rows[key] for key in sorted(rows, key=lambda k: (k[0], natural_key(k[1])))]


def tag_sections(listings: list[str]) -> list[dict]:
    """The tags page: one section per tag key, listing the environments of each value.

    ``listings`` holds each environment's ``tag_listing_json`` in page order. Keys (and
    values) whose anchors coincide share a section, so every anchor an environment page
    links to is there exactly once.
    """
    decoded = _decoded_listings(listings)
    members: dict[tuple, list[int]] = {}  # (key, value) -> positions in page order
    for position, (_, tags) in enumerate(decoded):
        for key, value in tags:
            members.setdefault((key, value), []).append(position)
    sections: dict[str, dict] = {}
    for (key, value), positions in members.items():
        anchor = tag_anchor(key)
        section = sections.get(anchor)
        if section is None:
            section = sections[anchor] = {"anchor": anchor, "labels": [], "plain": [], "values": {}, "count": 0}
        if key not in section["labels"]:
            section["labels"].append(key)
        section["count"] += len(positions)
        if not value:
            section["plain"].append(positions)
            continue
        label = tag_label(key, value)
        group = section["values"].setdefault(
            tag_anchor(label), {"anchor": tag_anchor(label), "labels": [], "items": []}
        )
        group["labels"].append(label)
        group["items"].append(positions)

    def items(lists: list[list[int]]) -> SafeMarkdown:
        positions = lists[0] if len(lists) == 1 else sorted(set().union(*lists))
        return SafeMarkdown("\n".join(decoded[position][0] for position in positions))  # escaped already

    def label_order(label: str) -> tuple:
        return natural_key(label), label

    ordered = []
    for section in sections.values():
        section["labels"].sort(key=label_order)
        section["plain"] = items(section["plain"]) if section["plain"] else ""
        for group in section["values"].values():
            group["labels"].sort(key=label_order)
            group["items"] = items(group["items"])
        section["values"] = sorted(section["values"].values(), key=lambda g: label_order(g["labels"][0]))
        ordered.append(section)
    return sorted(ordered, key=lambda s: label_order(s["labels"][0]))


def _decoded_listings(listings: list[str]) -> list:
    """The listings decoded, reusing what the last run in this process decoded
    (``mkdocs serve`` renders the tags page again after each tag edit)."""
    global _LAST_LISTINGS
    last = _LAST_LISTINGS
    decoded = {text: last.get(text) or json.loads(text) for text in listings}
    _LAST_LISTINGS = decoded
    return [decoded[text] for text in listings]


_LAST_LISTINGS: dict[str, list] = {}


def natural_key(value: str) -> list:
    """Sorts ``3.9`` before ``3.10`` and ignores case."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.lower()) for part in re.split(r"(\d+)", value)]
