"""What the site says about an environment, on patterns from the public curated-environment repository.

CUDA environments whose name does not say so, tags that are not frameworks (MaaS,
Foundry), an unquoted ``Python: 3.10``, an OS tag beside the platform, a base image with
a template tag: the generated files must say what the environment is.
"""

import json
import re
from pathlib import Path

import pytest

from tests.conftest import SPEC, write_env
from tests.site.conftest import catalog_validator, generate

# name: (tags as YAML lines, Dockerfile FROM line, requirements)
PATTERNS = {
    # the name says cuda12.1, the tag says GPU: Cuda12, the base image cu126; Python unquoted
    "acpt-pytorch-2.2-cuda12.1": (
        '  PyTorch: "2.2"\n  GPU: Cuda12\n  OS: Ubuntu20.04\n  Training: ""\n  Preview: ""\n  Python: 3.10\n'
        '  DeepSpeed: "0.13.1"\n  Checkpointing:Nebula: "0.16.10"\n',
        r"FROM "
        r"mcr.microsoft.com/aifx/acpt/stable-ubuntu2204-cu126-py310-torch280:{{latest-image-tag:biweekly\.\d{6}\.\d{1}.*}}",
        "deepspeed==0.13.1\n",
    ),
    # only the base image says CUDA
    "automl-dnn-vision": (
        '  OS: Ubuntu20.04\n  Python: "3.9"\n  Training: ""\n',
        "FROM mcr.microsoft.com/azureml/openmpi5.0-cuda12.4-ubuntu22.04:{{latest-image-tag}}",
        "torch==2.8.0\ntorchvision==0.23.0\n",
    ),
    # an NVIDIA base image and a framework tag in another spelling
    "tensorflow-2.16-cuda12": (
        '  Tensorflow: "2.16"\n  OS: Ubuntu20.04\n  Python: "3.10"\n  Training: ""\n',
        "FROM nvcr.io/nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04",
        "tensorflow==2.16.1\n",
    ),
    # tags that are no framework, no framework package: no framework
    "foundry-model-serve": (
        '  Foundry: ""\n  MaaS: ""\n  provider: Microsoft\n  Inferencing: ""\n',
        "FROM mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:{{latest-image-tag}}",
        "fastapi==0.115.0\n",
    ),
    # a plain CPU environment; Python 3.12.8 written out
    "designer-cv": (
        '  OS: Ubuntu24.04\n  Python: "3.12.8"\n  Training: ""\n',
        "FROM mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:{{latest-image-tag}}",
        "pillow==11.0.0\n",
    ),
}


def write_pattern(root: Path, name: str) -> None:
    tags, from_line, requirements = PATTERNS[name]
    spec = SPEC.split("tags:\n", 1)[0].replace("A scikit-learn environment", name) + "tags:\n" + tags
    write_env(root, name, {
        "spec.yaml": spec,
        "context/Dockerfile": f"{from_line}\nCOPY requirements.txt /tmp/\nRUN pip install -r /tmp/requirements.txt\n",
        "context/requirements.txt": requirements,
    })


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, dict]:
    base = tmp_path_factory.mktemp("patterns")
    root = base / "environments"
    for name in PATTERNS:
        write_pattern(root, name)
    out = base / "out"
    result = generate(root, out)
    assert result.environments == len(PATTERNS) and not result.problems
    data = json.loads((out / "catalog.json").read_text())
    assert [f"{list(e.absolute_path)}: {e.message}" for e in catalog_validator().iter_errors(data)] == []
    return out, {entry["name"]: entry for entry in data["environments"]}


def page(out: Path, name: str) -> str:
    return (out / "environments" / f"{name}.md").read_text()


def home_rows(out: Path) -> dict[str, str]:
    return {m.group(1): m.group(0) for m in re.finditer(r'<tr class="catalog-row"[^>]* data-name="([^"]*)".*?</tr>',
                                                        (out / "index.md").read_text(), re.S)}


def test_cuda_environments_are_gpu_environments(site):
    out, entries = site
    compute = {name: entry["compute"] for name, entry in entries.items()}
    assert compute == {"acpt-pytorch-2.2-cuda12.1": "GPU", "automl-dnn-vision": "GPU", "tensorflow-2.16-cuda12": "GPU",
                       "foundry-model-serve": "CPU", "designer-cv": "CPU"}
    rows = home_rows(out)
    for name, value in compute.items():
        assert f'data-compute="{value}"' in rows[name] and f'<td title="{value}">{value}</td>' in rows[name], name
        text = page(out, name)
        assert f"| CPU/GPU | {value} |" in text
        # usage snippets ask for a machine that can run the image
        if value == "GPU":
            assert "compute: azureml:gpu-cluster" in text and 'compute="gpu-cluster"' in text
            assert "cpu-cluster" not in text
        else:
            assert "compute: azureml:cpu-cluster" in text or "instance_type: Standard_DS3_v2" in text
            assert "gpu-cluster" not in text


def test_a_gpu_inference_environment_is_deployed_on_a_gpu_machine(tmp_path):
    root = tmp_path / "environments"
    write_pattern(root, "foundry-model-serve")
    spec = root / "foundry-model-serve" / "spec.yaml"
    spec.write_text(spec.read_text() + '  CUDA: "12.8"\n')
    generate(root, tmp_path / "out")
    text = page(tmp_path / "out", "foundry-model-serve")
    assert "instance_type: Standard_NC4as_T4_v3" in text and "Standard_DS3_v2" not in text


def test_framework_is_a_known_framework_or_none(site):
    out, entries = site
    frameworks = {name: entry["framework"] for name, entry in entries.items()}
    assert frameworks == {
        "acpt-pytorch-2.2-cuda12.1": {"name": "PyTorch", "version": "2.2"},
        "automl-dnn-vision": {"name": "PyTorch", "version": "2.8.0"},
        "tensorflow-2.16-cuda12": {"name": "TensorFlow", "version": "2.16"},
        "foundry-model-serve": None,
        "designer-cv": None,
    }
    home = (out / "index.md").read_text()
    options = re.search(r'<select id="catalog-filter-framework".*?</select>', home, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', options) == ["", "(none)", "PyTorch", "TensorFlow"]
    for word in ("MaaS", "Foundry", "provider"):
        assert word not in options
    assert "| Framework | none detected |" in page(out, "foundry-model-serve")
    assert "| Framework | PyTorch 2.2 |" in page(out, "acpt-pytorch-2.2-cuda12.1")


def test_python_is_shown_as_written(site):
    out, entries = site
    assert entries["acpt-pytorch-2.2-cuda12.1"]["python"] == "3.10"  # `Python: 3.10` unquoted
    assert entries["acpt-pytorch-2.2-cuda12.1"]["tags"]["Python"] == "3.10"
    assert entries["designer-cv"]["python"] == "3.12.8"
    text = page(out, "acpt-pytorch-2.2-cuda12.1")
    assert "| Python | 3.10 |" in text and "[3.10](../tags.md#tag:python-310)" in text
    assert not re.search(r"(?<![\d.])3\.1(?![\d.])", text)
    row = home_rows(out)["acpt-pytorch-2.2-cuda12.1"]
    assert 'data-python="3.10"' in row and '<td title="3.10">3.10</td>' in row
    assert '<option value="3.10">3.10</option>' in (out / "index.md").read_text()
    tags = (out / "tags.md").read_text()
    assert 'id="tag:python-310"' in tags and ">Python: 3.10<" in tags and "Python: 3.1<" not in tags


def test_platform_and_os_are_separate_facets(site):
    out, entries = site
    entry = entries["acpt-pytorch-2.2-cuda12.1"]
    assert (entry["os"], entry["platform"]) == ("Ubuntu 20.04", "linux")
    home = (out / "index.md").read_text()

    def options(facet):
        select = re.search(rf'<select id="catalog-filter-{facet}".*?</select>', home, re.S).group(0)
        return re.findall(r'<option value="([^"]*)"', select)[1:]

    assert options("os") == ["(none)", "Ubuntu 20.04", "Ubuntu 24.04"]
    assert options("platform") == ["linux"]
    row = home_rows(out)["acpt-pytorch-2.2-cuda12.1"]
    assert 'data-os="Ubuntu 20.04"' in row and 'data-platform="linux"' in row
    text = page(out, "acpt-pytorch-2.2-cuda12.1")
    assert "| OS | Ubuntu 20.04 |" in text and "| Platform | linux |" in text


def test_each_tag_is_shown_once(site):
    out, _ = site
    text = page(out, "acpt-pytorch-2.2-cuda12.1")
    front_matter = text.split("\n---\n", 1)[0]
    assert "tags:" not in front_matter  # no Material tag chips on top of our own list
    section = text.split("\n## Tags\n", 1)[1].split("\n## ", 1)[0]
    items = [line for line in section.splitlines() if line.startswith("- ")]
    keys = [re.match(r"- \[([^\]]*)\]", line).group(1) for line in items]
    assert keys == ["PyTorch", "GPU", "OS", "Training", "Preview", "Python", "DeepSpeed", "Checkpointing:Nebula"]


def test_base_image_is_shown_with_its_template_tag_explained(site):
    out, entries = site
    base = entries["acpt-pytorch-2.2-cuda12.1"]["base_image"]
    written = (r"mcr.microsoft.com/aifx/acpt/stable-ubuntu2204-cu126-py310-torch280"
               r":{{latest-image-tag:biweekly\.\d{6}\.\d{1}.*}}")
    assert base["written"] == written
    assert base["template_tag"]["text"] == r"{{latest-image-tag:biweekly\.\d{6}\.\d{1}.*}}"
    assert (
        "newest tag" in base["template_tag"]["explanation"]
        and r"biweekly\.\d{6}" in base["template_tag"]["explanation"]
    )
    text = page(out, "acpt-pytorch-2.2-cuda12.1")
    assert f'<code id="base-image-ref">{written}</code>' in text
    assert "is a template tag: resolved to the newest tag of this image matching" in text
    plain = entries["designer-cv"]["base_image"]
    assert plain["template_tag"] == {
        "text": "{{latest-image-tag}}",
        "explanation": "resolved to the newest tag of this image when the environment is released"}
    nvidia = entries["tensorflow-2.16-cuda12"]["base_image"]
    assert nvidia == {"written": "nvcr.io/nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04", "reference": None,
                      "template_tag": None}
    assert 'id="base-image-template"' not in page(out, "tensorflow-2.16-cuda12")


def test_text_search_reaches_tags(site):
    out, _ = site
    row = home_rows(out)["acpt-pytorch-2.2-cuda12.1"]
    assert 'data-tags="PyTorch: 2.2 GPU: Cuda12 OS: Ubuntu20.04 Training Preview Python: 3.10 DeepSpeed: 0.13.1 ' \
           'Checkpointing:Nebula: 0.16.10"' in row


def test_rules_page_renders_docstrings_as_markdown(tmp_path):
    root = tmp_path / "environments"
    write_env(root, "sklearn-1.5")
    generate(root, tmp_path / "out")
    rules = (tmp_path / "out" / "rules.md").read_text()
    assert "&#96;" not in rules
    assert "| The asset version is neither `auto` nor a positive integer. |" in rules


def test_tags_whose_anchors_coincide_share_one_section(tmp_path):
    """`Preview` and `preview` (real data has both) make one anchor: one section lists both, in name order."""
    root = tmp_path / "environments"
    for name, extra in (("b-env", '  Preview: ""\n'), ("a-env", '  preview: ""\n'), ("c-env", '  Preview: ""\n')):
        write_env(root, name, {"spec.yaml": SPEC + extra})
    generate(root, tmp_path / "out")
    tags = (tmp_path / "out" / "tags.md").read_text()
    assert tags.count('id="tag:preview"') == 1
    section = tags.split('<h2 id="tag:preview" class="catalog-tag-key">', 1)[1].split("<h2", 1)[0]
    assert section.startswith("Preview / preview</h2>")
    assert re.findall(r"^- \[([^\]]*)\]\(environments/", section, re.M) == ["a-env", "b-env", "c-env"]
    assert (
        '<a class="catalog-tag" href="#tag:preview">Preview / preview <span class="catalog-tag-count">3</span></a>'
        in tags
    )
