"""``catalog rules``: the lint rules (or, with --policy, the build policy's checks), listed
or explained from their own docstrings."""

from __future__ import annotations

import click

from catalog.cli.common import EXIT_CLEAN, UsageError


@click.command()
@click.argument("name", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--policy", is_flag=True, help="The build policy's checks (what `catalog build` judges) instead.")
def rules(name, fmt, policy) -> int:
    """List the lint rules, or explain the rule NAME (a name or a code: a lint rule, or a
    build policy check)."""
    import json

    from catalog.builds.policy import POLICY
    from catalog.lint.rules import all_rules

    chosen: list = list(POLICY) if policy else all_rules()
    if name is not None:
        chosen = [r for r in [*all_rules(), *POLICY] if name in (r.name, r.code, r.code.lower())]
        if not chosen:
            raise UsageError(f"unknown rule {name!r}; `catalog rules` and `catalog rules --policy` list them")
    if fmt == "json":
        payload = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity.value,
                "summary": r.summary,
                "documentation": r.body,
            }
            for r in chosen
        ]
        click.echo(json.dumps(payload, indent=2))
    elif name is not None:
        rule = chosen[0]
        click.echo(f"{rule.code} {rule.name} ({rule.severity.value})\n\n{rule.summary}\n\n{rule.body}")
    else:
        width = max(len(r.name) for r in chosen)
        for r in chosen:
            click.echo(f"{r.code}  {r.name:<{width}}  {r.severity.value:<7}  {r.summary}")
    return EXIT_CLEAN
