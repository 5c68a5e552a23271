"""Pinning: template tags in build files resolved into concrete values over HTTP.

``registry`` asks a container registry (the OCI distribution API) for tags and
digests, ``package_index`` asks a Python package index (the simple API) for releases,
``resolve`` finds the template tags of an environment and resolves them with the two,
and ``lookups`` caches their answers per run and on disk.
"""
