"""The deprecation workflow, as data: description, tags, DeleteOn date, replacement."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

from catalog.finding import Problem, Severity
from catalog.lint.context import LintContext
from catalog.lint.rules import rule
from catalog.model import EnvironmentAsset
from catalog.model.facts import DEPRECATION_NOTICE

DATE_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}")


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@rule("CAT203", "deprecation")
def deprecation(env: EnvironmentAsset, ctx: LintContext) -> Iterator[Problem]:
    """The deprecation workflow is incomplete or inconsistent.

    A deprecated environment has three things together: a description that starts
    `DEPRECATED: Please use <replacement> instead.`, a `Deprecated` tag with an empty
    value, and a `DeleteOn` tag holding a real date `YYYY-MM-DD`. A `DeleteOn` in the
    past is an error: the environment should have been archived. The replacement must
    be in the catalog and not deprecated itself. When git can tell the day the
    `DeleteOn` tag was added (or it is being added now), a date less than 3 or more
    than 6 months after that day is a warning.

    **Why:** users learn about a deprecation from the description and the UI's tag,
    and plan their move by the date; any one of them missing leaves users stranded on
    an environment that disappears.

    **Bad:**

    ```yaml
    description: Old scikit-learn environment.
    tags:
      Deprecated: ""
    ```

    **Good:**

    ```yaml
    description: >-
      DEPRECATED: Please use sklearn-1.5 instead. Old scikit-learn environment.
    tags:
      Deprecated: ""
      DeleteOn: "2027-04-30"
    ```
    """
    doc = env.spec_doc
    if doc is None or not doc.ok:
        return
    tags = env.tags
    description = (env.description or "").lstrip()
    notice = DEPRECATION_NOTICE.match(description)
    has_tag = "Deprecated" in tags
    says_deprecated = description[:10].upper() == "DEPRECATED"
    desc_location = doc.location("description")
    if says_deprecated and notice is None:
        yield Problem(desc_location, "description must start exactly 'DEPRECATED: Please use <replacement> instead.'")
    if says_deprecated and not has_tag:
        missing = "Deprecated and DeleteOn tags" if "DeleteOn" not in tags else "Deprecated tag"
        yield Problem(env.tag_location() if doc.has("tags") else desc_location,
                      f"description says DEPRECATED but the spec has no {missing}")
    if has_tag and not says_deprecated:
        yield Problem(desc_location, "tagged Deprecated, but the description does not start 'DEPRECATED: Please use "
                                     "<replacement> instead.'")
    if has_tag or "DeleteOn" in tags:
        yield from _check_delete_on(env, ctx, has_tag)
    if notice is not None:
        yield from _check_replacement(env, ctx, desc_location)


def _check_delete_on(env: EnvironmentAsset, ctx: LintContext, has_tag: bool) -> Iterator[Problem]:
    tags = env.tags
    if "DeleteOn" not in tags:
        yield Problem(env.tag_location("Deprecated"), "a deprecated environment needs a DeleteOn tag (YYYY-MM-DD)")
        return
    location = env.tag_location("DeleteOn")
    if not has_tag:
        yield Problem(location, "DeleteOn is set but the environment has no Deprecated tag")
    day = env.facts.delete_on
    if day is None:
        shown = env.spec_doc.raw_scalar("tags", "DeleteOn") if env.spec_doc is not None else None
        yield Problem(location, f"DeleteOn {shown or tags['DeleteOn']!r} is not a calendar date in the form YYYY-MM-DD")
        return
    if day < ctx.today:
        yield Problem(location, f"DeleteOn {day.isoformat()} has passed: archive the environment and remove it")
        return
    from catalog.git import line_added_on

    added = line_added_on(location.path, location.line, ctx.today) if location.line else None
    if added is not None and not (add_months(added, 3) <= day <= add_months(added, 6)):
        yield Problem(
            location,
            f"DeleteOn {day.isoformat()} is {(day - added).days} days after the tag was added on "
            f"{added.isoformat()}; give users 3 to 6 months",
            Severity.WARNING,
        )


def _check_replacement(env: EnvironmentAsset, ctx: LintContext, location) -> Iterator[Problem]:
    name = env.facts.replacement
    if name is None:
        return
    if name == env.name:
        yield Problem(location, "an environment cannot be its own replacement")
        return
    replacements = ctx.catalog.named(name)
    if not replacements:
        yield Problem(location, f"replacement {name!r} is not in the catalog")
    elif all(other.deprecated for other in replacements):
        yield Problem(location, f"replacement {name!r} is itself deprecated")
