"""Roles, depot scope, stale privilege, four-eyes, audit on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from stockpile.adapters.orm.auth import AuditEventRow
from stockpile.adapters.orm.ledger import MovementRow
from stockpile.adapters.repos.passwords import Argon2Hasher
from stockpile.domain.errors import AlreadyResolved, PermissionDenied
from stockpile.ledger import reservations as rsv
from stockpile.ledger import stock, write_offs
from stockpile.schemas import (
    CountCmd,
    IssueCmd,
    ReceiptCmd,
    ReserveCmd,
    ResolveReservationCmd,
    ReverseCmd,
    TransferCmd,
    WriteOffCmd,
)
from stockpile.trust import authz, users
from tests.conftest import NOW

H = timedelta(hours=1)
HASHER = Argon2Hasher()


def receipt(site, qty=10, lot="L1", actor="k"):
    return ReceiptCmd(
        client_id=uuid.uuid4(),
        actor=actor,
        occurred_at=NOW - H,
        site_code=site,
        item_code="1020101",
        lot_no=lot,
        qty=qty,
        expiry=date(2027, 1, 1),
    )


def moves(engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(MovementRow)).scalar_one())


def audits(engine, outcome=None, actor=None) -> list[AuditEventRow]:
    q = select(AuditEventRow).order_by(AuditEventRow.id)
    if outcome:
        q = q.where(AuditEventRow.outcome == outcome)
    if actor:
        q = q.where(func.upper(AuditEventRow.actor) == actor.upper())
    with engine.connect() as c:
        return list(c.execute(q).all())


def test_denied_action_writes_authz_denied_and_no_movement(uow, world, engine):
    """Keeper of D1 receiving at D2 is refused in the service: one authz_denied row, no movement."""
    with pytest.raises(PermissionDenied):
        stock.record_receipt(receipt(world.point, actor="keeper1"), uow, NOW)
    assert moves(engine) == 0
    [row] = audits(engine, "authz_denied")
    assert (row.actor.upper(), row.action, row.target) == ("KEEPER1", "receive", "receipt")


def _idor_calls(w, shipped_from_point, posting_on_point):
    return {
        "issue": lambda uow: stock.issue_stock(
            IssueCmd(
                client_id=uuid.uuid4(),
                actor="keeper1",
                occurred_at=NOW,
                site_code=w.point,
                item_code=w.water,
                qty=1,
            ),
            uow,
            NOW,
        ),
        "transfer": lambda uow: stock.ship_transfer(
            TransferCmd(
                client_id=uuid.uuid4(),
                actor="keeper1",
                occurred_at=NOW,
                from_site_code=w.point,
                to_site_code=w.depot,
                item_code=w.water,
                qty=1,
            ),
            uow,
            NOW,
        ),
        "count": lambda uow: stock.record_count(
            CountCmd(
                client_id=uuid.uuid4(),
                actor="keeper1",
                occurred_at=NOW,
                site_code=w.point,
                item_code=w.water,
                lot_no="L1",
                counted=0,
            ),
            uow,
            NOW,
        ),
        "reverse": lambda uow: stock.reverse_posting(
            ReverseCmd(client_id=uuid.uuid4(), actor="keeper1", occurred_at=NOW, posting_id=posting_on_point),
            uow,
            NOW,
        ),
        "ledger_view": lambda uow: stock.suggest_fefo(uow, w.point, w.water, 1, NOW.date(), "keeper1"),
        "write_off": lambda uow: write_offs.propose_write_off(
            WriteOffCmd(
                client_id=uuid.uuid4(),
                actor="keeper1",
                occurred_at=NOW,
                site_code=w.point,
                item_code=w.water,
                lot_no="L1",
                qty=1,
                reason="damaged",
            ),
            uow,
            NOW,
        ),
    }


@pytest.mark.parametrize("call", ["issue", "transfer", "count", "reverse", "ledger_view", "write_off"])
def test_keeper_of_d1_acting_on_d2_is_denied_and_audited(uow, world, engine, call):
    """IDOR: keeper of D1 on D2 → PermissionDenied, exactly one authz_denied, no movement."""
    first = stock.record_receipt(receipt(world.point, actor="keeper2"), uow, NOW)
    before = moves(engine)
    fn = _idor_calls(world, None, first.posting_id)[call]
    with pytest.raises(PermissionDenied):
        fn(uow)
    assert moves(engine) == before
    assert len(audits(engine, "authz_denied")) == 1


def test_keeper_sees_only_own_depots_others_see_all(uow, world):
    """View scope: a keeper's visible depots are its own; dispatcher, planner and admin see all (None)."""
    assert authz.visible_site_codes(uow, "keeper1") == {world.depot}
    assert authz.visible_site_codes(uow, "disp") is None
    assert authz.visible_site_codes(uow, "plan") is None


def test_unknown_user_is_denied_everything(uow, world, engine):
    """Deny by default: a name with no user row can post nothing."""
    with pytest.raises(PermissionDenied):
        stock.record_receipt(receipt(world.depot, actor="mallory"), uow, NOW)
    assert moves(engine) == 0 and len(audits(engine, "authz_denied")) == 1


@pytest.mark.parametrize("change", ["depot_removed", "deactivated", "role_revoked"])
def test_stale_privilege_is_denied_on_the_next_call(uow, world, engine, change):
    """After depot removal, deactivation or a role change the keeper's very next call is refused."""
    stock.record_receipt(receipt(world.depot, actor="keeper1"), uow, NOW)
    if change == "depot_removed":
        users.set_sites(uow, "admin", "keeper1", (world.point,), NOW)
    elif change == "deactivated":
        users.set_active(uow, "admin", "keeper1", False, NOW)
    else:
        users.set_role(uow, "admin", "keeper1", "planner", NOW)
    with pytest.raises(PermissionDenied):
        stock.record_receipt(receipt(world.depot, actor="keeper1"), uow, NOW)
    assert moves(engine) == 1


def test_password_change_and_deactivation_revoke_existing_logins(uow, world):
    """A login dies with a password change, a deactivation, or logout (server-side session)."""
    users.add_user(uow, HASHER, "admin", "alice", "keeper", "correct horse 1", (world.depot,), now=NOW)
    a = users.login(uow, HASHER, "alice", "correct horse 1", NOW)
    assert users.session_user(uow, a.token, NOW).site_ids
    users.change_password(uow, HASHER, "alice", "correct horse 1", "correct horse 2", NOW)
    assert users.session_user(uow, a.token, NOW) is None
    b = users.login(uow, HASHER, "alice", "correct horse 2", NOW)
    users.set_active(uow, "admin", "alice", False, NOW)
    assert users.session_user(uow, b.token, NOW) is None
    users.set_active(uow, "admin", "alice", True, NOW)
    c = users.login(uow, HASHER, "alice", "correct horse 2", NOW)
    users.logout(uow, c.token, NOW)
    assert users.session_user(uow, c.token, NOW) is None


def test_session_expires(uow, world):
    """A login is valid for SESSION_HOURS only."""
    users.add_user(uow, HASHER, "admin", "bob", "planner", "correct horse 1", now=NOW)
    s = users.login(uow, HASHER, "bob", "correct horse 1", NOW)
    assert users.session_user(uow, s.token, NOW + H) is not None
    assert users.session_user(uow, s.token, NOW + timedelta(hours=users.SESSION_HOURS + 1)) is None


def test_write_off_needs_a_second_person(uow, world, engine):
    """Four-eyes: proposing moves nothing; self-approval is denied; an admin ≠ proposer posts; both audited."""
    stock.record_receipt(receipt(world.depot, actor="k"), uow, NOW)
    cmd = WriteOffCmd(
        client_id=uuid.uuid4(),
        actor="k",
        occurred_at=NOW,
        site_code=world.depot,
        item_code=world.water,
        lot_no="L1",
        qty=4,
        reason="damaged",
    )
    pid = write_offs.propose_write_off(cmd, uow, NOW)
    assert moves(engine) == 1
    with pytest.raises(PermissionDenied):  # a keeper may not approve
        write_offs.approve_write_off(pid, "keeper1", uow, NOW)
    users.set_role(uow, "admin", "k", "admin", NOW)
    with pytest.raises(PermissionDenied) as e:  # the proposer, now an admin, still may not approve
        write_offs.approve_write_off(pid, "k", uow, NOW)
    assert e.value.params["reason"] == "self_approval"
    write_offs.approve_write_off(pid, "admin", uow, NOW)
    assert moves(engine) == 2
    with pytest.raises(AlreadyResolved):
        write_offs.reject_write_off(pid, "admin2", uow, NOW)
    ok = {(r.actor.upper(), r.action) for r in audits(engine, "ok")}
    assert {("K", "propose_write_off"), ("ADMIN", "approve_write_off")} <= ok


def test_only_the_plan_owner_resolves_a_reservation(uow, world):
    """Reserve/confirm/void: the dispatcher who holds the plan; another dispatcher is refused."""
    stock.record_receipt(receipt(world.depot), uow, NOW)
    held = rsv.reserve(
        ReserveCmd(
            client_id=uuid.uuid4(),
            actor="disp",
            site_code=world.depot,
            item_code=world.water,
            lot_no="L1",
            qty=3,
        ),
        uow,
        NOW,
    )
    with pytest.raises(PermissionDenied):
        rsv.resolve_reservation(
            ResolveReservationCmd(reservation_id=held.id, actor="disp2", action="release", occurred_at=NOW),
            uow,
            NOW,
        )
    rsv.resolve_reservation(
        ResolveReservationCmd(reservation_id=held.id, actor="disp", action="release", occurred_at=NOW),
        uow,
        NOW,
    )


def test_every_write_adds_an_audit_row_with_before_and_after(uow, world, engine):
    """Who, what, when, target, before/after quantities, client id."""
    cmd = receipt(world.depot, qty=10)
    stock.record_receipt(cmd, uow, NOW)
    stock.issue_stock(
        IssueCmd(
            client_id=uuid.uuid4(),
            actor="k",
            occurred_at=NOW,
            site_code=world.depot,
            item_code=world.water,
            qty=3,
        ),
        uow,
        NOW,
    )
    rows = audits(engine, "ok")
    assert [(r.action, r.before_qty, r.after_qty) for r in rows] == [("receive", 0, 10), ("issue", 10, 7)]
    assert rows[0].client_id == str(cmd.client_id) and rows[0].actor.upper() == "K"


def test_update_or_delete_on_audit_event_fails(uow, world, engine):
    """Under the append-only trigger: audit rows can be neither changed nor deleted, on both backends."""
    with pytest.raises(PermissionDenied):
        stock.record_receipt(receipt(world.point, actor="keeper1"), uow, NOW)
    for sql in ("UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError), engine.begin() as c:
            c.execute(text(sql))
    assert len(audits(engine)) == 1


def test_last_admin_cannot_be_demoted_or_disabled(uow, world):
    """Users, roles — the last active admin is kept."""
    users.set_active(uow, "admin", "admin2", False, NOW)
    with pytest.raises(users.LastAdmin):
        users.set_role(uow, "admin", "admin", "planner", NOW)
    with pytest.raises(users.LastAdmin):
        users.set_active(uow, "admin", "admin", False, NOW)


def test_only_admin_manages_users(uow, world, engine):
    """manage_users is admin-only; a keeper's attempt is refused and audited."""
    with pytest.raises(PermissionDenied):
        users.set_sites(uow, "keeper1", "keeper1", (world.depot, world.point), NOW)
    assert len(audits(engine, "authz_denied")) == 1
    assert [u.username for u in users.list_users(uow, "admin", NOW)][:2] == ["admin", "admin2"]


@pytest.mark.parametrize(
    ("name", "role", "sites", "reason"),
    [
        ("a b", "planner", (), "username_invalid"),  # a space: was accepted
        ("x" * 10_000, "planner", (), "username_invalid"),
        ("adm\u202enim", "planner", (), "username_invalid"),  # a right-to-left override reads as another name
        ("carol", "keeper", (), "keeper_needs_depots"),  # a keeper without a depot could do nothing
    ],
    ids=["space", "long", "rtl_override", "keeper_without_depot"],
)
def test_add_user_applies_the_county_workbooks_rules(uow, world, name, role, sites, reason):
    """`relief user add` (and the admin page) check a name and a keeper's depots as the county workbook does."""
    from stockpile.domain.errors import InvalidCommand

    with pytest.raises(InvalidCommand) as e:
        users.add_user(uow, HASHER, "admin", name, role, "correct horse 1", sites, now=NOW)
    assert e.value.params["reason"] == reason
