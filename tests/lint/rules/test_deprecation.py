"""The deprecation workflow."""

import datetime
import subprocess

import pytest

from catalog.finding import Severity
from catalog.lint.rules.deprecation import add_months
from tests.conftest import SPEC, findings, messages, write_env

NOTICE = "DEPRECATED: Please use sklearn-1.5 instead. Old scikit-learn."


def deprecated_spec(description=NOTICE, tags=('Deprecated: ""', 'DeleteOn: "2027-03-31"')):
    spec = SPEC.replace("description: A scikit-learn environment for tests.", f"description: >-\n  {description}")
    return spec + "".join(f"  {tag}\n" for tag in tags)


def write_pair(root, spec, replacement_spec=SPEC):
    write_env(root, "sklearn-1.5", {"spec.yaml": replacement_spec})
    return write_env(root, "sklearn-1.3", {"spec.yaml": spec})


def test_complete_deprecation_is_clean(catalog_root):
    write_pair(catalog_root, deprecated_spec())
    assert findings(catalog_root) == []


def test_tag_without_notice(catalog_root):
    write_pair(catalog_root, deprecated_spec(description="Old scikit-learn."))
    assert messages(catalog_root, "deprecation") == [
        "tagged Deprecated, but the description does not start 'DEPRECATED: Please use <replacement> instead.'"
    ]


def test_notice_without_tags_names_both_missing_tags(catalog_root):
    write_pair(catalog_root, deprecated_spec(tags=()))
    assert messages(catalog_root, "deprecation") == [
        "description says DEPRECATED but the spec has no Deprecated and DeleteOn tags"]


def test_notice_without_deprecated_tag(catalog_root):
    write_pair(catalog_root, deprecated_spec(tags=('DeleteOn: "2027-03-31"',)))
    assert "description says DEPRECATED but the spec has no Deprecated tag" in messages(catalog_root, "deprecation")


def test_malformed_notice(catalog_root):
    write_pair(catalog_root, deprecated_spec(description="DEPRECATED - use sklearn-1.5"))
    found = messages(catalog_root, "deprecation")
    assert found == ["description must start exactly 'DEPRECATED: Please use <replacement> instead.'"]


def test_malformed_notice_without_tags_names_the_missing_tags(catalog_root):
    write_pair(catalog_root, deprecated_spec(description="DEPRECATED - use sklearn-1.5", tags=()))
    assert messages(catalog_root, "deprecation") == [
        "description must start exactly 'DEPRECATED: Please use <replacement> instead.'",
        "description says DEPRECATED but the spec has no Deprecated and DeleteOn tags",
    ]


def test_unquoted_delete_on_timestamp_is_no_date(catalog_root):
    write_pair(catalog_root, deprecated_spec(tags=('Deprecated: ""', "DeleteOn: 2026-11-21 10:00:00")))
    found = messages(catalog_root, "deprecation")
    assert found == ["DeleteOn '2026-11-21 10:00:00' is not a calendar date in the form YYYY-MM-DD"]


def test_deprecated_needs_delete_on(catalog_root):
    write_pair(catalog_root, deprecated_spec(tags=('Deprecated: ""',)))
    assert messages(catalog_root, "deprecation") == ["a deprecated environment needs a DeleteOn tag (YYYY-MM-DD)"]


@pytest.mark.parametrize("value", ['"2027-02-30"', '"31/03/2027"', '"2027-3-31"', '"soon"'])
def test_delete_on_must_be_a_real_date(catalog_root, value):
    write_pair(catalog_root, deprecated_spec(tags=('Deprecated: ""', f"DeleteOn: {value}")))
    [finding] = findings(catalog_root, "deprecation")
    assert "is not a calendar date in the form YYYY-MM-DD" in finding.message
    assert finding.location.line == 15


def test_delete_on_in_the_past(catalog_root):
    write_pair(catalog_root, deprecated_spec(tags=('Deprecated: ""', 'DeleteOn: "2026-11-21"')))
    assert messages(catalog_root, "deprecation") == ["DeleteOn 2026-11-21 has passed: archive the environment and "
                                                     "remove it"]


def test_delete_on_today_is_not_yet_past(catalog_root):
    write_pair(catalog_root, deprecated_spec(tags=('Deprecated: ""', 'DeleteOn: "2026-11-22"')))
    assert messages(catalog_root, "deprecation") == []


def test_delete_on_without_deprecated_tag(catalog_root):
    write_env(catalog_root, files={"spec.yaml": SPEC + '  DeleteOn: "2027-03-31"\n'})
    assert messages(catalog_root, "deprecation") == ["DeleteOn is set but the environment has no Deprecated tag"]


def test_replacement_must_exist(catalog_root):
    write_env(catalog_root, "sklearn-1.3", {"spec.yaml": deprecated_spec(description="DEPRECATED: Please use sklearn-9 "
                                                                                     "instead.")})
    assert messages(catalog_root, "deprecation") == ["replacement 'sklearn-9' is not in the catalog"]


def test_replacement_must_not_be_deprecated(catalog_root):
    write_pair(catalog_root, deprecated_spec(), replacement_spec=deprecated_spec(description="DEPRECATED: Please use "
                                                                                             "sklearn-1.3 instead."))
    found = messages(catalog_root, "deprecation")
    assert "replacement 'sklearn-1.5' is itself deprecated" in found
    assert "replacement 'sklearn-1.3' is itself deprecated" in found


def test_replacement_with_version_suffix(catalog_root):
    write_pair(catalog_root, deprecated_spec(description="DEPRECATED: Please use sklearn-1.5:3 instead."))
    assert messages(catalog_root, "deprecation") == []


def test_replacement_is_checked_against_whole_catalog(catalog_root):
    deprecated = write_pair(catalog_root, deprecated_spec())
    assert findings(catalog_root, "deprecation", targets=[deprecated]) == []


def test_add_months_clamps_to_month_end():
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2026, 8, 31), 6) == datetime.date(2027, 2, 28)


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "GIT_COMMITTER_DATE": "2026-11-01T12:00:00Z",
                        "GIT_AUTHOR_DATE": "2026-11-01T12:00:00Z", "PATH": "/usr/bin:/bin"})


class TestDeleteOnWindowHint:
    """3 to 6 months from the day the tag was added, when git can tell that day."""

    def test_uncommitted_tag_counts_from_today(self, catalog_root):
        git(catalog_root, "init", "-q")
        write_pair(catalog_root, deprecated_spec(tags=('Deprecated: ""', 'DeleteOn: "2026-12-15"')))
        [finding] = findings(catalog_root, "deprecation")
        assert finding.severity is Severity.WARNING
        assert "23 days after the tag was added on 2026-11-22" in finding.message

    def test_committed_tag_counts_from_commit_day(self, catalog_root):
        git(catalog_root, "init", "-q")
        write_pair(catalog_root, deprecated_spec(tags=('Deprecated: ""', 'DeleteOn: "2027-06-01"')))
        git(catalog_root, "add", ".")
        git(catalog_root, "commit", "-qm", "deprecate")
        [finding] = findings(catalog_root, "deprecation")
        assert "added on 2026-11-01" in finding.message and finding.severity is Severity.WARNING

    def test_committed_tag_inside_window(self, catalog_root):
        git(catalog_root, "init", "-q")
        write_pair(catalog_root, deprecated_spec(tags=('Deprecated: ""', 'DeleteOn: "2027-03-01"')))
        git(catalog_root, "add", ".")
        git(catalog_root, "commit", "-qm", "deprecate")
        assert findings(catalog_root, "deprecation") == []

    def test_outside_git_there_is_no_guess(self, catalog_root):
        write_pair(catalog_root, deprecated_spec(tags=('Deprecated: ""', 'DeleteOn: "2026-12-15"')))
        assert findings(catalog_root, "deprecation") == []
