"""The catalog site: the loaded catalog as Markdown pages and JSON files for MkDocs.

``generate_site(SiteOptions(...))`` writes the pages; ``catalog site`` and the MkDocs
plugin (``catalog.mkdocs_plugin``) both call it. Nothing in this package imports MkDocs.
"""

from catalog.site.generate import SiteOptions, SiteResult, generate_site
from catalog.site.options import SiteError, generate_checked, generate_configured_site, site_options

__all__ = ["SiteError", "SiteOptions", "SiteResult", "generate_checked", "generate_configured_site", "generate_site",
           "site_options"]
