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
USE_CASES = ("ledger", "imports", "coverage", "dispatch", "planning", "trust")
USE_CASE_PREFIXES = {f"stockpile.{p}" for p in USE_CASES}
UI_AND_ENTRY = {"streamlit", "stockpile.bootstrap"}

# layer → (allowed top-level packages or dotted prefixes, forbidden prefixes)
RULES: dict[str, tuple[set[str], set[str]]] = {
    "stockpile/domain": ({"stockpile.domain"}, set()),
    "stockpile/reserve": ({"stockpile.domain", "stockpile.reserve"}, set()),
    "optimizer": ({"optimizer", "ortools", "numpy", "pyvrp"}, set()),
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
    "stockpile/schemas.py": ({"pydantic", "stockpile.domain", "stockpile.clock"}, set()),
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
    "stockpile/schemas.py",
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
