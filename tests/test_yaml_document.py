"""The YAML loader: values with the line and column of each, bounded and strict."""

import time
import tracemalloc

import pytest
import yaml

from catalog.files import MAX_TEXT_BYTES
from catalog.yaml_document import MAX_DEPTH, MAX_EXPANDED_CHARS, Document, load_document, parse_into

# libyaml's parser when this PyYAML has it, and PyYAML's own (used where it has not).
# Time limits below are CPU seconds, so other work on a shared machine does not count.
LOADERS = [pytest.param(getattr(yaml, "CSafeLoader", None), id="libyaml"), pytest.param(yaml.SafeLoader, id="pure")]


def load(tmp_path, text):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    return load_document(path)


def parse(tmp_path, text, loader):
    if loader is None:
        pytest.fail(f"PyYAML {yaml.__version__} has no libyaml parser (CSafeLoader); install a PyYAML wheel")
    doc = Document(tmp_path / "x.yaml")
    parse_into(doc, text, loader)
    return doc


def test_locations_of_values_and_keys(tmp_path):
    doc = load(tmp_path, "a: 1\nb:\n  c: [1, 2, {d: x}]\n  e: 'q'\n")
    assert doc.data == {"a": 1, "b": {"c": [1, 2, {"d": "x"}], "e": "q"}}
    assert (doc.location("b", "c", 2, "d").line, doc.location("b", "c", 2, "d").column) == (3, 17)
    assert (doc.key_location("b", "e").line, doc.key_location("b", "e").column) == (4, 3)
    assert doc.location("b", "missing").line == 3  # nearest written ancestor: the mapping under b


def test_raw_text_of_non_string_scalars(tmp_path):
    doc = load(tmp_path, "python: 3.10\nquoted: '3.10'\nflag: yes\n")
    assert doc.data == {"python": 3.1, "quoted": "3.10", "flag": True}
    assert doc.raw_scalar("python") == "3.10" and doc.raw_scalar("quoted") is None and doc.raw_scalar("flag") == "yes"


def test_merge_keys_and_overrides(tmp_path):
    doc = load(tmp_path, "a: &A {x: 1, y: 2}\nb:\n  <<: *A\n  y: 3\n")
    assert doc.data["b"] == {"x": 1, "y": 3} and doc.problems == []


def test_literal_merge_tag_string_is_an_ordinary_key(tmp_path):
    doc = load(tmp_path, "'tag:yaml.org,2002:merge': 1\n")
    assert doc.data == {"tag:yaml.org,2002:merge": 1}


def test_aliases_share_values_and_unknown_alias_is_an_error(tmp_path):
    assert load(tmp_path, "a: &x [1]\nb: *x\n").data == {"a": [1], "b": [1]}
    [problem] = load(tmp_path, "a: *nope\n").problems
    assert "unknown or enclosing anchor" in problem.message and problem.location.line == 1


def test_recursive_alias_is_refused(tmp_path):
    [problem] = load(tmp_path, "a: &x\n  b: *x\n").problems
    assert "enclosing anchor" in problem.message


def test_non_string_keys_become_text(tmp_path):
    assert load(tmp_path, "1: a\ntrue: b\nnull: c\n").data == {"1": "a", "true": "b", "null": "c"}


@pytest.mark.parametrize("loader", LOADERS)
def test_non_ascii_text_round_trips(tmp_path, loader):
    text = (
        'description: "Fast 🚀 training, naïve Bayes, 中文"\ntags:\n  Emoji: 🐍 3.12\n  "😀": [é, "\\U0001F600", x]\n'
    )
    doc = parse(tmp_path, text, loader)
    assert doc.problems == []
    assert doc.data == {
        "description": "Fast 🚀 training, naïve Bayes, 中文",
        "tags": {"Emoji": "🐍 3.12", "😀": ["é", "😀", "x"]},
    }
    # Columns count characters, as editors show them, not UTF-8 bytes.
    assert (doc.location("tags", "😀", 2).line, doc.location("tags", "😀", 2).column) == (4, 26)


NESTING = {
    "flow lists": "a: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "flow mappings": "a: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n",
    "flow, one per line": "a:\n" + " [\n" * 100_000 + " " + "]" * 100_000 + "\n",
    "block lists on one line": "a:\n  " + "- " * 100_000 + "x\n",
    "block mappings by indentation": "".join(" " * i + "a:\n" for i in range(1_400)) + " " * 1_400 + "x\n",
}


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("shape", sorted(NESTING))
def test_deep_nesting_is_refused_fast(tmp_path, loader, shape):
    started = time.process_time()
    doc = parse(tmp_path, NESTING[shape], loader)
    elapsed = time.process_time() - started
    [problem] = doc.problems
    assert problem.message == f"YAML is nested deeper than {MAX_DEPTH} levels"
    assert problem.location.line is not None
    assert elapsed < 1.0, f"{elapsed:.2f} s"


@pytest.mark.parametrize("loader", LOADERS)
def test_nesting_up_to_the_limit_is_accepted(tmp_path, loader):
    doc = parse(tmp_path, "a: " + "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1) + "\n", loader)
    assert doc.problems == [] and doc.ok


def _string_bomb(copies: int) -> str:
    """A 10 kB string, repeated ``copies`` times by a list, which another list repeats 100 times."""
    return (
        'a: &a "' + "x" * 10_000 + '"\n'
        "b: &b [" + ", ".join(["*a"] * copies) + "]\n"
        "c: [" + ", ".join(["*b"] * 100) + "]\n"
    )


@pytest.mark.parametrize("loader", LOADERS)
def test_alias_bomb_of_long_strings_is_refused_quickly_in_little_memory(tmp_path, loader):
    text = _string_bomb(100)  # 20 kB of YAML expanding to 100 MB of text
    tracemalloc.start()
    started = time.process_time()
    try:
        doc = parse(tmp_path, text, loader)
        elapsed = time.process_time() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [problem] = doc.problems
    assert f"expands to more than {MAX_EXPANDED_CHARS >> 20} MB of text" in problem.message
    assert "alias *b" in problem.message and problem.location.line == 3
    assert doc.data is None
    assert elapsed < 1.0 and peak < 10 * len(text) + (1 << 20), (elapsed, peak)


def test_nested_alias_bomb_is_refused_at_its_alias(tmp_path):
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    for previous, level in zip("abcdefgh", "bcdefghi", strict=True):
        bomb += f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]\n"
    [problem] = load(tmp_path, bomb).problems
    # a to f expand to 1.3 MB together; the first alias of f on line 7 passes 2 MB
    assert "expands to more than" in problem.message and "alias *f" in problem.message
    assert (problem.location.line, problem.location.column) == (7, 8)


def test_aliases_expanding_within_the_limit_are_accepted(tmp_path):
    doc = load(tmp_path, _string_bomb(1))  # 1 MB expanded
    assert doc.problems == [] and len(doc.data["c"]) == 100 and doc.data["c"][0][0] == "x" * 10_000


def test_a_plain_spec_with_50000_tags_is_accepted(tmp_path):
    text = "name: big\ntags:\n" + "".join(f"  T{index:05d}: v{index}\n" for index in range(50_000))
    assert len(text.encode()) < MAX_TEXT_BYTES
    doc = load(tmp_path, text)
    assert doc.problems == [] and len(doc.data["tags"]) == 50_000
    assert doc.location("tags", "T49999").line == 50_002


def test_a_plain_file_at_the_size_limit_never_counts_as_expanding_too_far(tmp_path):
    item = "- {k: v, l: [1, 2, '']}\n"
    text = item * (MAX_TEXT_BYTES // len(item))
    doc = load(tmp_path, "a:\n" + text[: MAX_TEXT_BYTES - 3])
    assert doc.problems == [] or "expands" not in doc.problems[0].message
    assert load(tmp_path, "a:\n" + text[: MAX_TEXT_BYTES - 3 - (MAX_TEXT_BYTES - 3) % len(item)]).problems == []


@pytest.mark.parametrize(
    "text, line",
    [
        ("a: 1\ntags: !!python/object:foo.Bar {a: 1}\n", 2),
        ("a: 1\nb: !custom [1]\n", 2),
        ("a:\n  - !!python/object/apply:os.system [echo]\n", 2),
        ("a: !!set {x, y}\n", 1),
        ("a: !!omap [{x: 1}]\n", 1),
        ("a: !!seq {x: 1}\n", 1),
        ("a: !!map [1]\n", 1),
        ("!!python/name:os.system {a: 1}\n", 1),
        ("a:\n  b: !custom\n    c: 1\n", 2),
    ],
)
def test_tags_on_mappings_and_lists_are_refused(tmp_path, text, line):
    doc = load(tmp_path, text)
    [problem] = doc.problems
    assert "unsupported YAML tag" in problem.message and problem.location.line == line
    assert doc.data is None


def test_standard_and_non_specific_collection_tags_are_accepted(tmp_path):
    doc = load(tmp_path, "a: !!map {x: 1}\nb: !!seq [1]\nc: ! [2]\n")
    assert doc.problems == [] and doc.data == {"a": {"x": 1}, "b": [1], "c": [2]}
