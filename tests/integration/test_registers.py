"""征用 and 捐赠 registers (issue 17, M3/M4): requisitioned goods enter stock through the ledger's receipt as
lots with source "requisitioned", vehicles join the fleet until returned, compensation follows the county's rule;
donations are checked at acceptance (an expired lot is refused and recorded, never stocked), stocked as donated
lots, used for villages of the event, and listed publicly without personal data."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stockpile import clock
from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.dispatch import VehicleRow
from stockpile.adapters.orm.registers import DonationRow, DonationUseRow, RequisitionRow
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.bootstrap import events_repo, registers_repo
from stockpile.domain.errors import PermissionDenied, UnknownItem, UnknownSite
from stockpile.domain.events import EventRecord, RequestLine, UnknownArea
from stockpile.domain.registers import (
    BadRegisterInput,
    CompensationRule,
    Donation,
    DonationOverused,
    DonationRefused,
    Requisition,
    RequisitionClosed,
    RequisitionNotReceivable,
    UnknownDonation,
)
from stockpile.events.registers_service import RegisterService
from stockpile.events.service import EventService
from stockpile.i18n import error_text
from stockpile.reports.registers import compensation_tables, public_donation_table
from tests.support.events import V1, V3, seed_places

RULE = CompensationRule(price_permille=1000, vehicle_daily_rate_fen=50_000, min_days=1)


@pytest.fixture
def regs(engine, world) -> RegisterService:
    seed_places(engine, world)
    uow = lambda: SqlAlchemyUnitOfWork(engine)  # noqa: E731
    EventService(uow=uow, repo=events_repo).new_event(
        EventRecord("FLOOD-1", "城关洪涝", "flood", world.county, 4, clock.now() - timedelta(days=2)), "disp"
    )
    return RegisterService(uow=uow, repo=events_repo, regs=registers_repo, rule=RULE)


def _goods(world, qty: int = 40, price_fen: int = 1_500, owner: str = "城关超市有限公司") -> Requisition:
    at = clock.now() - timedelta(days=1)
    return Requisition(
        0, "FLOOD-1", "goods", owner, "13800000001", world.water, qty, "", "完好", at, price_fen
    )


def _truck(world, taken_hours: int = 30) -> Requisition:
    at = clock.now() - timedelta(hours=taken_hours)
    return Requisition(
        0, "FLOOD-1", "vehicle", "张师傅", "13900000002", "", 1, "东风货车", "良好", at,
        plate="赣B12345", capacity_kg=5000, capacity_dm3=20_000, home_site=world.depot,
    )  # fmt: skip


def _lot(engine, item: str, lot_no: str) -> tuple[str, str, int]:
    """(source, donor, on hand) of a lot, read from the ledger's own tables."""
    with Session(engine) as s:
        lot = s.scalar(
            select(orm.LotRow).join(orm.ItemRow).where(orm.ItemRow.code == item, orm.LotRow.lot_no == lot_no)
        )
        assert lot is not None
        on_hand = s.scalar(
            select(func.sum(orm.StockBalanceRow.on_hand)).where(orm.StockBalanceRow.lot_id == lot.id)
        )
        return lot.source, lot.donor, int(on_hand or 0)


def _count(engine, table) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_requisitioned_goods_enter_stock_through_the_ledger_once(regs, world, engine):
    r = regs.record_requisition(_goods(world), "disp")
    assert r.id > 0 and r.received_at is None
    with pytest.raises(PermissionDenied):  # the dispatcher is no keeper of the depot
        regs.receive_requisition(r.id, world.depot, "ZY-W1", "disp")
    res = regs.receive_requisition(r.id, world.depot, "ZY-W1", world.keeper)
    assert _lot(engine, world.water, "ZY-W1") == ("requisitioned", "", 40)
    with pytest.raises(RequisitionNotReceivable):
        regs.receive_requisition(r.id, world.depot, "ZY-W1", world.keeper)
    assert _lot(engine, world.water, "ZY-W1")[2] == 40  # not twice
    [line] = regs.requisitions("FLOOD-1", "plan")
    assert (line.home_site, line.lot_no, line.received_at is not None) == (world.depot, "ZY-W1", True)
    assert res.posting_id is not None


def test_a_requisitioned_vehicle_joins_the_fleet_until_returned(regs, world, engine):
    v = regs.record_requisition(_truck(world), "disp")
    with Session(engine) as s:
        row = s.scalar(select(VehicleRow).where(VehicleRow.code == v.vehicle_code))
        assert row is not None and (row.ownership, row.active, row.plate) == (
            "requisitioned",
            True,
            "赣B12345",
        )
    with pytest.raises(RequisitionNotReceivable):
        regs.receive_requisition(v.id, world.depot, "", world.keeper)
    back = regs.close_requisition(v.id, consumed=False, actor="disp", at=clock.now())
    assert back.returned_at is not None
    with Session(engine) as s:
        assert s.scalar(select(VehicleRow.active).where(VehicleRow.code == v.vehicle_code)) is False
    with pytest.raises(RequisitionClosed) as e:
        regs.close_requisition(v.id, consumed=False, actor="disp")
    assert "已归还或消耗" in error_text(e.value.code, e.value.params)


def test_compensation_follows_the_rule_per_owner(regs, world):
    regs.record_requisition(_goods(world, qty=40, price_fen=1_550), "disp")  # 40 × 15.50 元 = 620.00 元
    regs.record_requisition(_goods(world, qty=3, price_fen=333), "disp")  # 9.99 元, same owner
    v = regs.record_requisition(_truck(world, taken_hours=30), "disp")  # 30 h → 2 days × 500 元
    regs.close_requisition(v.id, consumed=False, actor="disp", at=clock.now())
    owed = regs.compensation("FLOOD-1", "plan")
    assert sorted(o.owed_fen for o in owed) == [999, 62_000, 100_000]
    tables = compensation_tables(owed, {world.water: ("瓶装饮用水", "Water", "瓶")})
    per_owner = next(iter(tables.values()))
    assert per_owner.to_dict("records") == [
        {"所有人": "城关超市有限公司", "条数": 2, "应付补偿（元）": "629.99"},
        {"所有人": "张师傅", "条数": 1, "应付补偿（元）": "1,000.00"},
    ]
    with pytest.raises(PermissionDenied):
        regs.compensation("FLOOD-1", world.keeper)


def test_bad_requisitions_write_nothing(regs, world, engine):
    for bad, err in (
        (_goods(world, qty=0), BadRegisterInput),
        (_goods(world, owner=" "), BadRegisterInput),
        (_goods(world, price_fen=-1), BadRegisterInput),
        (replace(_goods(world), item_code="9999999"), UnknownItem),
        (replace(_truck(world), capacity_kg=0), BadRegisterInput),
        (replace(_truck(world), home_site="NO-SUCH"), UnknownSite),
    ):
        with pytest.raises(err):
            regs.record_requisition(bad, "disp")
    with pytest.raises(PermissionDenied):
        regs.record_requisition(_goods(world), world.keeper)
    assert _count(engine, RequisitionRow) == 0


def _donation(
    world,
    lot: str = "JZ-1",
    expiry_days: int = 300,
    qty: int = 100,
    kind: str = "person",
    donor: str = "李四",
) -> Donation:
    expiry = (clock.now() + timedelta(days=expiry_days)).date()
    at = clock.now() - timedelta(hours=3)
    return Donation(
        0, "FLOOD-1", donor, kind, "13700000003", world.water, qty, lot, expiry, world.depot, "", "", at
    )


def test_donation_accepted_stocked_used_and_listed_without_personal_data(regs, world, engine):
    d = regs.receive_donation(_donation(world), True, world.keeper)
    org = regs.receive_donation(
        _donation(world, lot="JZ-2", kind="organisation", qty=10, donor="县红十字会"), True, world.keeper
    )
    assert (d.status, org.status) == ("accepted", "accepted")
    assert _lot(engine, world.water, "JZ-1") == ("donated", "李四", 100)
    regs.use_donation(d.id, "FLOOD-1", V1, 60, world.keeper)
    assert _lot(engine, world.water, "JZ-1")[2] == 40
    with pytest.raises(DonationOverused):
        regs.use_donation(d.id, "FLOOD-1", V1, 41, world.keeper)
    with pytest.raises(UnknownArea):
        regs.use_donation(d.id, "FLOOD-1", "360499999999", 1, world.keeper)
    assert _lot(engine, world.water, "JZ-1")[2] == 40 and _count(engine, DonationUseRow) == 1
    public = regs.public_donations("FLOOD-1", "plan", anonymous="爱心人士")
    assert [(p.donor, p.qty, p.used, p.used_for) for p in public] == [
        ("爱心人士", 100, 60, ("东村",)),
        ("县红十字会", 10, 0, ()),  # an organisation's name is public, a private donor's is not
    ]
    table = public_donation_table(public, {world.water: ("瓶装饮用水", "Water", "瓶")})
    text = table.to_csv()
    assert "李四" not in text and "137" not in text and "JZ-1" not in text


def test_an_expired_donation_is_refused_and_recorded_never_stocked(regs, world, engine):
    refused = regs.receive_donation(_donation(world, lot="OLD-1", expiry_days=-1), True, world.keeper)
    failed = regs.receive_donation(_donation(world, lot="BAD-1"), False, world.keeper)
    assert [(refused.status, refused.reason), (failed.status, failed.reason)] == [
        ("refused", "expired"),
        ("refused", "inspection_failed"),
    ]
    with Session(engine) as s:
        assert s.scalar(select(func.count()).where(orm.LotRow.lot_no.in_(["OLD-1", "BAD-1"]))) == 0
    assert _count(engine, DonationRow) == 2
    with pytest.raises(DonationRefused):
        regs.use_donation(refused.id, "FLOOD-1", V1, 1, world.keeper)
    with pytest.raises(PermissionDenied):  # keeper2 keeps the township point, not the county depot
        regs.receive_donation(_donation(world, lot="OLD-2", expiry_days=-1), True, "keeper2")
    with pytest.raises(UnknownDonation):
        regs.use_donation(refused.id + 99, "FLOOD-1", V3, 1, world.keeper)


def test_unused_goods_go_back_out_of_their_lot_and_compensation_counts_the_rest(regs, world, engine):
    """The keeper of the depot the goods are bound for sees the line (no phone), receives it and issues the unused
    part back to the owner out of that lot; a mark alone cannot return goods in stock; nothing goes back twice."""
    from stockpile.domain.registers import RequisitionNotReturnable

    r = regs.record_requisition(replace(_goods(world), home_site=world.depot), "disp")
    [seen] = regs.keeper_requisitions(world.keeper)
    assert (seen.id, seen.owner, seen.owner_contact) == (r.id, "城关超市有限公司", "")
    regs.receive_requisition(r.id, world.depot, "ZY-R1", world.keeper)
    with pytest.raises(RequisitionNotReturnable):
        regs.close_requisition(r.id, False, "disp")
    with pytest.raises(BadRegisterInput):
        regs.return_goods(r.id, 41, world.keeper)  # more than was requisitioned
    with pytest.raises(PermissionDenied):
        regs.return_goods(r.id, 5, "disp")  # the dispatcher keeps no depot
    back = regs.return_goods(r.id, 15, world.keeper)
    assert (back.returned_qty, back.consumed_qty) == (15, 25)
    assert _lot(engine, world.water, "ZY-R1")[2] == 25
    with pytest.raises(RequisitionClosed):
        regs.return_goods(r.id, 1, world.keeper)
    [owed] = regs.compensation("FLOOD-1", "plan")
    assert (owed.owed_fen, owed.basis) == (25 * 1_500, "25×1500")
    with Session(engine) as s:
        row = s.get(RequisitionRow, r.id)
        assert row is not None and (row.returned_qty, row.returned_at is not None) == (15, True)


def test_requests_to_the_city_are_numbered_per_year_and_measured_against_stock(regs, world, engine):
    from stockpile.bootstrap import city_requests_repo
    from stockpile.domain.city_requests import BadCityRequest, CityRequest, CityRequestLine

    city = replace(regs, city=city_requests_repo, bureau=lambda lang: "城关县应急管理局")
    ask = CityRequest(0, "FLOOD-1", (CityRequestLine(world.water, 300),), "县级储备不足", None)
    assert city.shortfall("FLOOD-1", "plan") == []  # no approved township request: nothing to cover
    with pytest.raises(BadCityRequest) as nothing_short:  # so nothing to ask the city for
        city.record_city_request(ask, "disp")
    assert nothing_short.value.params == {"reason": "not_short", "value": world.water}
    events = EventService(uow=regs.uow, repo=events_repo)
    line = RequestLine(0, "FLOOD-1", "", world.water, 1_000_000, 1, None, V1, "", None, "", "", "")
    events.decide_request(events.add_request(line, "disp").id, "approved", "disp")
    first = city.record_city_request(ask, "disp")
    second = city.record_city_request(replace(ask, lines=(CityRequestLine(world.water, 20),)), "disp")
    year = clock.now().year
    assert (first.number, second.number) == (f"请调〔{year}〕1号", f"请调〔{year}〕2号")
    assert [r.number for r in city.city_requests("FLOOD-1", "plan")] == [second.number, first.number]
    with pytest.raises(BadCityRequest):
        city.record_city_request(replace(ask, lines=(CityRequestLine(world.water, 0),)), "disp")
    with pytest.raises(UnknownItem):
        city.record_city_request(replace(ask, lines=(CityRequestLine("9999999", 1),)), "disp")
    with pytest.raises(PermissionDenied):
        city.record_city_request(ask, world.keeper)
    past = clock.now() - timedelta(hours=1)  # a needed-by time already past was printed on the letter
    with pytest.raises(BadCityRequest) as late:
        city.record_city_request(replace(ask, needed_by=past), "disp")
    assert late.value.params["reason"] == "needed_by"
