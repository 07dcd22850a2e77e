"""The import rules between layers (RULES below), checked by an `ast` scan of every module.

A layer may only import what its row of the table allows; stdlib is always allowed.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STDLIB = set(sys.stdlib_module_names) | {"__future__"}

# The use-case packages, one per capability: they decide, ports carry their reads and writes.
USE_CASES = ("ledger", "imports", "coverage", "dispatch", "planning", "trust", "onboarding", "jobs", "events")
USE_CASE_PREFIXES = {f"stockpile.{p}" for p in USE_CASES}
UI_AND_ENTRY = {"streamlit", "stockpile.bootstrap"}

# layer → (allowed top-level packages or dotted prefixes, forbidden prefixes)
RULES: dict[str, tuple[set[str], set[str]]] = {
    "stockpile/domain": ({"stockpile.domain"}, set()),
    "stockpile/reserve": ({"stockpile.domain", "stockpile.reserve"}, set()),
    "optimizer": ({"optimizer", "ortools", "numpy", "pyvrp", "vroom", "vrplib"}, set()),
    **{
        f"stockpile/{p}": (
            {
                "stockpile.domain",
                "stockpile.reserve",
                "stockpile.schemas",
                "stockpile.ports",
                "stockpile.clock",
                "optimizer",
                "pydantic",
                "tenacity",
            }
            | USE_CASE_PREFIXES,
            {"sqlalchemy", "streamlit", "stockpile.adapters", "openrouteservice", "pandas"},
        )
        for p in USE_CASES
    },
    # adapters (database, files, travel times, documents, the read side) never reach a use case or the UI
    "stockpile/adapters": (set(), UI_AND_ENTRY | USE_CASE_PREFIXES),
    # presentation for the app and the CLI: results in, tables and map layers out; never a solver or the database
    "stockpile/reports": (set(), UI_AND_ENTRY | {"optimizer", "sqlalchemy", "stockpile.adapters"}),
    # small modules every layer may use: the one clock, the ports, exit codes, shipped files
    "stockpile/__init__.py": (set(), set()),
    "stockpile/clock.py": (set(), set()),
    "stockpile/ports": ({"stockpile.domain", "stockpile.reserve", "stockpile.ports"}, set()),
    "stockpile/cli/exitcodes.py": (set(), set()),
    "stockpile/resources/__init__.py": (set(), set()),
    "stockpile/resources/migrations": (set(), UI_AND_ENTRY | USE_CASE_PREFIXES),
    "stockpile/config.py": ({"pydantic", "pydantic_settings", "stockpile.resources"}, set()),
    # the boundary models, by topic (fields, commands, cells); the package imports its own modules
    "stockpile/schemas": (
        {"pydantic", "opencc", "stockpile.domain", "stockpile.clock", "stockpile.schemas"},
        set(),
    ),
    "stockpile/i18n": ({"stockpile.i18n", "babel", "stockpile.clock"}, set()),
    # entry points and the demo builder: everything but the UI library
    "stockpile/bootstrap.py": (set(), {"streamlit"}),
    "stockpile/cli": (set(), {"streamlit"}),
    "stockpile/cli/storage_guard.py": (set(), {"streamlit"} | USE_CASE_PREFIXES),
    "stockpile/demo": (set(), {"streamlit"}),
    "stockpile/app/pages": (
        set(),
        {
            "sqlalchemy",
            "ortools",
            "openrouteservice",
            "stockpile.adapters",
            "stockpile.bootstrap",
            "optimizer",
        },
    ),
    # the app's entry (navigation, login, services built once): may reach bootstrap, never the database or solvers
    "stockpile/app/main.py": (
        set(),
        {"sqlalchemy", "ortools", "openrouteservice", "stockpile.adapters", "optimizer"},
    ),
    "stockpile/app/__init__.py": (set(), set()),
    "stockpile/app/run.py": ({"stockpile.app"}, set()),
    "app.py": ({"stockpile.app"}, set()),
}
# For these layers the allow-list is exhaustive (anything else third-party is forbidden).
CLOSED = {
    "app.py",
    "stockpile/app/run.py",
    "stockpile/app/__init__.py",
    "stockpile/domain",
    "stockpile/reserve",
    "optimizer",
    *(f"stockpile/{p}" for p in USE_CASES),
    "stockpile/__init__.py",
    "stockpile/clock.py",
    "stockpile/ports",
    "stockpile/cli/exitcodes.py",
    "stockpile/resources/__init__.py",
    "stockpile/config.py",
    "stockpile/schemas",
    "stockpile/i18n",
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from stockpile import clock` names the module stockpile.clock, not the package
            out.extend(f"{node.module}.{a.name}" for a in node.names)
    return out


def _files(layer: str) -> list[Path]:
    if "*" in layer:
        return sorted(ROOT.glob(layer))
    p = ROOT / layer
    return [p] if p.is_file() else sorted(p.rglob("*.py"))


def _matches(name: str, prefixes: set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


CASES = [(layer, f) for layer in RULES for f in _files(layer)]


@pytest.mark.parametrize(("layer", "path"), CASES, ids=[str(f.relative_to(ROOT)) for _, f in CASES])
def test_module_respects_its_layer(layer: str, path: Path) -> None:
    """Each module imports only what RULES allows its layer."""
    allowed, forbidden = RULES[layer]
    bad = []
    for name in _imports(path):
        top = name.split(".")[0]
        if top in STDLIB:
            continue
        if _matches(name, forbidden) or (layer in CLOSED and not _matches(name, allowed)):
            bad.append(name)
    assert not bad, f"{path.relative_to(ROOT)} ({layer}) imports {bad}"


def test_only_bootstrap_imports_both_adapters_and_services() -> None:
    """bootstrap.py is the one place where adapters meet services."""
    offenders = []
    for path in sorted((ROOT / "stockpile").rglob("*.py")):
        names = _imports(path)
        if any(_matches(n, {"stockpile.adapters"}) for n in names) and any(
            _matches(n, USE_CASE_PREFIXES) for n in names
        ):
            offenders.append(str(path.relative_to(ROOT)))
    # the demo builder composes its own adapters to seed a database (it runs before any service exists)
    assert set(offenders) <= {"stockpile/bootstrap.py", "stockpile/demo/builder.py"}, offenders


def test_layer_table_covers_real_code() -> None:
    """The rules are not vacuous: the core layers exist and hold modules."""
    for layer in ("stockpile/domain", "optimizer", "stockpile/ledger", "stockpile/adapters"):
        assert _files(layer), layer


def test_every_module_is_under_a_layer_rule() -> None:
    """A new module must say which layer it belongs to: one with no row in RULES fails here."""
    covered = {f for layer in RULES for f in _files(layer)}
    product = [ROOT / "app.py"] + [
        f for top in ("stockpile", "optimizer") for f in sorted((ROOT / top).rglob("*.py"))
    ]
    missing = [str(f.relative_to(ROOT)) for f in product if f not in covered]
    assert not missing, f"no layer rule for {missing} (add a row to RULES in tests/test_layers.py)"


# --- the import graph: what a page really loads, through any number of stockpile modules ---

SOLVERS = {"optimizer", "ortools", "pyvrp", "vroom"}
PAGES = "stockpile/app/pages"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_module_name(f): f for f in sorted((ROOT / "stockpile").rglob("*.py"))}


def _with_packages(name: str) -> list[str]:
    """A module and the packages Python imports on the way to it: a.b.c → a, a.b, a.b.c."""
    parts = name.split(".")
    return [".".join(parts[: n + 1]) for n in range(len(parts))]


def _loads(module: str) -> set[str]:
    """What importing a stockpile module loads: `from pkg import name` is pkg.name when that is a module, else
    pkg; relative imports are resolved; every package on the way counts (its `__init__` runs)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out.update(_with_packages(a.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            out.update(_with_packages(base))
            for a in node.names:
                if f"{base}.{a.name}" in MODULES:
                    out.add(f"{base}.{a.name}")
    return out


def _reachable(start: str) -> dict[str, str]:
    """Every module (stockpile or not) importing `start` loads, each with the stockpile module that imports it."""
    seen: dict[str, str] = {m: "" for m in _with_packages(start) if m in MODULES}
    todo = list(seen)
    while todo:
        module = todo.pop()
        for name in sorted(_loads(module)):
            if name in seen:
                continue
            seen[name] = module
            if name in MODULES:
                todo.append(name)
    return seen


def _chain(seen: dict[str, str], name: str) -> str:
    path = [name]
    while seen.get(path[-1]):
        path.append(seen[path[-1]])
    return " ← ".join(path)


def test_no_page_reaches_the_optimizer() -> None:
    """A page loads commands, queries, schemas, i18n and reports, never a solver, not even through a use case:
    the optimizer (and OR-Tools, PyVRP) is the services' business."""
    pages = sorted(m for m, f in MODULES.items() if f.is_relative_to(ROOT / PAGES))
    assert pages, PAGES
    bad = []
    for page in pages:
        seen = _reachable(page)
        bad += [_chain(seen, n) for n in sorted(seen) if n in SOLVERS]
    assert not bad, "pages reach a solver:\n" + "\n".join(bad)


def test_commands_modules_never_reach_the_optimizer() -> None:
    """Each capability's commands.py (what a page may import from a use case) is plain data: no solver behind it."""
    commands = sorted(m for m in MODULES if m.endswith(".commands"))
    assert {
        "stockpile.dispatch.commands",
        "stockpile.coverage.commands",
        "stockpile.planning.commands",
    } <= set(commands)
    bad = []
    for module in commands:
        seen = _reachable(module)
        bad += [_chain(seen, n) for n in sorted(seen) if n in SOLVERS]
    assert not bad, "commands modules reach a solver:\n" + "\n".join(bad)


def _public_api() -> set[str]:
    tree = ast.parse((ROOT / "optimizer" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    raise AssertionError("optimizer/__init__.py has no __all__")


def test_stockpile_uses_only_the_optimizer_public_api() -> None:
    """stockpile imports `from optimizer import X` with X in optimizer.__all__; never a subpackage."""
    api = _public_api()
    bad = []
    for path in sorted((ROOT / "stockpile").rglob("*.py")):
        where = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                bad += [
                    f"{where}:{node.lineno} import {a.name}"
                    for a in node.names
                    if a.name == "optimizer" or a.name.startswith("optimizer.")
                ]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.startswith("optimizer."):
                    bad.append(f"{where}:{node.lineno} from {node.module} import ...")
                elif node.module == "optimizer":
                    bad += [
                        f"{where}:{node.lineno} from optimizer import {a.name} (not in optimizer.__all__)"
                        for a in node.names
                        if a.name not in api
                    ]
    assert not bad, "\n".join(bad)
