"""The package's floors: every import points down, and no module imports itself back.

Imports inside functions count (a lazy import is still a dependency); imports under
``if TYPE_CHECKING:`` do not (they exist for the type checker only).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "catalog"

# Lowest first. A unit is a top-level module or subpackage of catalog/.
FLOORS = {
    "leaves": ["files", "finding", "atomic", "forking", "git", "template_tags", "resources", "bounded_json"],
    "formats": ["image_ref", "yaml_document", "dockerfile_model", "dockerignore"],
    "schemas": ["schema"],
    "settings and records": ["config", "records"],
    "model": ["model"],
    "readers of the model": ["pin", "lint", "init"],
    "release": ["release"],
    "builds": ["builds"],
    "the site (which shows builds and their policy)": ["site"],
    "the edge": ["cli", "mkdocs_plugin"],
    "python -m catalog": ["__main__"],
}
FLOOR_OF = {unit: height for height, units in enumerate(FLOORS.values()) for unit in units}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(module: str) -> str:
    return module.split(".")[1]


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports() -> dict[str, set[str]]:
    """Module -> the catalog modules it imports (a ``from pkg import sub`` names the submodule)."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    found: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
        targets: set[str] = set()
        for node in ast.walk(tree):
            if _type_checking_only(node, parents):
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("catalog."):
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    targets.add(submodule if submodule in modules else node.module)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names if alias.name.startswith("catalog."))
        found[module] = {target for target in targets if target != module and target in modules}
    return found


def test_every_unit_has_a_floor():
    units = {unit_of(module) for module in imports() if module != "catalog"}
    assert units == set(FLOOR_OF), "give each new module or package a floor here"


def test_imports_point_down():
    upward = sorted(f"{module} -> {target}" for module, targets in imports().items() if module != "catalog"
                    for target in targets
                    if unit_of(target) != unit_of(module) and FLOOR_OF[unit_of(target)] >= FLOOR_OF[unit_of(module)])
    assert upward == []


def test_no_module_imports_itself_back():
    graph = imports()
    cycles = []
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []
