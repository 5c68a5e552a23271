"""The YAML loader: values with the line and column of each, bounded and strict."""

from catalog.yaml_document import load_document


def load(tmp_path, text):
    path = tmp_path / "x.yaml"
    path.write_text(text)
    return load_document(path)


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
