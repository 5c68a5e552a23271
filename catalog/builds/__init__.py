"""Build environments into images and check them: ``catalog build``.

Each environment is pinned into a temporary copy, built by one of the container tools
behind ``backends.base.Builder`` (the ``backends.BACKENDS`` registry), smoke-tested inside the image in
one container start (``image_probe``), checked against the build policy, and recorded
in a build report per environment and version that the site reads.
"""
