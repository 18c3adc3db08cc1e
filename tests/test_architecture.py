"""The package's import directions, read from the source with ast (see README, Architectuur)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import ROOT

PACKAGE = ROOT / "assistent"

# Which parts of the package each part may import. A part is a top-level module (``answer``) or
# a subpackage (``safety``); imports inside a subpackage are always allowed. `instance`, the
# channels and the CLI wire everything together, so they sit at the top.
LEAVES = {"config", "errors", "profile", "texts", "files", "logs", "language", "linear"}
LEAVES |= {"translit"}
ALLOWED: dict[str, set[str]] = {
    **{leaf: set() for leaf in LEAVES},
    "texts": {"files"},  # files imports nothing of the package: still a one-way graph
    "__main__": {"cli"},
    "embed": {"config", "errors"},
    "kennisbank": {"errors", "files"},
    "safety": {"embed", "files", "linear", "translit"},
    "retrieval": {"embed", "kennisbank", "profile", "errors", "files"},
    "answer": {"safety", "retrieval", "kennisbank", "profile", "texts", "language"},
    "store": {"profile"},
    "intent": {"safety", "files", "language", "linear"},
    "referents": {"intent", "kennisbank", "safety"},  # safety: the crisis lines it can name
    "turns": {"answer", "kennisbank", "profile", "safety"},
    "tally": {"answer", "kennisbank", "store", "turns"},
    "conversation": {
        *("answer", "intent", "kennisbank", "language", "profile", "referents", "safety"),
        *("store", "tally", "turns"),
    },
    "instance": {
        *("answer", "config", "embed", "errors", "intent", "kennisbank", "language"),
        *("retrieval", "safety"),
    },
    "render": {"answer", "conversation", "kennisbank", "profile", "safety", "texts"},
    "console": {"conversation", "instance", "kennisbank", "render", "texts"},
    "beheer": {
        "answer",
        "config",
        "conversation",
        "errors",
        "files",
        "kennisbank",
        "profile",
        "safety",
        "store",
    },
    "telegram": {
        "config",
        "conversation",
        "errors",
        "instance",
        "kennisbank",
        "language",
        "logs",
        "profile",
        "render",
        "retrieval",
        "store",
        "texts",
    },
}
# cli is the top: it may import every part.
ALLOWED["cli"] = set(ALLOWED) - {"cli", "__main__"}

# Third-party libraries only one part may import.
OWNED = {"telegram": {"telegram"}, "typer": {"cli"}, "rich": {"cli"}}


def part_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imports(path: Path) -> list[str]:
    """Absolute module names imported anywhere in the file (also inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "assistent":
                names += [f"assistent.{alias.name}" for alias in node.names]
            else:
                names.append(node.module)
    return names


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def test_every_part_is_known() -> None:
    unknown = {part_of(p) for p in SOURCES} - set(ALLOWED) - {"__init__"}
    assert not unknown, f"nieuw deel van het pakket zonder regel in ALLOWED: {unknown}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_one_way(path: Path) -> None:
    part = part_of(path)
    for name in imports(path):
        top = name.split(".")[0]
        owners = OWNED.get(top)
        if owners is not None:
            assert part in owners, f"{path.name} importeert {top}; dat mag alleen {owners}"
        if top != "assistent" or name == "assistent":
            continue
        target = name.split(".")[1]
        if target == part:
            continue
        assert target in ALLOWED.get(part, set()), f"{part} mag {target} niet importeren ({path})"


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in the graph, as a path that ends where it starts, or None."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> list[str] | None:
        if module in done:
            return None
        if module in visiting:
            return [*visiting[visiting.index(module) :], module]
        visiting.append(module)
        for target in sorted(edges.get(module, ())):
            if cycle := visit(target):
                return cycle
        visiting.pop()
        done.add(module)
        return None

    for module in sorted(edges):
        if cycle := visit(module):
            return cycle
    return None


def test_find_cycle_sees_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a"}}) is None


def test_no_import_cycles_between_modules() -> None:
    graph: dict[str, set[str]] = {}
    for path in SOURCES:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        graph[module] = {n for n in imports(path) if n.startswith("assistent.") and n != module}

    def resolve(name: str) -> str | None:
        while name and name not in graph:
            name = name.rpartition(".")[0]
        return name or None

    edges = {
        module: {r for n in targets if (r := resolve(n)) and r != module}
        for module, targets in graph.items()
    }
    cycle = find_cycle(edges)
    assert cycle is None, "importcyclus: " + " → ".join(cycle or [])


def test_each_module_says_its_job_and_stays_small() -> None:
    # declarative tables: the spreadsheet column contract, and the CLI (the command table, which
    # must stay in one module: only cli.py may import typer and rich)
    tables = {"assistent/beheer/spreadsheet.py", "assistent/cli.py"}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        doc = ast.get_docstring(tree)
        assert doc and doc.strip(), f"{path} begint niet met een docstring over zijn taak"
        rel = str(path.relative_to(ROOT))
        if rel == "assistent/safety/detector.py":
            continue  # the rule engine the learned classifier replaces (issue 9)
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert rel in tables or lines <= 600, f"{rel} heeft {lines} regels"
