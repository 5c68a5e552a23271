"""``catalog init`` and the policy presets it writes."""

import tomllib

from tests.conftest import DOCKERFILE, run_cli, write_env


def test_init_writes_the_minimal_configuration(tmp_path):
    write_env(tmp_path / "environments", "sklearn-1.5")
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    table = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["catalog"]
    assert table == {"roots": ["environments"]}
    assert (tmp_path / "mkdocs.yml").read_text() == (
        'site_name: "Curated environments"\ntheme: material\nplugins: [catalog, search]\n')
    assert (tmp_path / "docs").is_dir()
    assert run_cli("lint", cwd=tmp_path).returncode == 0


def test_init_finds_an_azureml_assets_layout_and_writes_the_preset(tmp_path):
    (tmp_path / "assets").mkdir()
    result = run_cli("init", "--preset", "azureml-assets", "--site-name", 'Our "ML" envs', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    table = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["catalog"]
    assert table == {"roots": ["assets"], "preset": "azureml-assets"}
    assert 'site_name: "Our \\"ML\\" envs"' in (tmp_path / "mkdocs.yml").read_text()


def test_init_adds_a_table_to_an_existing_pyproject(tmp_path):
    original = '[project]\nname = "ours"\n'
    (tmp_path / "pyproject.toml").write_text(original)
    assert run_cli("init", "--root", "envs/curated", cwd=tmp_path).returncode == 0
    text = (tmp_path / "pyproject.toml").read_text()
    assert text.startswith(original)
    assert tomllib.loads(text)["tool"]["catalog"]["roots"] == ["envs/curated"]


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path):
    (tmp_path / "mkdocs.yml").write_text("site_name: Mine\n")
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 2
    assert "mkdocs.yml is there already" in result.stderr and "nothing was written" in result.stderr
    assert (tmp_path / "mkdocs.yml").read_text() == "site_name: Mine\n"
    assert not (tmp_path / "pyproject.toml").exists() and not (tmp_path / "docs").exists()

    (tmp_path / "mkdocs.yml").unlink()
    (tmp_path / "pyproject.toml").write_text('[tool.catalog]\nroots = ["x"]\n')
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 2 and "already has a [tool.catalog] table" in result.stderr
    assert not (tmp_path / "mkdocs.yml").exists()


def _with_nvidia_base(tmp_path):
    dockerfile = DOCKERFILE.replace("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}",
                                    "nvcr.io/nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04")
    write_env(tmp_path / "environments", "sklearn-1.5", {"context/Dockerfile": dockerfile})


def test_default_policy_names_how_to_allow_a_registry(tmp_path):
    _with_nvidia_base(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.catalog]\nroots = ["environments"]\n')
    result = run_cli("lint", "--select", "base-registry", cwd=tmp_path)
    assert result.returncode == 1
    assert "to allow it, add 'nvcr.io' to allowed-registries in [tool.catalog]" in result.stdout


def test_azureml_assets_preset_allows_nvidia_bases_and_drops_required_tags(tmp_path):
    _with_nvidia_base(tmp_path)
    spec = tmp_path / "environments" / "sklearn-1.5" / "spec.yaml"
    spec.write_text(spec.read_text().replace('  Python: "3.10"\n', ""))
    (tmp_path / "pyproject.toml").write_text('[tool.catalog]\nroots = ["environments"]\npreset = "azureml-assets"\n')
    result = run_cli("lint", "--select", "base-registry,required-tag", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    # an explicit key still wins over the preset
    (tmp_path / "pyproject.toml").write_text('[tool.catalog]\nroots = ["environments"]\npreset = "azureml-assets"\n'
                                              'allowed-registries = ["mcr.microsoft.com"]\n')
    assert run_cli("lint", "--select", "base-registry", cwd=tmp_path).returncode == 1


def test_unknown_preset_is_a_configuration_error(tmp_path):
    write_env(tmp_path / "environments", "sklearn-1.5")
    (tmp_path / "pyproject.toml").write_text('[tool.catalog]\npreset = "lenient"\n')
    result = run_cli("lint", cwd=tmp_path)
    assert result.returncode == 2 and "preset" in result.stderr and "Traceback" not in result.stderr
