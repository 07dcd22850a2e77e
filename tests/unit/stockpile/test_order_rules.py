"""Pure rules of the order handover: a partial load spread over holds in FEFO order, the shipment check, a
receipt's quantity given to the request lines it served, most urgent first, and order numbers a keeper can type."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockpile.domain.dispatch import (
    SHORT_REASONS,
    ShipInvalid,
    check_shipment,
    loaded_per_hold,
    order_no_key,
    typeable,
)
from stockpile.domain.events import RequestLine, deliver_requests


@given(st.lists(st.integers(1, 50), min_size=1, max_size=6), st.integers(0, 400))
def test_a_partial_load_takes_the_earliest_lots_first_and_never_more_than_held(held, loaded):
    out = loaded_per_hold([(str(i), q) for i, q in enumerate(held)], loaded)
    assert sum(out) == min(loaded, sum(held))
    assert all(0 <= o <= h for o, h in zip(out, held, strict=True))
    cut = next((i for i, (o, h) in enumerate(zip(out, held, strict=True)) if o < h), len(held))
    assert out[:cut] == held[:cut] and all(
        o == 0 for o in out[cut + 1 :]
    )  # earlier lots full, later ones empty


def test_items_not_named_load_in_full_and_a_full_load_needs_no_reason():
    assert check_shipment({"A": 5, "B": 3}, {}, "", "") == {"A": (5, 5), "B": (3, 3)}
    assert check_shipment({"A": 5}, {"A": 5}, "", "") == {"A": (5, 5)}


@pytest.mark.parametrize(
    ("loaded", "reason", "note"),
    [({"A": 4}, "", ""), ({"A": 4}, "lost", ""), ({"A": 4}, "other", ""), ({"A": 6}, "damaged", ""),
     ({"A": -1}, "damaged", ""), ({"Z": 1}, "damaged", "")],
)  # fmt: skip
def test_a_bad_shipment_is_refused(loaded, reason, note):
    with pytest.raises(ShipInvalid):
        check_shipment({"A": 5}, loaded, reason, note)


@pytest.mark.parametrize("reason", SHORT_REASONS)
def test_every_catalogue_reason_allows_a_shortfall(reason):
    assert check_shipment({"A": 5}, {"A": 0}, reason, "说明")["A"] == (5, 0)


def _req(rid: int, qty: int, priority: int = 2, to: str = "V1", item: str = "T", done: int | None = None):
    need = datetime(2026, 6, 1, 12, tzinfo=UTC) if rid % 2 else None
    return RequestLine(rid, "E", "T1", item, qty, priority, need, to, "planned", qty, "", "", "", done)


def test_received_goes_to_the_most_urgent_line_first_then_part_delivered():
    lines = [_req(1, 20), _req(2, 10, priority=1), _req(3, 5, to="V2")]
    out = deliver_requests(lines, {("V1", "T"): 25})
    assert out == {2: (10, "delivered"), 1: (15, "part_delivered")}  # V2 not served by this receipt


def test_a_second_receipt_adds_to_what_arrived_and_extra_is_norm_demand():
    lines = [_req(1, 20, done=15)]
    assert deliver_requests(lines, {("V1", "T"): 30}) == {1: (20, "delivered")}
    assert deliver_requests([_req(4, 8)], {("V1", "T"): 0}) == {4: (0, "planned")}


def test_an_order_number_carries_the_plate_without_its_dot():
    """A plate's 「·」 (and its look-alikes), spaces and full-width forms are left out of a number; the province's
    character stays. A typed number compares without them and without case."""
    assert typeable("云A·12345") == typeable("云Ａ ・１２３４５") == "云A12345"
    assert typeable("XJK-01") == "XJK-01"
    assert order_no_key("dd1a2b3c4d-云a12345") == order_no_key("DD1A2B3C4D-云A·12345")


def test_two_vehicles_whose_codes_differ_only_by_the_dot_keep_apart_numbers():
    """云A·12345 and 云A12345 in one plan would both read DD…-云A12345: each keeps its code as it is."""
    import uuid

    from stockpile.dispatch.confirm import order_no

    plan = uuid.UUID(int=0xA1B2C3D4 << 96)
    fleet = ["云A·12345", "云A12345", "XJK-01"]
    numbers = [order_no(plan, v, fleet) for v in fleet]
    assert numbers == ["DDA1B2C3D4-云A·12345", "DDA1B2C3D4-云A12345", "DDA1B2C3D4-XJK-01"]
    assert order_no(plan, "云A·12345", ["云A·12345"]) == "DDA1B2C3D4-云A12345"
