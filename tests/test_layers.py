"""The layers of docs/contract.md §10, enforced on the import statements of engine/ and
flows/ (read with `ast`, so lazy imports inside functions count too)."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Longest prefix wins. A module may import from its own layer and the layers below.
LAYERS: dict[str, int] = {
    "engine.terms": 1, "engine.errors": 1, "engine.spec": 1, "engine.calendar": 1,
    "engine.events": 1, "engine.event_lines": 1, "engine.vocabulary": 1, "engine.logging": 1, "engine.rights": 1,
    "engine": 1,  # the package itself
    "engine.config": 2, "engine.rules": 2,
    "engine.evaluate": 3, "engine.check": 3, "engine.batch": 3, "engine.plan.replay": 3,
    "engine.store": 4, "engine.ingest": 4, "engine.sweep": 4, "engine.deploy": 4,
    "engine.mapping": 4, "engine.notify": 4,
    "engine.reports": 5, "engine.export": 5, "engine.plan": 5, "engine.simulate": 5,
    "engine.demo": 5,
    "engine.api": 6, "engine.cli": 6,
    "flows": 7,
}
# `liaison flows serve` runs the Prefect deployments: the one command that reaches up.
ALLOWED_UPWARD = {("engine.cli.flows_cmd", "flows.serve")}
FACADES = ("engine.store", "engine.reports", "engine.export")
PREFECT = ("prefect", "prefect_dask", "dask", "distributed")
# Names a facade exports that are also the names of its modules (`versions`).
FACADE_NAMES = {"engine.store.versions"}


def layer(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in LAYERS:
            return LAYERS[".".join(parts[:n])]
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and docs/contract.md §10")


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    out = {}
    for top in ("engine", "flows"):
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" not in path.parts:
                out[_name(path)] = path
    return out


@cache
def _tree(module: str) -> ast.Module:
    return ast.parse(modules()[module].read_text(encoding="utf-8"))


def imports(module: str) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import in `module`; `from pkg import sub` of a
    submodule counts as importing the submodule, not the package."""
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = [f"{node.module}.{a.name}" for a in node.names
                    if f"{node.module}.{a.name}" in modules()]
            yield from ((s, node.lineno) for s in subs)
            if len(subs) < len(node.names):
                yield node.module, node.lineno


def _project(name: str) -> str | None:
    """The project module `name` refers to (a name inside a module: that module)."""
    while name and name not in modules():
        name = name.rpartition(".")[0]
    return name or None


def test_every_module_imports_only_its_own_layer_and_below() -> None:
    wrong = []
    for module in sorted(modules()):
        for name, line in imports(module):
            target = _project(name)
            if target is None or (module, target) in ALLOWED_UPWARD:
                continue
            if layer(target) > layer(module):
                wrong.append(f"{module}:{line} imports {target} "
                             f"(layer {layer(module)} -> {layer(target)})")
    assert wrong == []


def test_the_evaluator_reads_no_store_api_cli_reports_or_prefect() -> None:
    banned = ("engine.store", "engine.api", "engine.cli", "engine.reports", "engine.ingest",
              "engine.sweep", "engine.deploy", "engine.export", "flows", *PREFECT)
    found = [(m, n) for m in modules() if m.startswith("engine.evaluate.") or m == "engine.evaluate"
             for n, _ in imports(m) if n.split(".")[0] in PREFECT or n.startswith(banned)]
    assert found == []


def test_only_flows_and_bench_import_prefect() -> None:
    found = [(m, n) for m in modules() if not m.startswith("flows")
             for n, _ in imports(m) if n.split(".")[0] in PREFECT]
    assert found == []


def _deep_imports(module: str) -> Iterator[tuple[str, int]]:
    """`from engine.store.db import x` and `import engine.store.db`, not `from engine.store
    import x` (the front door, even where x shares its name with a module)."""
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.Import):
            yield from ((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module in FACADES:
                yield from ((f"{node.module}.{a.name}", node.lineno) for a in node.names
                            if f"{node.module}.{a.name}" in modules()
                            and f"{node.module}.{a.name}" not in FACADE_NAMES)
            else:
                yield node.module, node.lineno


def test_code_outside_a_facade_imports_the_package_not_its_modules() -> None:
    deep = []
    for module in sorted(modules()):
        for name, line in _deep_imports(module):
            for facade in FACADES:
                inside = module == facade or module.startswith(facade + ".")
                if not inside and name.startswith(facade + "."):
                    deep.append(f"{module}:{line} imports {name}")
    # The reports' building blocks that other packages compose (disclosure control, SVG,
    # sources of the figures) are reached as modules of the package.
    allowed_modules = {f"engine.reports.{m}" for m in ("disclosure", "source", "svg", "stats",
                                                       "wilson", "funnel", "words", "ageing")}
    deep = [d for d in deep if d.rpartition(" imports ")[2] not in allowed_modules]
    assert deep == []


def test_there_are_no_import_cycles() -> None:
    graph = {m: {t for n, _ in imports(m) if (t := _project(n)) and t != m} for m in modules()}
    # A package importing its own modules in __init__ is not a cycle of meaning.
    for m in graph:
        graph[m] = {t for t in graph[m] if not (m.startswith(t + ".") and
                                                 modules()[t].name == "__init__.py")}
    cycles, index, low, stack, on = [], {}, {}, [], set()

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []


def test_the_alembic_metadata_has_every_table_without_the_api() -> None:
    code = ("import sys; from engine.store.tables import metadata; "
            "assert 'engine.api' not in sys.modules; print(sorted(metadata.tables))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert "'api_tokens'" in out and "'audit_log'" in out


def test_the_contract_draws_these_layers() -> None:
    import re

    text = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    section = text[text.index("## 10."):]
    drawn = {name: int(n) for n, cells in re.findall(r"^\| (\d)\. [a-z ]+ \| (.+) \|$",
                                                     section, re.M)
             for name in re.findall(r"`([a-z_.]+)`", cells)}
    assert drawn == {k: v for k, v in LAYERS.items() if k != "engine"}
