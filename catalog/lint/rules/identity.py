"""Rules about what an environment is called: names, versions, image names, duplicates."""

from __future__ import annotations

import os
from collections.abc import Iterator

from catalog.finding import Problem, Severity
from catalog.lint.context import LintContext
from catalog.lint.rules import rule
from catalog.model import CURATED_REPOSITORY, EnvironmentAsset
from catalog.template_tags import has_template

RESERVED_PREFIXES = ("AzureML", "Microsoft")


@rule("CAT101", "name-mismatch")
def name_mismatch(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """The spec's name differs from the asset's name.

    A spec name that is a template tag (`"{{asset.name}}"`) always matches. An asset
    with no name of its own takes the spec's; if that is a template too, the
    environment has no name at all.

    **Why:** the asset name decides the release, the image name and the page on the
    site; the spec name decides what users type. Two names for one environment means
    one of them is wrong.

    **Bad** (asset.yaml says `name: sklearn-1.5`; spec.yaml):

    ```yaml
    name: sklearn-15
    ```

    **Good:**

    ```yaml
    name: "{{asset.name}}"
    ```
    """
    asset_name = env.asset_doc.get("name")
    spec_name = env.spec_name
    if not env.asset_doc.ok or env.spec_doc is None or not env.spec_doc.ok:
        return
    if not isinstance(asset_name, str):
        if spec_name is None or has_template(spec_name):
            yield Problem(env.asset_doc.location(), "the environment has no name: set name in asset.yaml")
        return
    if spec_name is not None and not has_template(spec_name) and spec_name != asset_name:
        yield Problem(
            env.spec_doc.location("name"),
            f"spec name {spec_name!r} differs from asset name {asset_name!r}; write name: \"{{{{asset.name}}}}\"",
        )


@rule("CAT102", "version-mismatch")
def version_mismatch(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """The spec's version differs from the asset's version.

    A spec version that is a template tag (`"{{asset.version}}"`) always matches. An
    auto-versioned asset must not pin a version in its spec.

    **Why:** the release records the asset's version; a spec that says otherwise
    publishes a version nobody released.

    **Bad** (asset.yaml says `version: auto`; spec.yaml):

    ```yaml
    version: 3
    ```

    **Good:**

    ```yaml
    version: "{{asset.version}}"
    ```
    """
    if env.spec_doc is None or not env.asset_doc.has("version") or not env.spec_doc.has("version"):
        return
    asset_version, spec_version = env.asset_doc.get("version"), env.spec_version
    if has_template(spec_version):
        return
    location = env.spec_doc.location("version")
    if asset_version == "auto":
        yield Problem(location, f"asset version is auto but the spec pins version {spec_version!r}; write version: "
                                f"\"{{{{asset.version}}}}\"")
    elif str(spec_version) != str(asset_version):
        yield Problem(location, f"spec version {spec_version!r} differs from asset version {asset_version!r}")


def _names(env: EnvironmentAsset):
    if isinstance(env.asset_doc.get("name"), str):
        yield env.asset_doc.get("name"), env.asset_doc.location("name")
    spec_name = env.spec_name
    if env.spec_doc is not None and spec_name is not None and not has_template(spec_name) \
            and spec_name != env.asset_doc.get("name"):
        yield spec_name, env.spec_doc.location("name")


@rule("CAT103", "reserved-prefix")
def reserved_prefix(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """The name begins with a prefix reserved for the platform (`AzureML`, `Microsoft`).

    Compared case-insensitively, on the asset name and on a literal spec name.

    **Why:** Azure ML reserves these prefixes for its own curated environments and
    rejects jobs whose environment name starts with one of them.

    **Bad:**

    ```yaml
    name: AzureML-sklearn-1.5
    ```

    **Good:**

    ```yaml
    name: sklearn-1.5
    ```
    """
    for name, location in _names(env):
        for prefix in RESERVED_PREFIXES:
            if name.lower().startswith(prefix.lower()):
                yield Problem(location, f"name {name!r} starts with the reserved prefix {prefix!r}")


@rule("CAT104", "image-name")
def image_name(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """The image is not named `azureml/curated/<asset name>` or not published to MCR.

    `image.name` in environment.yaml must be exactly `azureml/curated/` followed by
    the asset name in lower case, an image that is built needs an `image.publish`
    section, and `image.publish.location` must be `mcr`. A visibility other
    than `public` is reported as a warning: users of the catalog will not be able to
    pull the image.

    **Why:** the image name is registered with the registry before the first release;
    a name that does not follow the asset cannot be published, and two environments
    could claim one image.

    **Bad:**

    ```yaml
    image:
      name: azureml/sklearn
      publish:
        location: acr
    ```

    **Good:**

    ```yaml
    image:
      name: azureml/curated/sklearn-1.5
      publish:
        location: mcr
        visibility: public
    ```
    """
    doc = env.image_doc
    if doc is None or not doc.ok:
        return
    name = env.image_name
    if name is not None and env.name is not None:
        expected = f"{CURATED_REPOSITORY}/{env.name.lower()}"  # image names cannot hold capitals
        if name != expected:
            yield Problem(doc.location("image", "name"), f"image name {name!r} must be {expected!r}")
    if env.context is not None and not doc.has("image", "publish"):
        yield Problem(
            doc.key_location("image"),
            "environment.yaml builds an image but has no image.publish section, so the image never reaches MCR: "
            "add publish: {location: mcr, visibility: public}",
        )
    location = env.publish_location
    if doc.has("image", "publish", "location") and location != "mcr":
        yield Problem(doc.location("image", "publish", "location"), f"publish location {location!r} must be 'mcr'")
    visibility = env.publish_visibility
    if visibility is not None and visibility != "public":
        yield Problem(
            doc.location("image", "publish", "visibility"),
            f"image visibility is {visibility!r}: catalog users cannot pull it",
            Severity.WARNING,
        )


def _display(env: EnvironmentAsset) -> str:
    return os.path.relpath(env.asset_file)


@rule("CAT004", "duplicate")
def duplicate(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """Two environments in the catalog have the same name or the same image name.

    Looks at the whole catalog, even when only some environments are being linted.

    **Why:** names and image names identify an environment in the registry; the second
    one to be released overwrites the first.

    **Bad:** `training/sklearn/asset.yaml` and `inference/sklearn/asset.yaml` both
    say:

    ```yaml
    name: sklearn-1.5
    ```

    **Good:** one of them is renamed (`sklearn-1.5-inference`) together with its
    image name.
    """
    if env.name is not None:
        yield from _shared(env, ctx.catalog.named(env.name), env.name_location(),
                           f"another environment is also named {env.name!r}")
    if env.image_name is not None and env.image_doc is not None:
        yield from _shared(env, ctx.by_image_name.get(env.image_name, []), env.image_doc.location("image", "name"),
                           f"another environment also uses image {env.image_name!r}")


def _shared(env: EnvironmentAsset, sharing: list[EnvironmentAsset], location, message: str) -> Iterator[Problem]:
    """One finding for an environment among ``sharing``: the first names the second, the others name the first.

    Listing every other environment would make n findings of n names each: with
    3,000 copies of one name, hundreds of megabytes of report.
    """
    if len(sharing) < 2:
        return
    first = sharing[0]
    if env is first:
        message += f": {_display(sharing[1])}"
    else:
        message += f": {_display(first)}, which comes first"
    if len(sharing) > 2:
        message += f" ({len(sharing):,} environments share it)"
    yield Problem(location, message)
