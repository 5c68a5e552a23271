"""``catalog lint``: rules over the model, findings to reporters.

``run.lint`` checks target environments with the chosen rules (``rules``, a registry of
codes) in a typed ``context.LintContext``; ``suppressions`` drops what is switched off;
``report`` holds one module per output format.
"""
