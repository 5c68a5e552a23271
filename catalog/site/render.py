"""Render pages from the Jinja2 templates in site_templates/.

User values reach templates only as variables, never as template source. Markdown
templates escape every printed value for Markdown (``escape_text``) unless it is
``SafeMarkdown``; HTML fragments are autoescaped by Jinja; code blocks and front
matter have their own filters.
"""

from __future__ import annotations

import datetime
import re
from functools import cached_property, lru_cache
from pathlib import Path

import jinja2

from catalog.resources import resource_dir
from catalog.site.untrusted import SafeMarkdown, code_block, escape_text, front_matter_text, front_matter_value

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






def natural_key(value: str) -> list:
    """Sorts ``3.9`` before ``3.10`` and ignores case."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.lower()) for part in re.split(r"(\d+)", value)]
