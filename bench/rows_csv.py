"""Measured rows (flat dataclasses of str, int, float and bool fields) to and from CSV, so a fit can be redone
from a saved run without solving again (``bench.pyvrp_rate``, ``bench.vroom_rate``)."""

from __future__ import annotations

import argparse
import csv
import dataclasses
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_PARSE: dict[str, Callable[[str], Any]] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": lambda v: v == "True",
}


def write_rows(path: Path, rows: Sequence[Any]) -> None:
    """``rows`` (instances of one dataclass) as CSV with a header of its field names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        if rows:
            w.writerow([field.name for field in dataclasses.fields(rows[0])])
        w.writerows(dataclasses.astuple(r) for r in rows)


def read_rows(path: Path, cls: type[T]) -> list[T]:
    """The rows ``write_rows`` wrote for dataclass ``cls``, each field parsed by its annotated type."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    with path.open(newline="") as f:
        return [
            cls(**{fd.name: _PARSE[str(fd.type)](d[fd.name]) for fd in fields}) for d in csv.DictReader(f)
        ]


def add_row_arguments(ap: argparse.ArgumentParser, fitted: str) -> None:
    """The options every rate benchmark shares: ``--fit`` (``fitted``: what it refits), ``--csv``, ``--rows`` and
    the instance names."""
    ap.add_argument("--fit", action="store_true", help=f"refit {fitted} on TUNING, report it on TEST too")
    ap.add_argument("--csv", type=Path, help="write the measured rows here")
    ap.add_argument("--rows", type=Path, help="read rows written by --csv instead of solving")
    ap.add_argument("names", nargs="*")


def measured_rows(
    args: argparse.Namespace,
    cls: type[T],
    everything: Sequence[str],
    measure: Callable[[str], Iterable[T]],
    header: str,
    line: Callable[[T], str],
) -> list[T]:
    """The rows of ``args.rows`` (no solving), or of ``measure`` on ``args.names`` (``everything`` with ``--fit``
    and no names), each printed as a table ``line`` under ``header`` (a Markdown header row) as it comes; written to
    ``args.csv`` when given."""
    if args.rows:
        rows = read_rows(args.rows, cls)
    else:
        print(header)
        print("|" + "---|" * header.count(" | ") + "---|")
        rows = []
        for name in args.names or (everything if args.fit else []):
            for row in measure(name):
                rows.append(row)
                print(line(row), flush=True)
    if args.csv:
        write_rows(args.csv, rows)
    return rows
