"""The layers point one way: lib and db at the bottom, features above, app.py/cli.py on top.

Every module under store/ is parsed with ``ast`` (nothing is imported or run), and each import —
at module level or inside a function, relative or absolute — becomes an arrow between the units
directly under ``store`` (``lib``, ``db``, ``catalog``, ``app`` …). The tests then check:

- ``store/lib`` and ``store/db`` import no feature package and nothing above them;
- catalog imports neither artifacts nor review, and artifacts does not import review;
- no two units import each other, directly or round a longer cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

STORE = Path(__file__).resolve().parents[2] / "store"

GROUND_FLOOR = ("lib", "db")
# What the ground floor may never import: every feature and everything that wires them together.
ABOVE_GROUND = frozenset(
    {
        "accounts",
        "artifacts",
        "catalog",
        "regions",
        "review",
        "site",
        "stats",
        "adoptions",
        "notifications",
        "demo",
        "demo_adoptions",
        "demo_catalog",
        "cli",
        "app",
        "rules",
        "ops",  # backups and the integrity check: operator jobs, run by the CLI
    }
)
# unit -> units it must not import (the arrow runs the other way).
FORBIDDEN = {
    "catalog": {"artifacts", "review", "adoptions"},
    "artifacts": {"review"},
    # Notifications only store and show messages; the features that write them import it.
    "notifications": {"accounts", "adoptions", "artifacts", "catalog", "review", "regions"},
}


@dataclass(frozen=True)
class Arrow:
    source: str  # the importing unit, e.g. "catalog"
    target: str  # the imported unit, e.g. "artifacts"
    where: str  # "store/catalog/pages.py:16"


def _module_name(path: Path) -> tuple[str, bool]:
    """The dotted name of ``path`` and whether it is a package's ``__init__``."""
    parts = path.relative_to(STORE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> Iterator[str]:
    """The dotted names an import statement reaches (relative imports resolved)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = package[: len(package) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    for alias in node.names:  # "from store import catalog" reaches store.catalog
        yield f"{prefix}.{alias.name}"


def _unit(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "store" else None


def arrows() -> list[Arrow]:
    found = []
    for path in sorted(STORE.rglob("*.py")):
        module, is_package = _module_name(path)
        source = _unit(module)
        if source is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for name in _imported(node, module, is_package):
                target = _unit(name)
                if target is not None and target != source:
                    where = f"{path.relative_to(STORE.parent)}:{node.lineno}"
                    found.append(Arrow(source, target, where))
    return found


ARROWS = arrows()


def _listing(bad: list[Arrow]) -> str:
    return "\n".join(f"  {a.where}: {a.source} -> {a.target}" for a in bad)


@pytest.mark.parametrize(
    ("statement", "module", "is_package", "expected"),
    [
        ("import store.catalog.rules", "store.lib.x", False, ["store.catalog.rules"]),
        ("from store import catalog", "store.lib.x", False, ["store.catalog"]),
        ("from . import rules", "store.artifacts.services", False, ["store.artifacts.rules"]),
        ("from ..catalog import rules", "store.artifacts.services", False, ["store.catalog.rules"]),
        ("from .. import catalog", "store.lib", True, ["store.catalog"]),
        ("from .services import X", "store.accounts", True, ["store.accounts.services.X"]),
    ],
)
def test_imports_are_resolved(statement: str, module: str, is_package: bool, expected: list[str]) -> None:
    node = ast.parse(statement).body[0]
    assert isinstance(node, ast.Import | ast.ImportFrom)
    assert list(_imported(node, module, is_package)) == expected


def test_the_parser_sees_the_imports_it_should() -> None:
    """A guard against a silently blind test: known arrows must be found."""
    pairs = {(a.source, a.target) for a in ARROWS}
    assert ("artifacts", "catalog") in pairs
    assert ("catalog", "lib") in pairs
    assert ("lib", "db") in pairs


@pytest.mark.parametrize("floor", GROUND_FLOOR)
def test_the_ground_floor_imports_no_feature(floor: str) -> None:
    bad = [a for a in ARROWS if a.source == floor and a.target in ABOVE_GROUND]
    assert not bad, f"store/{floor} must not import features or app wiring:\n{_listing(bad)}"


@pytest.mark.parametrize(("source", "targets"), sorted(FORBIDDEN.items()))
def test_features_point_one_way(source: str, targets: set[str]) -> None:
    bad = [a for a in ARROWS if a.source == source and a.target in targets]
    assert not bad, f"store/{source} must not import {sorted(targets)}:\n{_listing(bad)}"


def _tangles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one unit (Tarjan): units that reach each
    other through imports, i.e. that sit on a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    tangles: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                tangles.append(component)

    for start in sorted(graph):
        if start not in index:
            visit(start)
    return tangles


def test_the_cycle_finder_finds_cycles() -> None:
    assert _tangles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert _tangles({"a": {"b"}, "b": set()}) == []


def test_no_package_imports_another_in_a_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for arrow in ARROWS:
        graph.setdefault(arrow.source, set()).add(arrow.target)
    tangles = _tangles(graph)
    detail = [
        f"{sorted(units)}:\n" + _listing([a for a in ARROWS if a.source in units and a.target in units])
        for units in tangles
    ]
    assert not tangles, "packages import each other in a cycle:\n" + "\n".join(detail)
