"""Authorisation in the services: the planning, review and scenario writes authorise themselves, so a caller that
bypasses the capability services is still refused (one `authz_denied` row, nothing else) — SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from stockpile.adapters.files.importers import read_table
from stockpile.adapters.orm.all_tables import Base
from stockpile.adapters.orm.auth import AuditEventRow
from stockpile.adapters.repos.dispatch import SqlDispatchRepository
from stockpile.adapters.repos.reserve import ReserveUnitOfWork
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.dispatch import scenario as dispatch_scenario
from stockpile.domain.errors import PermissionDenied
from stockpile.planning import agreements as planning
from stockpile.planning import review as planning_review
from stockpile.planning import standards_import as planning_import
from stockpile.planning.commands import CallOffCmd, VerifyCmd
from stockpile.reserve.records import TransportReserve
from tests.conftest import NOW
from tests.support.reserve import CFG, CONTRACT, add_contract

CSV = "目录编码,品名\n1020101,水\n".encode()


def _drepo(uow: Any) -> SqlDispatchRepository:
    return SqlDispatchRepository(uow.session)


def _transport() -> TransportReserve:
    return TransportReserve("T1", "运输公司", None, 2, 5000, 20000, 60, date(2026, 1, 1), date(2026, 12, 31))


# use case → (a role POLICY does not allow, the call made straight on the service with that user)
CALLS: dict[str, tuple[str, Callable[[Engine, str], Any]]] = {
    "record_verification": (
        "keeper1",
        lambda e, who: planning.record_verification(
            VerifyCmd(uuid.uuid4(), who, CONTRACT, NOW.date(), "刘科长", (("1020101", 5),)),
            ReserveUnitOfWork(e),
            NOW.date(),
            NOW,
        ),
    ),
    "call_off": (
        "plan",
        lambda e, who: planning.call_off(
            CallOffCmd(uuid.uuid4(), who, CONTRACT, "1020101", 1, NOW), ReserveUnitOfWork(e), CFG, NOW
        ),
    ),
    "set_check_interval": (
        "disp",
        lambda e, who: planning.set_check_interval(ReserveUnitOfWork(e), who, CONTRACT, 9),
    ),
    "save_transport": (
        "keeper1",
        lambda e, who: planning.save_transport(ReserveUnitOfWork(e), who, _transport()),
    ),
    "import_standards": (
        "disp",
        lambda e, who: planning_import.import_standards(
            read_table(CSV, "s.csv"), who, ReserveUnitOfWork(e), NOW
        ),
    ),
    "import_agreements": (
        "keeper1",
        lambda e, who: planning_import.import_agreements(
            read_table(CSV, "a.csv"), who, ReserveUnitOfWork(e), NOW
        ),
    ),
    "prepare_review": (
        "disp",
        lambda e, who: planning_review.prepare_review(ReserveUnitOfWork(e), 2026, who, NOW.date(), NOW, CFG),
    ),
    "mark_reviewed": (
        "keeper1",
        lambda e, who: planning_review.mark_reviewed(ReserveUnitOfWork(e), 2026, who, NOW),
    ),
    "approve": ("plan", lambda e, who: planning_review.approve(ReserveUnitOfWork(e), 2026, who, NOW)),
    "save_demand": (
        "keeper1",
        lambda e, who: dispatch_scenario.save_demand(
            "S1", {("D-TS01", "1020101"): 5}, who, SqlAlchemyUnitOfWork(e), _drepo, NOW
        ),
    ),
    "rebase_scenario": (
        "keeper1",
        lambda e, who: dispatch_scenario.rebase_scenario(
            "S1", NOW, who, SqlAlchemyUnitOfWork(e), _drepo, NOW
        ),
    ),
}


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as c:
        return {
            t.name: int(c.execute(select(func.count()).select_from(t)).scalar_one())
            for t in Base.metadata.sorted_tables
        }


def audit_rows(engine: Engine) -> list[Any]:
    with engine.connect() as c:
        return list(c.execute(select(AuditEventRow).order_by(AuditEventRow.id)).all())


@pytest.mark.parametrize("case", sorted(CALLS))
def test_wrong_role_calling_the_service_directly_is_denied_and_audited(case, engine, world):
    """Called without the service objects by a role POLICY does not allow: PermissionDenied, one authz_denied row, no other
    row anywhere."""
    add_contract(engine, world, date(2026, 1, 1), date(2026, 12, 31))
    who, call = CALLS[case]
    before = row_counts(engine)
    with pytest.raises(PermissionDenied):
        call(engine, who)
    after = row_counts(engine)
    [row] = audit_rows(engine)[-1:]
    assert (row.outcome, row.actor) == ("authz_denied", who)
    assert after == {**before, "audit_event": before["audit_event"] + 1}


def test_deactivated_user_is_denied_in_the_planning_service(engine, world):
    """The active flag is re-read on every planning write: a disabled planner is refused and audited."""
    add_contract(engine, world, date(2026, 1, 1), date(2026, 12, 31))
    with engine.begin() as c:
        c.exec_driver_sql("UPDATE app_user SET active = false WHERE username = 'plan'")
    with pytest.raises(PermissionDenied):
        planning.set_check_interval(ReserveUnitOfWork(engine), "plan", CONTRACT, 9)
    [row] = audit_rows(engine)
    assert (row.outcome, row.action) == ("authz_denied", "manage_reserve_plan")


def test_allowed_planning_write_adds_one_ok_audit_row(engine, world):
    """A planner's write is audited once in its own transaction (who, action, target)."""
    add_contract(engine, world, date(2026, 1, 1), date(2026, 12, 31))
    planning.set_check_interval(ReserveUnitOfWork(engine), "plan", CONTRACT, 9, NOW)
    [row] = audit_rows(engine)
    assert (row.outcome, row.actor, row.action, row.target) == ("ok", "plan", "manage_reserve_plan", CONTRACT)


def test_service_object_adds_no_second_denial_row(db_url, engine, world):
    """Through the capability services the denial is recorded once (the facade no longer pre-checks)."""
    add_contract(engine, world, date(2026, 1, 1), date(2026, 12, 31))
    svc = build_services(Settings(database_url=db_url))
    with pytest.raises(PermissionDenied):
        svc.planning.approve_review(2026, "plan", NOW)
    assert [r.outcome for r in audit_rows(engine)] == ["authz_denied"]
