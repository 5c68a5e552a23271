"""What the facts and the content hash read of an environment.

``EnvironmentAsset`` has all of it and works both out from itself; they are written
against this protocol so that neither has to import the asset back.
"""

from __future__ import annotations

from typing import Any, Protocol

from catalog.dockerfile_model import ParsedDockerfile
from catalog.model.build_context import BuildContext
from catalog.yaml_document import Document


class Definition(Protocol):
    @property
    def name(self) -> str | None: ...

    @property
    def description(self) -> str | None: ...

    @property
    def tags(self) -> dict[str, Any]: ...

    @property
    def image_name(self) -> str | None: ...

    @property
    def image_os(self) -> str | None: ...

    @property
    def spec_doc(self) -> Document | None: ...

    @property
    def context(self) -> BuildContext | None: ...

    @property
    def dockerfile(self) -> ParsedDockerfile | None: ...
