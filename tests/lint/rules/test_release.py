"""The release family: duplicate-definition over large groups of equal definitions."""

from __future__ import annotations

import catalog.model.catalog as catalog_module
from tests.conftest import DOCKERFILE, findings, write_env

FIXED = DOCKERFILE.replace("NAME", "fixed")


class CountingList(list):
    """A group of equal definitions that counts how often it is walked."""

    walks = 0

    def __iter__(self):
        CountingList.walks += 1
        return super().__iter__()

    def __contains__(self, item):
        CountingList.walks += 1
        return super().__contains__(item)


def test_a_large_group_of_equal_definitions_is_indexed_once(catalog_root, monkeypatch):
    count = 120
    for index in range(count):
        write_env(catalog_root, f"copy-{index}", {"context/Dockerfile": FIXED})
    grouped = catalog_module._by_hash
    monkeypatch.setattr(catalog_module, "_by_hash",
                        lambda candidates: {key: CountingList(group) for key, group in grouped(candidates).items()})
    CountingList.walks = 0
    found = findings(catalog_root, "duplicate-definition")
    assert len(found) == count
    assert all(f.message.endswith("…") and f" and {count - 2} more:" in f.message for f in found)
    # at least once: the patched groups are the ones used; walking the group per member would be 120 walks or more
    assert 1 <= CountingList.walks <= 2
