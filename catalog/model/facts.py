"""Facts derived from an environment, each worked out once, on first use.

CPU or GPU, the CUDA version, the framework, the Python version as written, the OS and
platform, the base image and the deprecation dates are read by lint rules and by the
site alike; two detectors of the same fact would drift apart, so there is one here.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from catalog.image_ref import DEFAULT_REGISTRY, parse_image_reference
from catalog.model.definition import Definition

# --- tokens of names (environment names and base image names) ---------------------------

# A GPU token: `gpu`, `cuda12.4`, `nccl2.18`, `cu126` (PyTorch's spelling of CUDA 12.6).
GPU_TOKEN = re.compile(r"(?P<kind>gpu|cuda|nccl|cu(?=\d))(?P<version>\d[\d.]*)?")
# Distributions a base image name may carry: `ubuntu22.04`, `ubuntu2204`, `debian12`.
OS_IN_IMAGE = re.compile(r"(?P<distro>ubuntu|debian|centos|rockylinux|almalinux)[._]?(?P<version>\d[\d.]*)")
_IMAGE_TOKEN_SPLIT = re.compile(r"[-/_:@]")
# Registries whose images are GPU images even when no token says so.
_GPU_REPOSITORY_PREFIXES = ("nvcr.io/nvidia/", "nvidia/")


def gpu_tokens(text: str) -> Iterator[re.Match]:
    """GPU tokens of a name or image reference, token by token."""
    for token in _IMAGE_TOKEN_SPLIT.split(text.lower()):
        match = GPU_TOKEN.fullmatch(token)
        if match:
            yield match


def cuda_version_of_token(match: re.Match) -> str | None:
    """``cuda12.4`` -> 12.4, ``cu126`` -> 12.6, ``cu118`` -> 11.8; None for `gpu` or `nccl`."""
    version = match.group("version")
    if not version or match.group("kind") not in ("cuda", "cu"):
        return None
    if match.group("kind") == "cu" and "." not in version and len(version) >= 3:
        return f"{version[:-1]}.{version[-1]}"
    return version


@dataclass(frozen=True)
class OperatingSystem:
    distro: str  # lower case: ubuntu, debian, ...
    version: str  # 22.04, 12

    def __str__(self) -> str:
        return f"{self.distro.capitalize()} {self.version}"

    def same_release(self, other: OperatingSystem) -> bool:
        return self.distro == other.distro and self.version == other.version


_OS_TAG = re.compile(r"(?P<distro>[A-Za-z]+)[ _-]?(?P<version>\d[\d.]*)")


def parse_os_tag(text: str) -> OperatingSystem | None:
    """``Ubuntu22.04`` or ``Ubuntu 22.04`` -> ubuntu 22.04."""
    match = _OS_TAG.fullmatch(text.strip())
    if match is None:
        return None
    return OperatingSystem(match.group("distro").lower(), match.group("version"))


def split_image(reference: str) -> tuple[str, str]:
    """(repository path, tag) of an image reference as its name reads, for the tokens in it:
    lower case, the registry kept unless it is Docker Hub's, template tags removed. The
    reference is parsed by ``catalog.image_ref``, the one parser of references."""
    parsed = parse_image_reference(reference)
    repository = parsed.repository.removeprefix("library/") if parsed.registry == DEFAULT_REGISTRY \
        else f"{parsed.registry}/{parsed.repository}"
    return repository.replace("\x00", "").lower(), (parsed.tag or "").replace("\x00", "").lower()


def os_of_image(reference: str) -> OperatingSystem | None:
    """The distribution a base image's name says it is: ``openmpi5.0-ubuntu24.04``,
    ``stable-ubuntu2204-cu126``, ``ubuntu:24.04``, ``nvidia/cuda:12.8.1-devel-ubuntu22.04``."""
    repository, tag = split_image(reference)
    name = repository.rsplit("/", 1)[-1]
    if name in ("ubuntu", "debian") and re.fullmatch(r"\d[\d.]*", tag):
        return OperatingSystem(name, tag)
    match = OS_IN_IMAGE.search(name) or OS_IN_IMAGE.search(tag)
    if match is None:
        return None
    version = match.group("version").rstrip(".")
    if match.group("distro") == "ubuntu" and "." not in version and len(version) == 4:
        version = f"{version[:2]}.{version[2:]}"  # ubuntu2204
    return OperatingSystem(match.group("distro"), version)


def cuda_of_image(reference: str) -> str | None:
    """The CUDA version a base image's name says: ``cuda12.4``, ``cu126``, or the tag of
    NVIDIA's ``cuda`` images (``nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04`` -> 12.8)."""
    repository, tag = split_image(reference)
    for match in gpu_tokens(f"{repository}:{tag}"):
        version = cuda_version_of_token(match)
        if version:
            return version
    if repository.rsplit("/", 1)[-1] == "cuda":
        number = re.match(r"(\d+\.\d+)", tag)
        return number.group(1) if number else None
    return None


# --- frameworks ------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownFramework:
    name: str  # as the site shows it
    tags: tuple[str, ...]  # tag keys that name it, normalized (lower case, no separators)
    packages: tuple[str, ...]  # distribution names that bring it, normalized (PEP 503)


# In order of precedence: an environment with torch and onnxruntime is a PyTorch one.
FRAMEWORKS = (
    KnownFramework("PyTorch", ("pytorch", "torch"), ("torch",)),
    KnownFramework("TensorFlow", ("tensorflow",), ("tensorflow", "tensorflow-cpu", "tensorflow-gpu")),
    KnownFramework("JAX", ("jax",), ("jax",)),
    KnownFramework("scikit-learn", ("scikitlearn", "sklearn"), ("scikit-learn",)),
    KnownFramework("LightGBM", ("lightgbm",), ("lightgbm",)),
    KnownFramework("XGBoost", ("xgboost",), ("xgboost",)),
    KnownFramework("CatBoost", ("catboost",), ("catboost",)),
    KnownFramework("Transformers", ("transformers",), ("transformers",)),
    KnownFramework("vLLM", ("vllm",), ("vllm",)),
    KnownFramework("DeepSpeed", ("deepspeed",), ("deepspeed",)),
    KnownFramework("ONNX Runtime", ("onnxruntime", "onnx"), ("onnxruntime", "onnxruntime-gpu")),
    KnownFramework("MLflow", ("mlflow",), ("mlflow", "mlflow-skinny")),
    KnownFramework("Spark", ("spark", "pyspark"), ("pyspark",)),
)
_BY_TAG = {tag: framework for framework in FRAMEWORKS for tag in framework.tags}
_BY_PACKAGE = {package: framework for framework in FRAMEWORKS for package in framework.packages}
_PRECEDENCE = {framework.name: index for index, framework in enumerate(FRAMEWORKS)}


def normalize_key(text: str) -> str:
    return re.sub(r"[-_.\s]+", "", text).lower()


def normalize_package(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Framework:
    name: str
    version: str | None
    source: str  # "tag", "name" or "package"


# --- packages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclaredPackage:
    """A package the build context installs, as a requirement line names it."""

    name: str  # normalized
    specifier: str  # "==1.5.2", "" when unpinned
    file: str  # relative to the build context
    line: int

    @property
    def pinned_version(self) -> str | None:
        return self.specifier[2:] if self.specifier.startswith("==") and "*" not in self.specifier else None


_REQUIREMENT = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<spec>(?:[=!<>~]=?|===)[^;#\s]*(?:\s*,\s*[=!<>~]=?[^;#,\s]*)*)?"
)
_PIP_INSTALL = re.compile(r"\bpip3?\s+install\b(?P<args>[^&|;]*)")


def _requirement(text: str) -> tuple[str, str] | None:
    text = text.strip()
    if not text or text.startswith(("#", "-", "git+", "http:", "https:", "file:", ".", "/")):
        return None
    match = _REQUIREMENT.match(text)
    if match is None:
        return None
    rest = text[match.end():].lstrip()
    if rest and not rest.startswith((";", "#", "@")):
        return None
    return normalize_package(match.group("name")), (match.group("spec") or "").replace(" ", "")


def packages_in_requirements(text: str, file: str) -> Iterator[DeclaredPackage]:
    for number, line in enumerate(text.splitlines(), start=1):
        parsed = _requirement(line.split(" #", 1)[0])
        if parsed:
            yield DeclaredPackage(parsed[0], parsed[1], file, number)


def packages_in_conda(text: str, file: str) -> Iterator[DeclaredPackage]:
    """``- name=1.2`` and ``- pip:`` items of a conda environment file, read line by line
    (the file is a build input, not a catalog file: no need for the full YAML loader)."""
    for number, line in enumerate(text.splitlines(), start=1):
        item = line.strip()
        if not item.startswith("- ") or item.endswith(":"):
            continue
        value = item[2:].strip().strip("\"'")
        if "::" in value:
            value = value.split("::", 1)[1]
        if re.fullmatch(r"[A-Za-z0-9._-]+=[^=].*", value):  # conda's single '=' pin
            name, version = value.split("=", 1)
            yield DeclaredPackage(normalize_package(name), f"=={version.split('=')[0]}", file, number)
            continue
        parsed = _requirement(value)
        if parsed and parsed[0] not in ("python", "pip"):
            yield DeclaredPackage(parsed[0], parsed[1], file, number)


def packages_in_dockerfile(lines: list[str], file: str) -> Iterator[DeclaredPackage]:
    """Packages named on ``pip install`` command lines (not ``-r`` files)."""
    for number, line in enumerate(lines, start=1):
        for match in _PIP_INSTALL.finditer(line):
            skip_next = False
            for word in match.group("args").split():
                if skip_next:
                    skip_next = False
                    continue
                if word.startswith("-"):
                    skip_next = word in ("-r", "-c", "-e", "-i", "--index-url", "--requirement", "--constraint",
                                         "--extra-index-url", "-f", "--find-links", "--target", "-t")
                    continue
                parsed = _requirement(word.strip("\"'"))
                if parsed:
                    yield DeclaredPackage(parsed[0], parsed[1], file, number)


def _is_requirements_file(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(".txt") and "requirement" in lowered


def _is_conda_file(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith((".yml", ".yaml")) and ("conda" in lowered or lowered.startswith("environment"))


# --- the facts of one environment -------------------------------------------------------


@dataclass(frozen=True)
class BaseImageFact:
    written: str  # as in the Dockerfile, template tags included
    reference: str | None  # after ARG expansion
    line: int
    column: int
    os: OperatingSystem | None
    cuda: str | None  # the CUDA version its name says
    gpu: bool  # its name says GPU (a CUDA token, `gpu`, an NVIDIA repository)


DEPRECATION_NOTICE = re.compile(r"DEPRECATED: Please use (?P<replacement>\S+?) instead\.")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
GPU_TAG_KEYS = frozenset({"gpu", "cuda", "cudnn", "nccl"})
_CUDA_TAG_KEYS = frozenset({"cuda", "cudaversion"})
_CUDA_IN_VALUE = re.compile(r"cuda\s*(?P<version>\d[\d.]*)", re.IGNORECASE)


def replacement_name(description: str | None) -> str | None:
    """The replacement named by a deprecation notice, without a version or label."""
    match = DEPRECATION_NOTICE.match((description or "").lstrip())
    if match is None:
        return None
    return re.split(r"[:@]", match.group("replacement"), maxsplit=1)[0]


def delete_on(tags: dict) -> datetime.date | None:
    """The DeleteOn tag's date; a date with a time of day (an unquoted YAML timestamp) is none."""
    value = tags.get("DeleteOn")
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def tags_as_written(env: Definition) -> dict[str, str]:
    """The spec's tags as text, numbers and dates as the file writes them (``3.10``, never
    3.1; an empty value for a flag tag): what lint quotes, the site shows and facts match."""
    raw = env.spec_doc.raw_scalar if env.spec_doc is not None else None
    texts = {}
    for key, value in env.tags.items():
        if isinstance(value, str):
            text = value
        elif value is None:
            text = ""
        else:
            text = (raw("tags", key) if raw is not None else None) or str(value)
        texts[str(key)] = text
    return texts


def python_as_written(env: Definition) -> str | None:
    """The Python tag's source text: ``3.10`` even where YAML read the number 3.1."""
    return None if env.tags.get("Python") is None else tags_as_written(env).get("Python")


def _tag_texts(env: Definition) -> dict[str, str]:
    """Tags by normalized key, values as written (for matching, not for showing)."""
    texts: dict[str, str] = {}
    for key, text in tags_as_written(env).items():
        texts.setdefault(normalize_key(key), text)
    return texts


def cuda_from_tags(env: Definition) -> str | None:
    """``Cuda: 12.1``, ``CUDA: 12.8`` or ``GPU: Cuda12``."""
    tags = _tag_texts(env)
    for key in _CUDA_TAG_KEYS:
        if re.fullmatch(r"\d[\d.]*", tags.get(key, "")):
            return tags[key]
    match = _CUDA_IN_VALUE.fullmatch(tags.get("gpu", "").strip())
    return match.group("version") if match else None


def gpu_from_tags(env: Definition) -> bool:
    return bool(GPU_TAG_KEYS & _tag_texts(env).keys())


def base_image_of(env: Definition) -> BaseImageFact | None:
    """The image the final build stage starts from, following ``FROM stage`` references."""
    dockerfile = env.dockerfile
    if dockerfile is None or not dockerfile.base_images:
        return None
    stages = {}
    for instruction, image in zip(_from_instructions(dockerfile), dockerfile.base_images, strict=False):
        args = instruction.arguments
        if len(args) >= 3 and args[1].lower() == "as":
            stages[args[2].lower()] = image
    image = dockerfile.base_images[-1]
    seen = set()
    while image.stage_reference and image.reference is not None and image.reference.lower() in stages:
        key = image.reference.lower()
        if key in seen:
            break
        seen.add(key)
        image = stages[key]
    if image.stage_reference:
        return None  # FROM scratch
    name = image.reference or image.written
    repository, tag = split_image(name)
    cuda = cuda_of_image(name)
    gpu = cuda is not None or any(True for _ in gpu_tokens(f"{repository}:{tag}")) or (
        repository.startswith(_GPU_REPOSITORY_PREFIXES))
    return BaseImageFact(image.written, image.reference, image.line, image.column, os_of_image(name), cuda, gpu)


def _from_instructions(dockerfile):
    return [instruction for instruction in dockerfile.instructions
            if instruction.keyword == "FROM" and instruction.arguments]


def packages_in_file(name: str, text: str, relative: str) -> list[DeclaredPackage]:
    """The packages a build file names, chosen by its name: a requirements file, a conda
    environment file or a Dockerfile (its pip install lines); none for other files."""
    base = name.rsplit("/", 1)[-1]
    if _is_requirements_file(base):
        return list(packages_in_requirements(text, relative))
    if _is_conda_file(base):
        return list(packages_in_conda(text, relative))
    if base.lower().endswith("dockerfile"):
        return list(packages_in_dockerfile(text.splitlines(), relative))
    return []


def declared_packages(env: Definition) -> tuple[DeclaredPackage, ...]:
    """Packages the build context's requirement files, conda files and Dockerfile name."""
    context = env.context
    if context is None:
        return ()
    found: list[DeclaredPackage] = []
    for path in context.files:
        if path in context.symlinks or path == context.dockerfile:
            continue
        if not (_is_requirements_file(path.name) or _is_conda_file(path.name)):
            continue
        text = context.text_of(path)
        if text is not None:
            found.extend(packages_in_file(path.name, text, context.relative(path)))
    if env.dockerfile is not None and env.dockerfile.error is None:
        found.extend(packages_in_dockerfile(env.dockerfile.lines, context.relative(env.dockerfile.path)))
    return tuple(found)


def framework_of(env: Definition, packages: tuple[DeclaredPackage, ...]) -> Framework | None:
    """The first known framework a tag names, else the name's framework-version token
    (``designer-pytorch-2.3``), else the highest-ranked one a package brings."""
    for key, value in env.tags.items():
        if isinstance(key, str) and normalize_key(key) in _BY_TAG:
            version = value if isinstance(value, str) and re.match(r"\d", value) else None
            return Framework(_BY_TAG[normalize_key(key)].name, version, "tag")
    tokens = (env.name or "").lower().split("-")
    for token, following in zip(tokens, tokens[1:], strict=False):
        if token in _BY_TAG and re.fullmatch(r"\d+(\.\d+)*", following):
            return Framework(_BY_TAG[token].name, following, "name")
    candidates = [(package, _BY_PACKAGE[package.name]) for package in packages if package.name in _BY_PACKAGE]
    if not candidates:
        return None
    package, framework = min(candidates, key=lambda pair: _PRECEDENCE[pair[1].name])
    return Framework(framework.name, package.pinned_version, "package")


def name_says_gpu(name: str | None) -> bool:
    return name is not None and any(True for _ in gpu_tokens(name))


class EnvironmentFacts:
    """What is derived from one environment's files, each fact worked out when first read:
    a rule that needs the Python tag does not parse the Dockerfile for the base image."""

    def __init__(self, env: Definition) -> None:
        self._env = env

    @cached_property
    def base_image(self) -> BaseImageFact | None:
        """The final stage's base image, through stage names."""
        return base_image_of(self._env)

    @cached_property
    def packages(self) -> tuple[DeclaredPackage, ...]:
        return declared_packages(self._env)

    @cached_property
    def compute(self) -> str:
        """``CPU`` or ``GPU``: a GPU tag, a GPU token in the name, or a GPU base image says GPU."""
        env = self._env
        gpu = gpu_from_tags(env) or name_says_gpu(env.name) or (self.base_image is not None and self.base_image.gpu)
        return "GPU" if gpu else "CPU"

    @cached_property
    def cuda(self) -> str | None:
        """From a CUDA tag, else the base image's name."""
        return cuda_from_tags(self._env) or (self.base_image.cuda if self.base_image else None)

    @cached_property
    def framework(self) -> Framework | None:
        return framework_of(self._env, self.packages)

    @cached_property
    def python(self) -> str | None:
        """The Python tag as written in the file (3.10, never 3.1)."""
        return python_as_written(self._env)

    @cached_property
    def os(self) -> str | None:
        """The OS tag, normalized ("Ubuntu 22.04"); as written when it does not parse."""
        os_tag = self._env.tags.get("OS")
        if not isinstance(os_tag, str):
            return None
        parsed = parse_os_tag(os_tag)
        return str(parsed) if parsed else os_tag

    @cached_property
    def platform(self) -> str | None:
        """``linux`` or ``windows``, from environment.yaml's ``image.os`` or the spec's ``os_type``."""
        env = self._env
        platform = env.image_os or _text(env.spec_doc.get("os_type") if env.spec_doc is not None else None)
        return platform.lower() if platform else None

    @cached_property
    def delete_on(self) -> datetime.date | None:
        return delete_on(self._env.tags)

    @cached_property
    def replacement(self) -> str | None:
        """The environment a deprecation notice points to."""
        return replacement_name(self._env.description)


def _text(value) -> str | None:
    return value if isinstance(value, str) else None
