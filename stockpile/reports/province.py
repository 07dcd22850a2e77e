"""The province roll-up (省级汇总): each county's own figures, read through that county's services as a user the
county granted, then put side by side: stock by county × item, the county-level standard gaps and the coverage ratio
per county. Nothing is computed here that the county does not compute itself: the roll-up is the counties' figures
stacked, so its totals are the sum of theirs (tests/integration/test_province.py).

Column names are stable English; the CLI translates them with `province.col_*` keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from stockpile.coverage.commands import CircleQuery
from stockpile.domain.errors import DomainError
from stockpile.i18n import domain_error_text

STOCK_COLS = ["on_hand", "reserved", "available", "expired_qty", "near_qty"]
GAP_COLS = ["item_code", "item_name", "unit", "standard", "counted", "gap", "coverage_pct"]


@dataclass(frozen=True)
class CountyFigures:
    """One county's figures, or why it is missing (`problem`: not logged in, not granted, unreachable)."""

    code: str
    name: str
    stock: pd.DataFrame = field(default_factory=pd.DataFrame)  # per item: on hand, reserved, available, …
    gaps: list[dict[str, Any]] = field(
        default_factory=list
    )  # county-level gap rows (svc.planning.gap_report)
    population: int = 0  # of the demand points the county's circle judged (every normed item)
    covered_population: float = 0.0  # population getting every normed item within the guarantee circle
    problem: str = ""
    coverage_problem: str = (
        ""  # the circle could not be computed (the norms name an item the county lacks, …)
    )


def county_figures(code: str, name: str, svc: Any, actor: str) -> CountyFigures:
    """Read one county as `actor`: the county authorises the roll-up first (POLICY `view_rollup`, re-read from its
    own user table, a refusal audited there), then its stock read is scoped as usual, then gaps and coverage."""
    svc.reads.rollup_reader(actor)
    stock = svc.reads.stock_by_item(actor)
    gaps = [r for r in svc.planning.gap_report()["scopes"] if r["scope"] == "county"]
    try:
        county = _county_circle(svc)
    except DomainError as e:  # stock and gaps still count; the ratio is missing, with the reason
        return CountyFigures(code, name, stock, gaps, coverage_problem=domain_error_text(e))
    if county is None:
        return CountyFigures(code, name, stock, gaps)
    covered = county.population - county.population_uncovered
    return CountyFigures(code, name, stock, gaps, county.population, float(covered))


def _county_circle(svc: Any) -> Any:
    """The county's own 1-hour circle on every item with a norm, county-wide (the coverage page's headline with
    those items chosen; the review's per-township rows add up to it): exact counts, not re-added percentages."""
    codes = tuple(sorted(svc.coverage.norms()))
    return svc.coverage.circle(CircleQuery(item_codes=codes)).targets[0] if codes else None


def stock_table(counties: list[CountyFigures]) -> pd.DataFrame:
    """Stock by county × item (one row per pair), the counties in code order."""
    frames = [
        c.stock.assign(county_code=c.code, county_name=c.name)
        for c in counties
        if not c.problem and not c.stock.empty
    ]
    cols = ["county_code", "county_name", "item_code", "item_name", "unit", *STOCK_COLS]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def item_totals(counties: list[CountyFigures]) -> pd.DataFrame:
    """The province's total per item: the sum of the counties' rows."""
    df = stock_table(counties)
    if df.empty:
        return df.drop(columns=["county_code", "county_name"])
    return df.groupby(["item_code", "item_name", "unit"], as_index=False)[STOCK_COLS].sum()


def gap_table(counties: list[CountyFigures]) -> pd.DataFrame:
    """The county-level standard gaps (储备定额缺口), one row per county × item with a standard."""
    rows = [
        {"county_code": c.code, "county_name": c.name, **{k: r[k] for k in GAP_COLS}}
        for c in counties
        if not c.problem
        for r in c.gaps
    ]
    return pd.DataFrame(rows, columns=["county_code", "county_name", *GAP_COLS])


def coverage_table(counties: list[CountyFigures]) -> pd.DataFrame:
    """Per county: the population judged, the population covered, the ratio (%); or the reason it is missing."""
    rows = [
        {
            "county_code": c.code,
            "county_name": c.name,
            "population": c.population,
            "covered_population": round(c.covered_population),
            "covered_pct": round(100 * c.covered_population / c.population, 1) if c.population else None,
            "problem": c.problem or c.coverage_problem,
        }
        for c in counties
    ]
    return pd.DataFrame(rows)
