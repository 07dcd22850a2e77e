"""Properties: FEFO against a plain greedy and the quantity boundary at the pydantic edge and in the service."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from stockpile.domain import ledger
from stockpile.domain.errors import OutOfStock, QtyOutOfRange
from stockpile.domain.model import MAX_QTY, Lot
from stockpile.ledger import stock
from stockpile.schemas import IssueCmd, ReceiptCmd, ReserveCmd
from tests.conftest import NOW
from tests.support.reliability import W, issue, ledger_rows, receipt

pytestmark = pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")  # crafted commands, on purpose
ON = date(2026, 6, 1)
T0 = datetime(2026, 1, 1, tzinfo=UTC)

lots = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(-30, 60)),  # expiry as days from ON (≤ 0: expired), None = never
        st.integers(0, 5),  # received_at, days after T0 (few values: ties on purpose)
        st.integers(0, 12),  # available
    ),
    max_size=8,
)


def _greedy(cands: list[ledger.Candidate], qty: int, on: date) -> list[tuple[int, int]] | None:
    """Reference: drop expired and empty lots, sort by (expiry or ∞, received_at, id), take greedily."""
    usable = [c for c in cands if c.available > 0 and (c.lot.expiry is None or c.lot.expiry > on)]
    usable.sort(key=lambda c: (c.lot.expiry or date.max, c.lot.received_at, c.lot.id))
    picks, left = [], qty
    for c in usable:
        if left == 0:
            break
        take = min(left, c.available)
        picks.append((c.lot.id, take))
        left -= take
    return picks if left == 0 else None


@settings(max_examples=300, deadline=None)
@given(lots, st.integers(1, 40), st.randoms(use_true_random=False))
def test_fefo_equals_greedy_over_sorted_lots(spec, qty, rnd) -> None:
    """The FEFO pick equals a greedy over usable lots sorted by (expiry or ∞, received_at, id)."""
    cands = [
        ledger.Candidate(
            Lot(
                id=i + 1,
                item_id=1,
                lot_no=f"L{i}",
                expiry=None if exp is None else ON + timedelta(days=exp),
                received_at=T0 + timedelta(days=rec),
            ),
            avail,
        )
        for i, (exp, rec, avail) in enumerate(spec)
    ]
    rnd.shuffle(cands)  # input order must not matter
    want = _greedy(cands, qty, ON)
    if want is None:
        with pytest.raises(OutOfStock):
            ledger.fefo_pick(cands, qty, ON)
        return
    assert [(lot.id, q) for lot, q in ledger.fefo_pick(cands, qty, ON)] == want


BAD_QTYS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).filter(
        lambda f: not (f.is_integer() and 0 < f <= MAX_QTY) if math.isfinite(f) else True
    ),
    st.booleans(),
    st.text(max_size=12).filter(lambda s: not s.strip().isdigit()),
    st.sampled_from(["1,000", "1.5", "1e6", "2**63", "10 boxes", "-3", " ", "NaN", "0x10"]),
    st.integers(max_value=0),
    st.integers(min_value=MAX_QTY + 1),
    st.sampled_from([0, -1, MAX_QTY + 1, 2**63, 2**63 - 1, -(2**63)]),
)


def _models(qty: object) -> list[object]:
    common = {"client_id": uuid.uuid4(), "actor": "k", "item_code": W.tent, "qty": qty}
    return [
        lambda: IssueCmd(occurred_at=NOW, site_code=W.depot, **common),
        lambda: ReceiptCmd(occurred_at=NOW, site_code=W.depot, lot_no="L1", **common),
        lambda: ReserveCmd(site_code=W.depot, lot_no="L1", **common),
    ]


@pytest.fixture(scope="module")
def sqlite_world(tmp_path_factory):
    """One SQLite world for the whole property run (Hypothesis repeats the body, not the fixture)."""
    from stockpile.adapters.db.engine import create_schema, make_engine
    from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
    from tests.support.factory import seed_minimal

    e = make_engine(f"sqlite:///{tmp_path_factory.mktemp('qty') / 'q.db'}")
    create_schema(e)
    seed_minimal(e)
    uow = SqlAlchemyUnitOfWork(e)
    stock.record_receipt(receipt(W.depot, "L1", 50), uow, NOW)
    yield e, uow
    e.dispose()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(BAD_QTYS)
def test_boundary_rejects_non_int_or_out_of_range_qty(sqlite_world, qty) -> None:
    """A qty that is not a whole number in 1..10^9 is refused by every command model and by the service."""
    for make in _models(qty):
        with pytest.raises(ValidationError):
            make()  # type: ignore[operator]
    with pytest.raises(QtyOutOfRange):
        ledger.check_qty(qty)
    engine, uow = sqlite_world
    before = ledger_rows(engine)
    crafted = IssueCmd.model_construct(**(issue(W.depot, "L1", 1).model_dump() | {"qty": qty}))
    with pytest.raises(QtyOutOfRange):  # refused before any posting
        stock.issue_stock(crafted, uow, NOW)
    assert ledger_rows(engine) == before


@settings(max_examples=60, deadline=None)
@given(st.integers(1, MAX_QTY))
def test_boundary_accepts_every_int_in_range(qty: int) -> None:
    """Every int in 1..10^9 passes the boundary unchanged (the refusals above are not over-eager)."""
    assert IssueCmd(**(issue(W.depot, None, 1).model_dump() | {"qty": qty})).qty == qty
    assert ledger.check_qty(qty) == qty


@pytest.mark.parametrize("qty", [1.5, 0.5, 2.25, "1.5"])
def test_fractional_qty_for_unit_item_is_rejected(qty, uow, world, engine) -> None:
    """1.5 tents (a counted item, base unit 顶) is refused by the form model and by the service; 0 writes."""
    stock.record_receipt(receipt(W.depot, "L1", 10), uow, NOW)
    before = ledger_rows(engine)
    with pytest.raises(ValidationError):
        issue(W.depot, "L1", qty)  # type: ignore[arg-type]
    crafted = IssueCmd.model_construct(**(issue(W.depot, "L1", 1).model_dump() | {"qty": qty}))
    with pytest.raises(QtyOutOfRange):
        stock.issue_stock(crafted, uow, NOW)
    assert ledger_rows(engine) == before
