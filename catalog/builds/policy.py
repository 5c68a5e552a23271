"""Build policy: what a platform team refuses to publish, read from the build's results.

Each check is a unit like a lint rule: a stable code (``BLDnnn``) and name, a default
severity, and a docstring that is its documentation (``catalog rules --policy``, the
site's rules page). It looks at the environment's facts, the image's package inventory
or the build log. ``[tool.catalog.build.policy]`` sets each one to ``error`` (fails the
build), ``warning`` (recorded in the report) or ``off``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from catalog.finding import Severity
from catalog.lint.rules import Documented
from catalog.model import EnvironmentAsset
from catalog.model.facts import normalize_package
from catalog.records.build_report import InstalledPackage, PolicyFinding

OFF = "off"


@dataclass(frozen=True)
class BuildEvidence:
    """What the policy reads: the environment, the image's Python and packages, the log."""

    environment: EnvironmentAsset
    python: str | None  # as the image reported it; None when the build failed first
    packages: list[InstalledPackage]
    log_text: str
    base_reference: str | None = None  # the final stage's base as pinned, when known


@dataclass(frozen=True)
class PolicyCheck(Documented):
    code: str
    name: str
    severity: Severity  # the default; the configuration may set another, or off
    check: Callable[[BuildEvidence], str | None]


POLICY: list[PolicyCheck] = []  # in code order


def policy_check(code: str, name: str, severity: Severity):
    def register(check: Callable[[BuildEvidence], str | None]) -> Callable[[BuildEvidence], str | None]:
        if any(c.code == code or c.name == name for c in POLICY):
            raise ValueError(f"policy check {code} {name} registered twice")
        POLICY.append(PolicyCheck(code, name, severity, check))
        return check

    return register


def _version_tuple(text: str | None) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in (text or "").split(".")[:2])
    except ValueError:
        return None


@policy_check("BLD001", "eol-python", Severity.ERROR)
def eol_python(evidence: BuildEvidence) -> str | None:
    """The image runs Python 3.8 or older.

    When the build failed before the image could say, the Python tag is judged instead.

    **Why:** Python 3.8 and older no longer get security fixes (3.8's ended in October
    2024); an environment published on one inherits every CVE found since.

    **Bad:** a base image or conda file that brings Python 3.8.

    **Good:** a supported Python (3.10 or newer), and the Python tag that says so.
    """
    version = evidence.python or evidence.environment.facts.python
    parsed = _version_tuple(version)
    if parsed and len(parsed) == 2 and parsed <= (3, 8):
        source = "the image runs" if evidence.python else "the Python tag says"
        return f"{source} Python {version}, which is past its end of life (3.8 and older get no security fixes)"
    return None


@policy_check("BLD002", "ubuntu-20-04-base", Severity.WARNING)
def ubuntu_20_04_base(evidence: BuildEvidence) -> str | None:
    """The final stage builds FROM an Ubuntu 20.04 base.

    **Why:** Ubuntu 20.04's standard support ended in May 2025; its packages get no more
    fixes, and base images on it stop being rebuilt.

    **Bad:** `FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:{{latest-image-tag}}`

    **Good:** `FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}`
    """
    base = evidence.environment.facts.base_image
    if base is not None and base.os is not None and base.os.distro == "ubuntu" and base.os.version == "20.04":
        return (f"builds FROM {evidence.base_reference or base.reference or base.written}, an Ubuntu 20.04 base (out "
                "of standard support since May 2025)")
    return None


@policy_check("BLD003", "mixed-azure-ml-sdks", Severity.ERROR)
def mixed_azure_ml_sdks(evidence: BuildEvidence) -> str | None:
    """The image holds both Azure ML SDKs: azure-ai-ml (v2) and azureml-core (v1).

    **Why:** the two pin conflicting dependencies, and users cannot tell which API the
    environment is for.

    **Bad:** a requirements file with `azure-ai-ml` and `azureml-core`.

    **Good:** one of them (for new environments, `azure-ai-ml`).
    """
    found = {normalize_package(item.name): item.version for item in evidence.packages}
    if "azure-ai-ml" in found and "azureml-core" in found:
        return (f"the image holds both Azure ML SDKs: azure-ai-ml {found['azure-ai-ml']} (v2) and "
                f"azureml-core {found['azureml-core']} (v1)")
    return None


@policy_check("BLD004", "pip-conflict", Severity.WARNING)
def pip_conflict(evidence: BuildEvidence) -> str | None:
    """pip reported conflicting requirements while installing.

    **Why:** pip says so in the build log and goes on: the image holds packages whose
    requirements are not met, which fail at import or, worse, at run time.

    **Bad:** the log says `pip's dependency resolver does not currently take into account
    all the packages that are installed`.

    **Good:** pins that agree (`pip check` passes in the image).
    """
    marker = "pip's dependency resolver does not currently take into account"
    for line in evidence.log_text.splitlines():
        if marker in line:
            return "pip reported conflicting requirements while installing (see the build log)"
    return None


def check_policy(evidence: BuildEvidence, severities: dict[str, str]) -> list[PolicyFinding]:
    """The findings of every check that is not off, at its configured (or default) severity."""
    findings = []
    for check in POLICY:
        severity = severities.get(check.name, check.severity.value)
        if severity == OFF:
            continue
        message = check.check(evidence)
        if message:
            findings.append(PolicyFinding(check.name, severity, message))
    return findings
