"""The fixture environment is clean, so every other test's finding comes from its change."""

from tests.conftest import findings, write_env


def test_fixture_environment_has_no_findings(catalog_root):
    write_env(catalog_root)
    assert findings(catalog_root) == []


def test_prebuilt_environment_without_context_is_clean(catalog_root):
    write_env(
        catalog_root,
        "mlflow-inference",
        {
            "environment.yaml": "image:\n  name: azureml/curated/NAME\n  os: linux\n  publish:\n    location: mcr\n    "
                                "visibility: public\n",
            "spec.yaml": 'name: "{{asset.name}}"\nversion: "{{asset.version}}"\n'
            'image: "{{image.publish.hostname}}/{{image.name}}:{{asset.version}}"\nos_type: linux\n'
            'tags:\n  OS: Ubuntu22.04\n  Python: "3.11"\n',
            "context/Dockerfile": None,
            "context/requirements.txt": None,
        },
    )
    assert findings(catalog_root) == []
