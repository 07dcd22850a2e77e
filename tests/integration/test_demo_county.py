"""The demo county is plausible (sizes and expiries in realistic ranges), consistent (ledger checks pass) and
answers the stock questions."""

from __future__ import annotations

import pytest

from stockpile import clock
from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.read.views import Views
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.ledger.checks import verify_ledger
from tests.conftest import DEMO_NOW

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

TODAY = clock.local_day(DEMO_NOW)  # the demo is built as of the tests' day


@pytest.fixture(scope="module")
def views(demo_url):
    return Views(make_engine(demo_url))


def test_demo_county_has_the_promised_shape(views):
    """1 county depot, 8–12 township points, 120–200 villages, 15–30 shelters, 3 agreement holders, 30–60 items."""
    sites = views.sites()
    assert (sites["site_type"] == "depot").sum() == 1
    assert 8 <= (sites["site_type"] == "point").sum() <= 12
    dp = views.demand_points()
    assert 120 <= (dp["kind"] == "village").sum() <= 200
    assert 15 <= (dp["kind"] == "shelter").sum() <= 30
    assert dp["population"].gt(0).all()
    assert dp["lon"].between(115.7, 116.1).all() and dp["lat"].between(29.4, 29.8).all()
    assert views.agreements()["holder_code"].nunique() == 3
    assert 30 <= len(views.items()) <= 60
    assert set(views.items()["category"]) == {"rescue", "team_support", "living_relief"}


def test_demo_lots_have_spread_out_expiries(views):
    """Some lots already expired, some near expiry, most fine."""
    df = views.stock(on=TODAY)
    assert (df["status"] == "expired").sum() >= 2
    assert (df["status"] == "near").sum() >= 5
    assert (df["status"] == "ok").sum() > len(df) / 2


def test_demo_history_spans_a_year_and_passes_every_ledger_check(demo_url, views):
    mv = views.movements(limit=100_000)
    span = (mv["occurred_at"].max() - mv["occurred_at"].min()).days
    assert span >= 300
    assert {
        "receipt",
        "issue",
        "transfer_out",
        "transfer_in",
        "count_adjust",
        "write_off",
        "reversal",
    } <= set(mv["kind"])
    assert verify_ledger(SqlAlchemyUnitOfWork(make_engine(demo_url))) == []


def test_balance_equals_the_sum_of_the_lot_rows(views):
    df = views.stock(site_code="XJK", item_code="1020101", on=TODAY)
    assert views.balance("XJK", "1020101") == int(df["on_hand"].sum()) > 0


def test_bin_card_running_balance_ends_at_the_balance(views):
    card = views.bin_card("XJK", "1020101")
    assert int(card["balance"].iloc[-1]) == views.balance("XJK", "1020101")


def test_available_to_dispatch_counts_agreement_with_its_lead_time(views):
    """Water: physical at depots (loading minutes) + the supermarket agreement (call-off lead + loading)."""
    df = views.available_to_dispatch("1020101", on=TODAY)
    agr = df[df["mode"] == "agreement"]
    assert len(agr) == 1 and agr["lead_minutes"].iloc[0] == 120 + 15
    assert (df[df["mode"] == "physical"]["lead_minutes"] <= 25).all()


def test_custodial_goods_are_reported_as_custodial(views):
    """Government goods at the enterprise warehouse are 企业代储, not physical stock."""
    df = views.stock(site_code="DC-WLY", on=TODAY)
    assert not df.empty and set(df["mode"]) == {"custodial"}
