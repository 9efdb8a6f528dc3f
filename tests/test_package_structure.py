"""The package's imports run one way: no module imports, even inside a function, one that imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "extensions" / "unit_template"
NAME = PACKAGE.name


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The package's modules an import statement of `module` names (relative or as unit_template.x)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif node.level:
        base = node.module or ""
        names = [base] if base else [alias.name for alias in node.names]
        names = [name.split(".")[0] for name in names]
        return {name for name in names if name != module}
    else:
        names = [node.module or ""]
        if node.module == NAME:
            names = [f"{NAME}.{alias.name}" for alias in node.names]
    return {name.split(".")[1] for name in names if name.startswith(f"{NAME}.")}


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Each module of the package -> the package's modules it imports anywhere in its body."""
    modules = {path.stem for path in package.glob("*.py")}
    graph = {}
    for path in sorted(package.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found |= _imported(path.stem, node)
        graph[path.stem] = found & modules
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One import path that comes back to where it started, per module found on a cycle."""
    found: list[list[str]] = []
    on_cycle: set[str] = set()
    for start in sorted(graph):
        if start in on_cycle:
            continue
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        seen = set()
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph[node]):
                if nxt == start:
                    found.append([*path, start])
                    on_cycle.update(path)
                    stack.clear()
                    break
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    return found


def test_the_package_has_no_import_cycle() -> None:
    assert [" -> ".join(cycle) for cycle in cycles(import_graph())] == []


def test_an_import_inside_a_function_counts() -> None:
    graph = {"a": {"b"}, "b": set()}
    tree = ast.parse("def f():\n    from .a import X\n")
    graph["b"] = {name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for name in _imported("b", node)}
    assert cycles(graph) == [["a", "b", "a"]]
