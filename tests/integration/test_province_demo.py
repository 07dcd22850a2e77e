"""The province roll-up's coverage ratio on a full county: the demo county as the demo builder makes it (its
villages, shelters, depots, agreement stock and norms), read through the roll-up as the county's province reader.
The roll-up's figure is the county's own: the coverage page's headline (the circle on every normed item) and the
annual review's per-township rows add up to it."""

from __future__ import annotations

import shutil

import pytest

from stockpile.adapters.db.engine import make_engine
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.coverage.commands import CircleQuery
from stockpile.reports import province
from tests.support.factory import seed_users


@pytest.fixture(scope="module")
def demo_county(demo_url, tmp_path_factory):
    """A copy of the demo county that grants a province reader (`prov`)."""
    db = tmp_path_factory.mktemp("province_demo") / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), db)
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    seed_users(engine, {"prov": ("province", ())})
    engine.dispose()
    return build_services(Settings(database_url=url))


def test_rollup_coverage_ratio_is_the_demo_countys_own(demo_county):
    svc = demo_county
    fig = province.county_figures("360499", "示范县", svc, "prov")
    assert not fig.problem and not fig.coverage_problem
    codes = tuple(sorted(svc.coverage.norms()))
    own = svc.coverage.circle(CircleQuery(item_codes=codes)).targets[0]
    assert own.points > 100 and 0 < own.ratio < 1  # a full county, partly covered: not a trivial figure
    assert fig.population == own.population
    assert fig.covered_population == own.population - own.population_uncovered
    row = province.coverage_table([fig]).iloc[0]
    assert row["covered_pct"] == round(100 * own.ratio, 1)  # what the coverage page shows, "{:.1f}%"
    assert row["covered_population"] == own.population - own.population_uncovered


def test_the_reviews_township_rows_add_up_to_the_rollup(demo_county):
    """The annual review's coverage table (per township, rounded to 0.1 %) sums to the roll-up's county figure
    within its rounding: the province sees what the county reviews."""
    fig = province.county_figures("360499", "示范县", demo_county, "prov")
    rows = demo_county.planning.coverage()
    # a township's people in the circle: its villages' sum plus the people in its shelters (two columns)
    people = [int(r["population_villages"]) + int(r["population_shelters"]) for r in rows]
    assert len(rows) > 1 and sum(people) == fig.population
    covered = sum(p * float(r["covered_pct"]) / 100 for p, r in zip(people, rows, strict=True))
    assert abs(covered - fig.covered_population) <= sum(0.0005 * p for p in people) + 1


def test_a_county_user_without_the_province_role_gets_no_figures(demo_county):
    """The county's dispatcher is refused the roll-up (POLICY view_rollup), in the county's own database."""
    from stockpile.domain.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        province.county_figures("360499", "示范县", demo_county, "dispatcher")
