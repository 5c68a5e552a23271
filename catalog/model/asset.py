"""One environment asset: its files, each parsed once, and what is derived from them.

An ``EnvironmentAsset`` is one asset directory: its asset config (asset.yaml), image
config (environment.yaml), spec (spec.yaml), description and build context. YAML files
are parsed once into ``Document``s that remember the line and column of every value;
the Dockerfile, the build context listing, the facts and the content hash are worked
out on first use.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from catalog.dockerfile_model import ParsedDockerfile, parse_dockerfile
from catalog.files import UnreadableFile, Within, read_text
from catalog.finding import Location, Problem, internal_error
from catalog.model.build_context import BuildContext
from catalog.model.content_hash import content_hash
from catalog.model.facts import EnvironmentFacts
from catalog.records.identity import parse_version
from catalog.template_tags import has_template
from catalog.yaml_document import Document, load_document

FLAG_TAGS = ("Preview", "Training", "Inferencing", "Deprecated")
CURATED_REPOSITORY = "azureml/curated"  # where curated images are published, below the registry


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


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
    def unloadable(cls, asset_file: Path, error: Exception) -> EnvironmentAsset:
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
    def display_name(self) -> str:
        """The name to show and to name things by: the asset's name, else its directory's."""
        return self.name or self.directory.name

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
    def pytest_tests(self) -> PytestTests | None:
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
    def image_repository(self) -> str:
        """The repository the image is built and published as: environment.yaml's
        ``image.name``, else ``azureml/curated/<name>`` (the curated convention)."""
        return self.image_name or f"{CURATED_REPOSITORY}/{self.display_name.lower()}"

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
        if (
            self.context is None
            or not os.path.isfile(self.context.dockerfile)
            or not self.contains(self.context.dockerfile)
        ):
            return None
        return parse_dockerfile(self.context.dockerfile, self.context.data_of(self.context.dockerfile))

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
    def facts(self) -> EnvironmentFacts:
        """What is derived from the files (CPU or GPU, framework, base image, ...), each
        worked out when first read: ``catalog.model.facts``."""
        return EnvironmentFacts(self)

    @cached_property
    def content_hash(self) -> str:
        """The hash of the definition as written (``catalog.model.content_hash``)."""
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
