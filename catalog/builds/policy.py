"""Build policy: what a platform team refuses to publish, read from the build's results.

Each rule looks at the environment's facts, the image's package inventory or the build
log, and gives findings at the severity the configuration sets
(``[tool.catalog.build.policy]``: ``error``, ``warning`` or ``off``). An error fails
the build; a warning is only recorded in the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from catalog.model import EnvironmentAsset
from catalog.model.facts import normalize_package
from catalog.records.build_report import InstalledPackage, PolicyFinding

ERROR, WARNING, OFF = "error", "warning", "off"
SEVERITIES = (ERROR, WARNING, OFF)


@dataclass(frozen=True)
class BuildEvidence:
    """What the policy reads: the environment, the image's Python and packages, the log."""

    environment: EnvironmentAsset
    python: str | None  # as the image reported it; None when the build failed first
    packages: list[InstalledPackage]
    log_text: str
    base_reference: str | None = None  # the final stage's base as pinned, when known


def _version_tuple(text: str | None) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in (text or "").split(".")[:2])
    except ValueError:
        return None


def eol_python(evidence: BuildEvidence) -> str | None:
    """Python 3.8 and older no longer get security fixes (3.8's ended in October 2024)."""
    version = evidence.python or evidence.environment.facts.python
    parsed = _version_tuple(version)
    if parsed and len(parsed) == 2 and parsed <= (3, 8):
        source = "the image runs" if evidence.python else "the Python tag says"
        return f"{source} Python {version}, which is past its end of life (3.8 and older get no security fixes)"
    return None


def ubuntu_20_04_base(evidence: BuildEvidence) -> str | None:
    """Ubuntu 20.04's standard support ended in May 2025; its images get no more fixes."""
    base = evidence.environment.facts.base_image
    if base is not None and base.os is not None and base.os.distro == "ubuntu" and base.os.version == "20.04":
        return (f"builds FROM {evidence.base_reference or base.reference or base.written}, an Ubuntu 20.04 base (out "
                "of standard support since May 2025)")
    return None


def mixed_azure_ml_sdks(evidence: BuildEvidence) -> str | None:
    """The v1 SDK (azureml-core) and v2 (azure-ai-ml) pin conflicting dependencies and
    confuse users about which API the environment is for."""
    found = {normalize_package(item.name): item.version for item in evidence.packages}
    if "azure-ai-ml" in found and "azureml-core" in found:
        return (f"the image holds both Azure ML SDKs: azure-ai-ml {found['azure-ai-ml']} (v2) and "
                f"azureml-core {found['azureml-core']} (v1)")
    return None


def pip_conflict(evidence: BuildEvidence) -> str | None:
    """pip installed packages whose requirements conflict (it says so in the log and goes on)."""
    marker = "pip's dependency resolver does not currently take into account"
    for line in evidence.log_text.splitlines():
        if marker in line:
            return "pip reported conflicting requirements while installing (see the build log)"
    return None


# name -> (default severity, check)
RULES: dict[str, tuple[str, Callable[[BuildEvidence], str | None]]] = {
    "eol-python": (ERROR, eol_python),
    "ubuntu-20-04-base": (WARNING, ubuntu_20_04_base),
    "mixed-azure-ml-sdks": (ERROR, mixed_azure_ml_sdks),
    "pip-conflict": (WARNING, pip_conflict),
}


def check_policy(evidence: BuildEvidence, severities: dict[str, str]) -> list[PolicyFinding]:
    findings = []
    for rule, (default, check) in RULES.items():
        severity = severities.get(rule, default)
        if severity == OFF:
            continue
        message = check(evidence)
        if message:
            findings.append(PolicyFinding(rule, severity, message))
    return findings
