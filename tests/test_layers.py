"""The import rules of STYLE.md §3, checked by an `ast` scan of every module.

A layer may only import what its row of the table allows; stdlib is always allowed.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STDLIB = set(sys.stdlib_module_names) | {"__future__"}

# layer → (allowed top-level packages or dotted prefixes, forbidden prefixes)
RULES: dict[str, tuple[set[str], set[str]]] = {
    "stockpile/domain": ({"stockpile.domain"}, set()),
    "stockpile/reserve": ({"stockpile.domain", "stockpile.reserve"}, set()),
    "optimizer": ({"optimizer", "ortools", "numpy", "pyvrp"}, set()),
    "stockpile/services": (
        {
            "stockpile.domain",
            "stockpile.reserve",
            "stockpile.schemas",
            "stockpile.services",
            "stockpile.unit_of_work",
            "stockpile.ports",
            "stockpile.errors",
            "stockpile.clock",
            "optimizer",
            "pydantic",
        },
        {"sqlalchemy", "streamlit", "stockpile.adapters", "openrouteservice", "pandas"},
    ),
    "stockpile/adapters": (
        set(),
        {"streamlit", "stockpile.services", "stockpile.bootstrap"},
    ),
    "stockpile/views.py": (set(), {"streamlit", "stockpile.services", "stockpile.bootstrap"}),
    "app_pages": (
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
    "app.py": (set(), {"sqlalchemy", "ortools", "openrouteservice", "stockpile.adapters", "optimizer"}),
}
# For these layers the allow-list is exhaustive (anything else third-party is forbidden).
CLOSED = {"stockpile/domain", "stockpile/reserve", "optimizer", "stockpile/services"}


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
    p = ROOT / layer
    return [p] if p.is_file() else sorted(p.rglob("*.py"))


def _matches(name: str, prefixes: set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


CASES = [(layer, f) for layer in RULES for f in _files(layer)]


@pytest.mark.parametrize(("layer", "path"), CASES, ids=[str(f.relative_to(ROOT)) for _, f in CASES])
def test_module_respects_its_layer(layer: str, path: Path) -> None:
    """Each module imports only what STYLE.md §3 allows its layer."""
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
            _matches(n, {"stockpile.services"}) for n in names
        ):
            offenders.append(path.name)
    assert set(offenders) <= {"bootstrap.py", "cli.py", "demo.py"}, offenders


def test_layer_table_covers_real_code() -> None:
    """The rules are not vacuous: the core layers exist and hold modules."""
    for layer in ("stockpile/domain", "optimizer", "stockpile/services", "stockpile/adapters"):
        assert _files(layer), layer
