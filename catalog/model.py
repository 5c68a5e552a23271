"""The environment model: every command reads a catalog through these classes.

An ``EnvironmentAsset`` is one asset directory: its asset config (asset.yaml), image
config (environment.yaml), spec (spec.yaml), description and build context. YAML files
are parsed once into ``Document``s that remember the line and column of every value;
the Dockerfile and the build context listing are read on first use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

from catalog.dockerfile_model import ParsedDockerfile, parse_dockerfile
from catalog.dockerignore import DockerIgnore
from catalog.files import UnreadableFile, Within, looks_binary, read_bytes, read_text
from catalog.finding import Location, Problem, internal_error
from catalog.records.identity import parse_version
from catalog.template_tags import has_template
from catalog.yaml_document import Document, load_document

ASSET_FILE = "asset.yaml"
ENVIRONMENT_TYPE = "environment"
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", ".tox"})
FLAG_TAGS = ("Preview", "Training", "Inferencing", "Deprecated")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class BuildContext:
    """The Docker build context of an environment (``image.context`` in environment.yaml).

    Nothing outside ``asset_directory`` is listed or read: a context that is a symbolic
    link to ``/`` lists as empty (the build-context rule reports it), and so does a
    file that is a link leading out of the asset.
    """

    directory: Path
    dockerfile: Path
    template_files: tuple[Path, ...]
    asset_directory: Path

    def relative(self, path: Path) -> str:
        text, prefix = str(path), self._prefix
        if text.startswith(prefix):  # the common case: a clean path below the context, no relpath needed
            rest = text[len(prefix):]
            if rest and not any(part in ("", ".", "..") for part in rest.split(os.sep)):
                return rest.replace(os.sep, "/")
        return Path(os.path.relpath(path, self.directory)).as_posix()

    @cached_property
    def _prefix(self) -> str:
        return str(self.directory) + os.sep

    @cached_property
    def _within_asset(self) -> Within:
        return Within(self.asset_directory)

    @cached_property
    def inside_asset(self) -> bool:
        return self._within_asset(self.directory)

    @cached_property
    def dockerignore(self) -> DockerIgnore:
        return DockerIgnore.read(self.directory / ".dockerignore", self.asset_directory)

    def text_of(self, path: Path) -> str | None:
        """A context file's text (read once), or None if binary, too large, unreadable or outside the asset."""
        if path not in self._texts:
            self._texts[path] = _read_context_text(path) if self._within_asset(path) else None
        return self._texts[path]

    @cached_property
    def _texts(self) -> dict[Path, str | None]:
        return {}

    @cached_property
    def files(self) -> list[Path]:
        """Every file and symlink in the context, without following symlinks."""
        return self._listing[0]

    @cached_property
    def symlinks(self) -> frozenset[Path]:
        return self._listing[1]

    @cached_property
    def unreadable(self) -> list[tuple[Path, str]]:
        """Directories of the context that could not be listed, and why."""
        return self._listing[2]

    @cached_property
    def _listing(self) -> tuple[list[Path], frozenset[Path], list[tuple[Path, str]]]:
        found: list[Path] = []
        links: set[Path] = set()
        unreadable: list[tuple[Path, str]] = []
        pending = [self.directory] if self.inside_asset else []
        while pending:
            current = pending.pop()
            try:
                with os.scandir(current) as scan:
                    entries = sorted(scan, key=lambda entry: entry.name)
            except FileNotFoundError:
                continue  # a missing context is the missing-file rule's to report
            except OSError as exc:
                unreadable.append((current, exc.strerror or str(exc)))
                continue
            for entry in entries:
                path = Path(entry.path)
                if entry.is_symlink():
                    links.add(path)
                    found.append(path)
                elif entry.is_dir(follow_symlinks=False):
                    if entry.name != ".git":
                        pending.append(path)
                else:
                    found.append(path)
        return found, frozenset(links), unreadable


def _read_context_text(path: Path) -> str | None:
    try:
        data = read_bytes(path)
    except UnreadableFile:
        return None
    if looks_binary(data[:8192]):
        return None
    return data.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class PytestTests:
    """asset.yaml's ``test.pytest``: a directory of tests run inside the built image."""

    tests_dir: Path
    pip_requirements: Path | None  # installed into the test container first
    conda_environment: str | None  # as written; the build reports it unsupported
    location: Location


class EnvironmentAsset:
    """One environment asset directory; each of its files is read at most once."""

    def __init__(self, asset_file: Path, asset_doc: Document | None = None) -> None:
        self.asset_file = asset_file
        self.directory = asset_file.parent
        self.asset_doc = asset_doc or load_document(asset_file)
        self.spec_path = self._declared_path(self.asset_doc, "spec")
        self.image_config_path = self._declared_path(self.asset_doc, "extra_config")
        self.description_path = self._declared_path(self.asset_doc, "description_file")

    # The spec and image config are read on first use: catalog-wide checks on a large
    # catalog need only some files of the environments that are not being linted.
    @cached_property
    def spec_doc(self) -> Document | None:
        return self._load_if_file(self.spec_path)

    @cached_property
    def image_doc(self) -> Document | None:
        return self._load_if_file(self.image_config_path)

    def __repr__(self) -> str:
        return f"EnvironmentAsset({self.name!r}, {str(self.directory)!r})"

    @classmethod
    def unloadable(cls, asset_file: Path, error: Exception) -> "EnvironmentAsset":
        """An environment whose loading failed on a bug: no data, one problem that says so."""
        doc = Document(asset_file)
        doc.problems.append(Problem(Location(asset_file, 1, 1), internal_error("loading", asset_file, error)))
        return cls(asset_file, doc)

    @staticmethod
    def _declared_path(doc: Document, key: str) -> Path | None:
        value = _text(doc.get(key))
        return doc.path.parent / value if value else None

    def _load_if_file(self, path: Path | None) -> Document | None:
        if path is None or not os.path.lexists(path) or not self.contains(path):
            return None  # missing, or outside the asset: the missing-file rule says which
        return load_document(path)

    def contains(self, path: Path) -> bool:
        """Whether ``path`` lies in the asset directory, symbolic links followed.

        The model reads nothing outside its asset (see ``catalog.files.Within``); lint
        and the site both rely on that.
        """
        return self._within(path)

    @cached_property
    def _within(self) -> Within:
        return Within(self.directory)

    def documents(self) -> Iterator[Document]:
        for doc in (self.asset_doc, self.image_doc, self.spec_doc):
            if doc is not None:
                yield doc

    # --- asset config --------------------------------------------------------------
    @property
    def asset_type(self) -> str | None:
        return _text(self.asset_doc.get("type"))

    @property
    def name(self) -> str | None:
        """The asset's name, or the spec's when asset.yaml has none."""
        name = _text(self.asset_doc.get("name"))
        if name is None and self.spec_name is not None and not has_template(self.spec_name):
            name = self.spec_name
        return name

    @property
    def version(self) -> Any:
        """As written: ``auto``, an integer, or whatever the file holds."""
        if self.asset_doc.has("version"):
            return self.asset_doc.get("version")
        return None if has_template(self.spec_version) else self.spec_version

    @property
    def requested_version(self) -> int | str | None:
        """The version asked for: ``"auto"``, a positive integer (``2`` or, as Azure ML specs
        write it, ``"2"``), or None when there is none or it is neither."""
        return parse_version(self.version)

    @property
    def categories(self) -> list[str]:
        value = self.asset_doc.get("categories")
        return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []

    @property
    def test_imports(self) -> list[str]:
        """Modules the build's smoke test imports (asset.yaml ``test.imports``); empty when
        unset, and the build derives them from the packages the requirements declare."""
        value = self.asset_doc.get("test", "imports")
        return [item for item in value if isinstance(item, str) and item] if isinstance(value, list) else []

    @property
    def pytest_tests(self) -> "PytestTests | None":
        """The environment's own pytest tests (asset.yaml ``test.pytest``), when enabled."""
        settings = self.asset_doc.get("test", "pytest")
        if not isinstance(settings, dict) or settings.get("enabled") is not True:
            return None
        tests_dir = _text(settings.get("tests_dir")) or "tests"
        requirements = _text(settings.get("pip_requirements"))
        return PytestTests(self.directory / tests_dir, self.directory / requirements if requirements else None,
                           _text(settings.get("conda_environment")), self.asset_doc.location("test", "pytest"))

    def name_location(self) -> Location:
        if self.asset_doc.has("name"):
            return self.asset_doc.location("name")
        if self.spec_doc is not None and self.spec_doc.has("name"):
            return self.spec_doc.location("name")
        return self.asset_doc.location()

    # --- image config ---------------------------------------------------------------
    def _image(self, *keys: str) -> Any:
        return self.image_doc.get("image", *keys) if self.image_doc is not None else None

    @property
    def image_name(self) -> str | None:
        return _text(self._image("name"))

    @property
    def image_os(self) -> str | None:
        return _text(self._image("os"))

    @property
    def publish_location(self) -> str | None:
        return _text(self._image("publish", "location"))

    @property
    def publish_visibility(self) -> str | None:
        return _text(self._image("publish", "visibility"))

    @cached_property
    def context(self) -> BuildContext | None:
        """The build context, or None for a pre-built image."""
        directory = _text(self._image("context", "dir"))
        if self.image_doc is None or directory is None:
            return None
        root = self.image_doc.path.parent / directory
        dockerfile = _text(self._image("context", "dockerfile")) or "Dockerfile"
        templates = self._image("context", "template_files")
        if not isinstance(templates, list):
            templates = ["Dockerfile"]
        return BuildContext(
            directory=root,
            dockerfile=root / dockerfile,
            template_files=tuple(root / item for item in templates if isinstance(item, str)),
            asset_directory=self.directory,
        )

    @cached_property
    def dockerfile(self) -> ParsedDockerfile | None:
        """The parsed Dockerfile; None without one, or when it leads outside the asset
        (the build-context rule reports that)."""
        if self.context is None or not os.path.isfile(self.context.dockerfile) or not self.contains(self.context.dockerfile):
            return None
        return parse_dockerfile(self.context.dockerfile)

    # --- spec ----------------------------------------------------------------------------
    def _spec(self, *keys: str) -> Any:
        return self.spec_doc.get(*keys) if self.spec_doc is not None else None

    @property
    def spec_name(self) -> str | None:
        return _text(self._spec("name"))

    @property
    def spec_version(self) -> Any:
        return self._spec("version")

    @property
    def description(self) -> str | None:
        return _text(self._spec("description"))

    @property
    def tags(self) -> dict[str, Any]:
        tags = self._spec("tags")
        return tags if isinstance(tags, dict) else {}

    @property
    def deprecated(self) -> bool:
        return "Deprecated" in self.tags

    def tag_location(self, key: str | None = None) -> Location:
        if self.spec_doc is None:
            return Location(self.spec_path or self.asset_file, 1, 1)
        if key is None:
            return self.spec_doc.key_location("tags")
        return self.spec_doc.location("tags", key)

    @cached_property
    def facts(self):
        """What is derived from the files (CPU or GPU, framework, base image, ...): ``catalog.facts``."""
        from catalog.facts import derive_facts

        return derive_facts(self)

    @cached_property
    def content_hash(self) -> str:
        """The hash of the definition as written (``catalog.release.content_hash``)."""
        from catalog.release.content_hash import content_hash

        return content_hash(self)

    @property
    def description_text(self) -> str | None:
        """The Markdown of description_file, or None when unset or unreadable."""
        return self._description[0]

    @property
    def description_error(self) -> str | None:
        """Why description_file, a file of the asset, cannot be read (a directory, a FIFO, not UTF-8, too large)."""
        return self._description[1]

    @cached_property
    def _description(self) -> tuple[str | None, str | None]:
        path = self.description_path
        if path is None or not os.path.lexists(path) or not self.contains(path):
            return None, None  # missing, or outside the asset: the missing-file rule says which
        try:
            return read_text(path), None
        except UnreadableFile as exc:
            return None, f"{exc} on line {exc.line}" if exc.line else str(exc)


@dataclass
class Catalog:
    """Every environment under the configured roots."""

    roots: list[Path]
    environments: list[EnvironmentAsset]
    unreadable: list[tuple[Path, str]] = field(default_factory=list)  # directories not searched, and why

    def named(self, name: str) -> list[EnvironmentAsset]:
        return self._by_name.get(name, [])

    @cached_property
    def _by_name(self) -> dict[str, list[EnvironmentAsset]]:
        index: dict[str, list[EnvironmentAsset]] = {}
        for environment in self.environments:
            if environment.name is not None:
                index.setdefault(environment.name, []).append(environment)
        return index


def find_asset_files(root: Path, unreadable: list[tuple[Path, str]] | None = None) -> Iterator[Path]:
    """asset.yaml files under ``root``; an asset directory is not searched further.

    Directories that cannot be listed are added to ``unreadable``: environments in them
    would otherwise go unchecked without a word.
    """
    if os.path.isfile(root / ASSET_FILE):
        yield root / ASSET_FILE
        return

    def note(error: OSError) -> None:
        if unreadable is not None:
            unreadable.append((Path(error.filename or root), error.strerror or str(error)))

    for current, dirnames, filenames in os.walk(root, onerror=note, followlinks=False):
        if ASSET_FILE in filenames:
            dirnames[:] = []
            yield Path(current) / ASSET_FILE
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith("."))


def is_other_asset_type(doc: Document) -> bool:
    """Whether asset.yaml says it is an asset of another type (a component, a model, an
    evaluator, ...). A file that does not parse, or whose ``type`` is missing or not a
    string, may be a broken environment: it is checked, and the schema says what is wrong."""
    kind = doc.get("type") if doc.ok else None
    return isinstance(kind, str) and kind != ENVIRONMENT_TYPE


def load_environment(asset_file: Path) -> EnvironmentAsset | None:
    """The environment in ``asset_file``'s directory, or None for another asset type."""
    if os.path.islink(asset_file) and not Within(asset_file.parent)(asset_file):
        doc = Document(asset_file)  # a link out of the asset: never read, reported as the file's problem
        doc._problem("asset.yaml is a symbolic link leading outside the asset directory; it is not read", 1, 1)
        return EnvironmentAsset(asset_file, doc)
    doc = load_document(asset_file)
    if is_other_asset_type(doc):
        return None
    return EnvironmentAsset(asset_file, doc)


def load_catalog(roots: list[Path], extra_asset_dirs: list[Path] = ()) -> Catalog:
    seen: set[str] = set()
    environments: list[EnvironmentAsset] = []
    unreadable: list[tuple[Path, str]] = []
    asset_files = [file for root in roots if os.path.isdir(root) for file in find_asset_files(root, unreadable)]
    asset_files += [directory / ASSET_FILE for directory in extra_asset_dirs]
    for asset_file in asset_files:
        key = os.path.realpath(asset_file)
        if key in seen:
            continue
        seen.add(key)
        try:
            environment = load_environment(asset_file)
        except Exception as exc:  # a bug on one asset must not hide the rest of the catalog
            environment = EnvironmentAsset.unloadable(asset_file, exc)
        if environment is not None:
            environments.append(environment)
    return Catalog(list(roots), environments, unreadable)
