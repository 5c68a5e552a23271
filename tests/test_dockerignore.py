""".dockerignore matching: Docker's semantics, invalid patterns as problems, time linear in the path."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from catalog.dockerignore import DockerIgnore
from tests.conftest import REPO

CASES = [
    ("*.txt", "requirements.txt", True),
    ("*.txt", "deps/requirements.txt", False),  # * stays within a segment
    ("**/*.txt", "deps/pinned/requirements.txt", True),
    ("**/*.txt", "requirements.txt", True),
    ("**.pyc", "module.pyc", True),  # Docker's suffix shortcut, not its regex
    ("**/cache", "a/b/cache/file", True),
    ("foo/**", "foo/a/b", True),
    ("foo/**", "foo", False),
    ("foo", "foo/bar/baz", True),  # a matching directory excludes what is below it
    ("foo*bar", "foo/x/bar", False),
    ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b", True),
    ("dir/?.txt", "dir/a.txt", True),
    ("dir/?.txt", "dir/ab.txt", False),
    ("[a-c].md", "b.md", True),
    ("[a-c].md", "d.md", False),
    ("[^a].md", "a.md", False),
    ("/rooted/path", "rooted/path", True),
    ("a/../b", "b", True),
    ("*.txt\n!keep.txt", "keep.txt", False),
    ("*.txt\n!keep.txt\nkeep*", "keep.txt", True),  # the last match wins
    ("# *.txt", "notes.txt", False),
]


@pytest.mark.parametrize("patterns, path, excluded", CASES)
def test_matches_as_docker_does(patterns, path, excluded):
    ignore = DockerIgnore.parse(patterns + "\n")
    assert ignore.problems == []
    assert ignore.excludes(path) is excluded


def test_invalid_patterns_are_problems_and_the_others_still_apply():
    ignore = DockerIgnore.parse("*.log\n[z-a]\nbuild[\n" + "x" * 5000 + "\n")
    assert [(line, message.split(" (")[0]) for line, message in ignore.problems] == [
        (2, "pattern '[z-a]' is invalid"),
        (3, "pattern 'build[' is invalid"),
        (4, "pattern '" + "x" * 60 + "…' is invalid"),
    ]
    assert ignore.excludes("debug.log") and not ignore.excludes("build")


@pytest.mark.parametrize("pattern, path", [
    ("**/" * 12 + "x", "/".join(["a"] * 60) + "/b"),
    ("*a" * 30 + "b", "a" * 250),
    ("**/*a*a*a*a*a*a*a*a*c", "/".join(["aaaaaaaaaaaaaaaaaaaa"] * 100)),
])
def test_matching_time_is_linear_in_the_path(pattern, path):
    """In a child process with a deadline: a backtracking matcher would never come back."""
    code = (f"from catalog.dockerignore import DockerIgnore\n"
            f"print(DockerIgnore.parse({pattern!r}).excludes({path!r}))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=20,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert result.stdout == "False\n", result.stderr
