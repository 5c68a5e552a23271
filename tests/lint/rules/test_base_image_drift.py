"""base-image-drift: tags and the name against the base image the Dockerfile builds from."""

import pytest

from catalog.finding import Severity
from tests.conftest import DOCKERFILE, findings, with_tags, write_env

CPU_2004 = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:{{latest-image-tag}}"
CUDA_124 = "mcr.microsoft.com/azureml/openmpi5.0-cuda12.4-ubuntu22.04:{{latest-image-tag}}"
ACPT_126 = (
    r"mcr.microsoft.com/aifx/acpt/stable-ubuntu2204-cu126-py310-torch280:{{latest-image-tag:biweekly\.\d{6}\.\d{1}.*}}"
)


def drift(root, base, *tags, name="sklearn-1.5", dockerfile=None):
    dockerfile = dockerfile or DOCKERFILE.replace(
        "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}", base)
    write_env(root, name, {"spec.yaml": with_tags(*tags), "context/Dockerfile": dockerfile})
    return findings(root, "base-image-drift")


def test_os_tag_that_the_base_contradicts(catalog_root):
    [finding] = drift(catalog_root, CPU_2004, "OS: Ubuntu22.04", 'Python: "3.10"')
    assert finding.severity is Severity.WARNING
    assert finding.message == (f"tag OS says Ubuntu 22.04 but the base image {CPU_2004!r} (Dockerfile line 1) "
                               "is Ubuntu 20.04")
    assert (finding.location.path.name, finding.location.line) == ("spec.yaml", 10)


@pytest.mark.parametrize("base, os_tag", [(ACPT_126, "Ubuntu22.04"), ("ubuntu:24.04", "Ubuntu24.04"),
                                          ("nvcr.io/nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04", "Ubuntu22.04")])
def test_os_spelled_differently_in_the_image_name_agrees(catalog_root, base, os_tag):
    found = drift(catalog_root, base, f"OS: {os_tag}", 'Python: "3.10"', "GPU: Cuda12")
    assert [f for f in found if "tag OS" in f.message] == []


def test_gpu_tag_over_a_base_without_cuda(catalog_root):
    [finding] = drift(catalog_root, CPU_2004, "OS: Ubuntu20.04", 'Python: "3.10"', "GPU: Cuda11")
    assert "tag GPU says GPU" in finding.message and "has no CUDA" in finding.message


def test_cuda_base_under_a_spec_that_does_not_say_gpu(catalog_root):
    [finding] = drift(catalog_root, CUDA_124, "OS: Ubuntu22.04", 'Python: "3.10"')
    assert "is a CUDA 12.4 image but no tag says so" in finding.message


def test_spec_without_platform_tags_is_not_asked_for_a_gpu_tag(catalog_root):
    assert drift(catalog_root, CUDA_124, 'Preview: ""') == []


@pytest.mark.parametrize("tag", ["GPU: Cuda11", 'Cuda: "12.1"', 'CUDA: "11.8"'])
def test_cuda_version_that_the_base_contradicts(catalog_root, tag):
    found = drift(catalog_root, ACPT_126, "OS: Ubuntu22.04", 'Python: "3.10"', tag)
    assert [f.message.split(" but ")[1] for f in found] == [
        f"the base image {ACPT_126!r} (Dockerfile line 1) has CUDA 12.6"]


@pytest.mark.parametrize("tag", ["GPU: Cuda12", 'Cuda: "12.6"', 'Cuda: "12.6.3"'])
def test_cuda_versions_that_agree(catalog_root, tag):
    assert drift(catalog_root, ACPT_126, "OS: Ubuntu22.04", 'Python: "3.10"', tag) == []


def test_name_cuda_token_that_the_base_contradicts(catalog_root):
    [finding] = drift(catalog_root, ACPT_126, "OS: Ubuntu22.04", 'Python: "3.10"', "GPU: Cuda12",
                      name="pytorch-2.2-cuda12.1")
    assert finding.location.path.name == "asset.yaml"
    assert finding.message.startswith("the name says cuda12.1 but the base image")


def test_final_stage_base_is_compared_through_stage_names(catalog_root):
    dockerfile = (f"FROM ubuntu:24.04 AS tools\nRUN echo\nFROM {CPU_2004} AS runtime\n"
                  "FROM runtime\nCOPY requirements.txt /tmp/requirements.txt\n")
    [finding] = drift(catalog_root, None, "OS: Ubuntu24.04", 'Python: "3.10"', dockerfile=dockerfile)
    assert "is Ubuntu 20.04" in finding.message and "(Dockerfile line 3)" in finding.message


def test_base_named_by_an_unknown_arg_is_not_guessed(catalog_root):
    dockerfile = "ARG BASE\nFROM $BASE\nCOPY requirements.txt /tmp/requirements.txt\n"
    assert drift(catalog_root, None, "OS: Ubuntu22.04", 'Python: "3.10"', "GPU: Cuda12", dockerfile=dockerfile) == []


def test_clean_sample_tags_agree(catalog_root):
    assert drift(catalog_root, "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}",
                 "OS: Ubuntu22.04", 'Python: "3.10"') == []
