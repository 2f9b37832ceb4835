"""Layers run one way: no import cycles between modules, and scanners/ never imports the application.

Every module is parsed with ast, so imports inside functions (lazy) and under TYPE_CHECKING count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import REPO

PACKAGES = ("auditor", "scanners", "policies")


def _modules() -> dict[str, Path]:
    mods = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return mods


def _known(name: str, mods: dict[str, Path]) -> str | None:
    """The module an import of NAME loads: NAME itself, or its longest prefix that is a module of ours."""
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def _imports(name: str, path: Path, mods: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out |= {t for a in node.names if (t := _known(a.name, mods))}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in mods else _known(base, mods)
                if target:
                    out.add(target)
    out.discard(name)
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    return {name: _imports(name, path, mods) for name, path in mods.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_checker_sees_a_cycle_and_passes_a_chain() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_graph_includes_lazy_imports() -> None:
    graph = _graph()
    assert "auditor.cli.scan" in graph["auditor.cli.app"]
    assert "auditor.gate.run" in graph["auditor.cli.scanrun"], "imported inside the command function"


def test_no_module_imports_itself_back() -> None:
    assert _cycles(_graph()) == []


@pytest.mark.parametrize(
    "lower, upper",
    [
        pytest.param("scanners", "auditor", id="the scanners never import the application"),
        pytest.param("policies", "auditor", id="the policy data package never imports the application"),
        pytest.param("scanners.records", "", id="scanner records import nothing of the project"),
        pytest.param("scanners.errors", "", id="the base error imports nothing of the project"),
        pytest.param("auditor.records", "auditor", id="application records import only scanner records"),
        pytest.param("auditor.scan", "auditor.billing", id="the scan path never loads billing"),
        pytest.param("auditor.gate", "auditor.billing", id="the gate never loads billing"),
        pytest.param("auditor.cli.options", "auditor.cli", id="shared options import no command module"),
    ],
)
def test_layers_depend_one_way(lower: str, upper: str) -> None:
    graph = _graph()
    sources = [m for m in graph if m == lower or m.startswith(lower + ".")]
    assert sources, f"no module {lower}"
    bad = sorted((m, t) for m in sources for t in graph[m]
                 if (t == upper or t.startswith(upper + ".") or not upper) and t not in sources)
    assert bad == []


def test_command_modules_never_import_the_entry_module() -> None:
    graph = _graph()
    entry = {"auditor.cli", "auditor.cli.app", "auditor.cli.boundary"}
    commands = [m for m in graph if m.startswith("auditor.cli.") and m not in entry]
    assert sorted(m for m in commands if graph[m] & entry) == []
