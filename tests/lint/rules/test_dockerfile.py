"""curated-base, unpinned-base, base-registry and dockerfile-syntax: the Dockerfile is parsed, not grepped."""

import pytest

from catalog.config import Config
from tests.conftest import findings, messages, write_env

BASE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}"
TAIL = "COPY requirements.txt /tmp/requirements.txt\n"


def with_dockerfile(root, text):
    write_env(root, files={"context/Dockerfile": text})


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM mcr.microsoft.com/azureml/curated/sklearn-1.5:3\n",
        "from MCR.Microsoft.com/AzureML/Curated/sklearn-1.5:3\n",
        "   FROM mcr.microsoft.com/azureml/curated/sklearn-1.5:3\n",
        "FROM mcr.microsoft.com/azureml/curated/sklearn-1.5:3\r\nRUN echo hi\r\n",
        "# syntax=docker/dockerfile:1\n# escape=`\nFROM mcr.microsoft.com/azureml/curated/sklearn-1.5:3\n",
        "FROM --platform=linux/amd64 mcr.microsoft.com/azureml/curated/sklearn-1.5:3 AS base\n",
        "ARG BASE=mcr.microsoft.com/azureml/curated/sklearn-1.5:3\nFROM ${BASE}\n",
        'ARG REGISTRY="mcr.microsoft.com"\nARG IMAGE=azureml/curated/sklearn-1.5\nFROM '
        '$REGISTRY/${IMAGE}:{{latest-image-tag}}\n',
        "ARG BASE\nFROM ${BASE:-mcr.microsoft.com/azureml/curated/sklearn-1.5:3}\n",
        "FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:1 AS build\nFROM "
        "mcr.microsoft.com/azureml/curated/x:1\n",
    ],
)
def test_curated_base_however_written(catalog_root, dockerfile):
    with_dockerfile(catalog_root, dockerfile + TAIL)
    found = findings(catalog_root, "curated-base")
    assert len(found) == 1 and "builds FROM the curated image" in found[0].message
    assert found[0].location.path.name == "Dockerfile" and found[0].location.line >= 1


@pytest.mark.parametrize(
    "dockerfile",
    [
        f"FROM {BASE}\n",
        "FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag:biweekly\\.\\d{6}\\.\\d{1}.*}}\n",
        "# FROM mcr.microsoft.com/azureml/curated/sklearn-1.5:3\nFROM " + BASE + "\n",
        "FROM " + BASE + "\nRUN echo mcr.microsoft.com/azureml/curated/x\n",
        "FROM " + BASE + " AS curated\nFROM curated\n",
        "ARG BASE\nFROM ${BASE}\n",
    ],
)
def test_not_curated(catalog_root, dockerfile):
    with_dockerfile(catalog_root, dockerfile + TAIL)
    assert messages(catalog_root, "curated-base") == []


def test_curated_base_column_points_at_image(catalog_root):
    with_dockerfile(catalog_root, "FROM --platform=linux/amd64 mcr.microsoft.com/azureml/curated/x:1\n" + TAIL)
    [finding] = findings(catalog_root, "curated-base")
    assert (finding.location.line, finding.location.column) == (1, 29)


@pytest.mark.parametrize(
    "image, expected",
    [
        ("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04", "no tag or digest"),
        ("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest", "the tag latest"),
        ("localhost:5000/base", "no tag or digest"),
    ],
)
def test_unpinned_base(catalog_root, image, expected):
    with_dockerfile(catalog_root, f"FROM {image}\n" + TAIL)
    [message] = messages(catalog_root, "unpinned-base")
    assert expected in message


@pytest.mark.parametrize(
    "image",
    [
        "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20251110.v1",
        "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04@sha256:" + "a" * 64,
        "localhost:5000/base:1",
        BASE,
    ],
)
def test_pinned_base(catalog_root, image):
    with_dockerfile(catalog_root, f"FROM {image}\n" + TAIL)
    assert messages(catalog_root, "unpinned-base") == []


def test_stage_reference_and_scratch_are_not_images(catalog_root):
    with_dockerfile(catalog_root, f"FROM {BASE} AS build\nFROM build\nFROM scratch\n" + TAIL)
    assert messages(catalog_root, "unpinned-base") == [] and messages(catalog_root, "base-registry") == []


@pytest.mark.parametrize(
    "image, registry",
    [("ubuntu:22.04", "docker.io"), ("nvcr.io/nvidia/pytorch:24.01-py3", "nvcr.io"), ("ghcr.io/org/img:1", "ghcr.io")],
)
def test_base_registry(catalog_root, image, registry):
    with_dockerfile(catalog_root, f"FROM {image}\n" + TAIL)
    [message] = messages(catalog_root, "base-registry")
    assert f"pulls from {registry}" in message


def test_allowed_registries_are_configurable(catalog_root):
    with_dockerfile(catalog_root, "FROM nvcr.io/nvidia/pytorch:24.01-py3\n" + TAIL)
    config = Config(base_dir=catalog_root, allowed_registries=("mcr.microsoft.com", "NVCR.io"))
    assert messages(catalog_root, "base-registry", config=config) == []


@pytest.mark.parametrize(
    "dockerfile, expected",
    [
        ("", "cannot parse Dockerfile"),
        ("# only a comment\n", "cannot parse Dockerfile"),
        ("FORM " + BASE + "\n", "unknown instruction FORM"),
        ("RUN echo hi\n", "no FROM instruction"),
        ("FROM\nRUN echo hi\n", "FROM names no image"),
        ("FROM --platform=linux/amd64\n", "FROM names no image"),
        ("FROM " + BASE + "\nRUN <<EOF\necho\n", "cannot parse Dockerfile"),
        (b"\xff\xfeF\x00R\x00", "not valid UTF-8"),
    ],
)
def test_dockerfile_syntax(catalog_root, dockerfile, expected):
    with_dockerfile(catalog_root, dockerfile)
    found = messages(catalog_root, "dockerfile-syntax")
    assert any(expected in m for m in found), found
