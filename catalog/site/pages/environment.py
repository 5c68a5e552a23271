"""An environment's page: what it is, how to use it, its versions, tags, files and builds."""

from __future__ import annotations

from catalog.site.entry import SiteEntry
from catalog.site.links import PageLinks
from catalog.site.pages import tags
from catalog.site.pages.base import PageContext
from catalog.site.render import tag_anchor, tag_label
from catalog.site.untrusted import neutralize_markdown, without_title

# (cluster, online-endpoint instance type) the usage snippets name: a GPU environment needs a GPU machine.
COMPUTE_TARGETS = {"CPU": ("cpu-cluster", "Standard_DS3_v2"), "GPU": ("gpu-cluster", "Standard_NC4as_T4_v3")}


def render(entry: SiteEntry, links: PageLinks, context: PageContext) -> str:
    data = entry.data
    templates = context.templates
    description = None
    if entry.description_markdown:
        description = neutralize_markdown(without_title(entry.description_markdown), demote_headings=1)
    reference = f"azureml://registries/azureml/environments/{data['name']}/" + (
        f"versions/{data['latest_version']}" if data["latest_version"] else "labels/latest"
    )
    cluster, instance_type = COMPUTE_TARGETS[data["compute"]]
    snippet_context = {"entry": data, "reference": reference, "image": data["image"]["reference"],
                       "cluster": cluster, "instance_type": instance_type}
    serving = "Inference" in data["purposes"] and "Training" not in data["purposes"]
    usage = [
        ("Azure ML CLI v2", "yaml",
         templates.snippet("deployment.yaml.j2" if serving else "job.yaml.j2", **snippet_context)),
        ("Python SDK v2", "python",
         templates.snippet("deployment.py.j2" if serving else "job.py.j2", **snippet_context)),
        ("docker pull", "bash", templates.snippet("docker.sh.j2", **snippet_context)),
    ]
    return templates.page(
        "environment.md.j2",
        entry=data,
        shown=entry,
        links=links,
        today=links.today_date,
        description=description,
        release=data["versions"][0],
        usage=usage,
        tag_links=[(key, value, tag_anchor(key), tag_anchor(tag_label(key, value)) if value else None)
                   for key, value in data["tags"].items()],
        tags_page=f"../{tags.PATH}",
    )
