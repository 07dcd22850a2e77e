"""Authorisation: deny by default, one POLICY table, checked in the services on every call.

Every use case names its actor (the username the app took from the server-side login). `require` re-reads that
user's role, active flag and depots from the database in the use case's own transaction, looks up
POLICY[(role, action)] and checks the scope rule against the depots the command touches. A refusal raises
`PermissionDenied` and `guarded` writes an `authz_denied` audit row in a transaction of its own, so the denial is
kept although the use case rolls back. Every write adds an `ok` audit row in the use case's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from stockpile import clock
from stockpile.domain.errors import PermissionDenied
from stockpile.domain.model import Actor
from stockpile.ports.uow import AbstractUnitOfWork

T = TypeVar("T")
ROLES = ("keeper", "dispatcher", "planner", "admin")


class Scope(StrEnum):
    """OWN: every depot the command touches is assigned to the user. ALL: any depot, or none."""

    OWN = "own"
    ALL = "all"


K, A = Scope.OWN, Scope.ALL
# role × action → scope rule. A (role, action) pair that is absent is denied.
POLICY: dict[tuple[str, str], Scope] = {
    # read side
    ("keeper", "view_stock"): K,
    ("dispatcher", "view_stock"): A,
    ("planner", "view_stock"): A,
    ("admin", "view_stock"): A,
    ("keeper", "export"): K,
    ("dispatcher", "export"): A,
    ("planner", "export"): A,
    ("admin", "export"): A,
    # keeper postings on own depots (admin acts only through an audited keeper grant)
    ("keeper", "receive"): K,
    ("keeper", "issue"): K,
    ("keeper", "count"): K,
    ("keeper", "adjust"): K,
    ("keeper", "import"): K,
    ("keeper", "transfer_out"): K,
    ("keeper", "transfer_in"): K,
    ("keeper", "reverse"): K,
    # admin: only on depots granted to them (audited `set_sites`), and may backdate there
    ("admin", "receive"): K,
    ("admin", "issue"): K,
    ("admin", "count"): K,
    ("admin", "import"): K,
    # 报废 four-eyes: keeper proposes, an admin other than the proposer approves
    ("keeper", "propose_write_off"): K,
    ("keeper", "view_write_offs"): K,
    ("admin", "view_write_offs"): A,
    ("admin", "approve_write_off"): A,
    # dispatch
    ("dispatcher", "reserve"): A,
    ("dispatcher", "resolve_reservation"): A,  # plus: only the plan owner (checked in the use case)
    ("dispatcher", "expire_reservations"): A,
    ("admin", "expire_reservations"): A,
    ("dispatcher", "confirm_dispatch"): A,
    (
        "dispatcher",
        "issue_reservation",
    ): A,  # a dispatcher only for holds of own plans (checked in the use case)
    ("keeper", "issue_reservation"): K,  # 装车发运: the depot's keeper issues the held stock
    ("dispatcher", "run_scenario"): A,
    ("planner", "run_scenario"): A,
    ("admin", "run_scenario"): A,
    # jobs (作业): long work run by a worker; a user reads and cancels own jobs, an admin everybody's
    ("dispatcher", "run_job"): A,
    ("planner", "run_job"): A,
    ("admin", "run_job"): A,
    ("dispatcher", "view_jobs"): A,
    ("planner", "view_jobs"): A,
    ("admin", "view_jobs"): A,
    ("dispatcher", "cancel_job"): A,
    ("planner", "cancel_job"): A,
    ("admin", "cancel_job"): A,
    # reserve planning (储备规划): agreements, call-offs, the annual review; master data
    ("planner", "verify_agreement"): A,
    ("admin", "verify_agreement"): A,
    ("dispatcher", "call_off_agreement"): A,
    ("admin", "call_off_agreement"): A,
    ("planner", "prepare_review"): A,
    ("admin", "prepare_review"): A,
    ("planner", "review_plan"): A,
    ("admin", "review_plan"): A,
    ("admin", "approve_review"): A,  # and approver ≠ preparer (a CHECK and the use case)
    # reserve standards, agreements, check intervals, contracted transport: planner and admin
    ("planner", "manage_reserve_plan"): A,
    ("admin", "manage_reserve_plan"): A,
    ("admin", "manage_master_data"): A,
    # administration
    ("admin", "manage_users"): A,
    ("admin", "view_audit"): A,
    ("admin", "set_freeze_date"): A,  # also the backdate window `backdate_days`
}
ACTIONS = tuple(sorted({a for _, a in POLICY}))

# Every public use case (a function of a use-case package taking a unit of work) → the action it checks.
USE_CASES: dict[str, str] = {
    "ledger.stock.record_receipt": "receive",
    "ledger.stock.issue_stock": "issue",
    "ledger.stock.suggest_fefo": "view_stock",
    "ledger.stock.ship_transfer": "transfer_out",
    "ledger.stock.receive_transfer": "transfer_in",
    "ledger.stock.record_count": "count",
    "ledger.stock.adjust_stock": "adjust",
    "ledger.stock.reverse_posting": "reverse",
    "ledger.write_offs.propose_write_off": "propose_write_off",
    "ledger.write_offs.approve_write_off": "approve_write_off",
    "ledger.write_offs.reject_write_off": "approve_write_off",
    "ledger.write_offs.pending_write_offs": "view_write_offs",
    "ledger.reservations.reserve": "reserve",
    "ledger.reservations.resolve_reservation": "resolve_reservation",
    "ledger.reservations.expire_due_reservations": "expire_reservations",
    "imports.ledger_files.import_movements": "import",
    "trust.authz.visible_site_codes": "view_stock",
    # scoped reads: one depot → PermissionDenied unless the actor's; lists → the actor's depots
    **{
        f"trust.scoped_reads.{f}": "view_stock"
        for f in (
            "site_scope",
            "sites",
            "stock",
            "stock_by_item",
            "available",
            "balance",
            "bin_card",
            "ledger",
            "in_transit",
            "kpis",
            "map_layers",
            "expiry_dashboard",
        )
    },
    **{f"trust.scoped_reads.{f}": "export" for f in ("recent_postings", "count_sheet_pdf", "voucher_pdf")},
    "trust.users.add_user": "manage_users",
    "trust.users.set_role": "manage_users",
    "trust.users.set_active": "manage_users",
    "trust.users.set_sites": "manage_users",
    "trust.users.reset_password": "manage_users",
    "trust.users.list_users": "manage_users",
    "trust.users.audit_log": "view_audit",
    "trust.users.set_freeze_date": "set_freeze_date",
    "trust.users.set_backdate_days": "set_freeze_date",
    "dispatch.confirm.confirm_plan": "confirm_dispatch",
    "imports.masterdata.import_items": "manage_master_data",
    "imports.masterdata.import_sites": "manage_master_data",
    "planning.agreements.record_verification": "verify_agreement",
    "planning.agreements.call_off": "call_off_agreement",
    "planning.agreements.set_check_interval": "manage_reserve_plan",
    "planning.agreements.save_transport": "manage_reserve_plan",
    "planning.standards_import.import_standards": "manage_reserve_plan",
    "planning.standards_import.import_agreements": "manage_reserve_plan",
    "planning.review.prepare_review": "prepare_review",
    "planning.review.mark_reviewed": "review_plan",
    "planning.review.approve": "approve_review",
    "dispatch.scenario.save_demand": "run_scenario",
    "dispatch.scenario.rebase_scenario": "run_scenario",
    "jobs.jobs.submit_job": "run_job",
    "jobs.jobs.get_job": "view_jobs",
    "jobs.jobs.list_jobs": "view_jobs",
    "jobs.jobs.cancel_job": "cancel_job",
    "trust.oidc.link_identity": "manage_users",
    "trust.oidc.unlink_identity": "manage_users",
    "trust.oidc.list_identities": "manage_users",
}
# Functions that take a unit of work but are not user actions, with the reason.
_PLAN_READ = "read-only planning figures that every signed-in role may see"
NOT_USER_ACTIONS: dict[str, str] = {
    "dispatch.confirm.mark_shipped": "issues each hold through reservations.resolve_reservation (issue_reservation"
    " checked on the hold's depot)",
    "dispatch.confirm.order_sheet": "read of a confirmed order for printing",
    "dispatch.plan.plan_dispatch": "what-if in memory, writes nothing; confirm_plan is the checked step",
    "dispatch.scenario.load_world": "read model for planning",
    "jobs.jobs.run_job": "the worker's side of a job submit_job authorised; runs the submitter's own request",
    "dispatch.scenario.scenario_demand": "read model for planning",
    "planning.agreements.fleet_pool": _PLAN_READ,
    "planning.agreements.item_code_or_raise": "validation helper inside the gated planning writes",
    "planning.gap.load_data": _PLAN_READ,
    "planning.gap.gap_report": _PLAN_READ,
    "planning.gap.expiry_dashboard": _PLAN_READ,
    "planning.review.build_document": _PLAN_READ,
    "planning.review.current_review": _PLAN_READ,
    "planning.rotation.rotation_plan": _PLAN_READ,
    "ledger.posting.replay": "engine step inside an authorised use case",
    "ledger.posting.post_batch": "engine step inside an authorised use case",
    "ledger.checks.verify_ledger": "integrity check for tests and the operator's console; returns no stock figures",
    "trust.users.login": "before authentication: checks the password itself",
    "trust.users.open_session": "engine step of a login that has already authenticated the user",
    "trust.oidc.login_oidc": "before authentication: the identity provider proved (iss, sub); only a linked, active"
    " local user is admitted",
    "trust.users.logout": "ends the caller's own login (token holder)",
    "trust.users.session_user": "resolves the caller's own login token",
    "trust.users.change_password": "the user's own password; needs the current password",
    "trust.users.bootstrap_admin": "first-run CLI only: refuses when any user exists",
    **{
        f"trust.authz.{f}": "the policy machinery itself, called inside use cases"
        for f in (
            "load_actor",
            "require",
            "require_role",
            "guarded",
            "check",
            "write_as",
            "record_denial",
            "audit_ok",
            "on_hand_before",
            "audit_legs",
        )
    },
}


def allowed(actor: Actor, action: str, sites: frozenset[int] | None) -> bool:
    """POLICY[(role, action)] against the depots touched (`None` = all depots / not depot-bound)."""
    rule = POLICY.get((actor.role, action))
    if rule is Scope.ALL:
        return True
    if rule is Scope.OWN:
        return sites is not None and bool(sites) and sites <= actor.site_ids
    return False


def load_actor(uow: AbstractUnitOfWork, username: str) -> Actor | None:
    """Role, active flag and depots as stored now (never a cached login)."""
    rec = uow.auth.user(username)
    if rec is None or not rec.active:
        return None
    return Actor(rec.username, rec.role, rec.site_ids)


def require(
    uow: AbstractUnitOfWork,
    username: str,
    action: str,
    sites: Iterable[int] | None,
    client_id: Any = None,
    target: str = "",
) -> Actor:
    """The actor if POLICY allows `action` on `sites`, else PermissionDenied (the caller's `guarded` audits it)."""
    scope = None if sites is None else frozenset(sites)
    actor = load_actor(uow, username)
    if actor is None or not allowed(actor, action, scope):
        codes = uow.auth.site_codes(scope) if scope else {}
        raise PermissionDenied(
            actor=username,
            action=action,
            site=", ".join(sorted(codes.values())),
            reason="unknown_or_inactive" if actor is None else "policy",
            client_id=str(client_id) if client_id else None,
            target=target,
            **_who_may(actor, action),
        )
    return actor


def require_role(uow: AbstractUnitOfWork, username: str, action: str) -> Actor:
    """The actor if its role has any rule for `action` (the depot check follows per row or per target)."""
    actor = load_actor(uow, username)
    if actor is None or (actor.role, action) not in POLICY:
        raise PermissionDenied(
            actor=username,
            action=action,
            site="",
            reason="unknown_or_inactive" if actor is None else "policy",
            **_who_may(actor, action),
        )
    return actor


def _who_may(actor: Actor | None, action: str) -> dict[str, str]:
    """For the refusal message: the caller's role and the roles that may do the action (so a planner pressing
    批准 reads "只有管理员可以批准年度储备计划", not a bare "no permission")."""
    if actor is None:
        return {}
    roles = [r for r in ("keeper", "dispatcher", "planner", "admin") if (r, action) in POLICY]
    return {"role": actor.role, "allowed_roles": ",".join(roles)}


def deny(actor: Actor, action: str, reason: str, **params: Any) -> PermissionDenied:
    return PermissionDenied(actor=actor.username, action=action, reason=reason, site="", **params)


def guarded(uow: AbstractUnitOfWork, fn: Callable[[], T], now: datetime | None = None) -> T:
    """Run a use case; a PermissionDenied is recorded as `authz_denied` in its own transaction, then re-raised."""
    try:
        return fn()
    except PermissionDenied as e:
        record_denial(uow, e, now)
        raise


def check(
    uow: AbstractUnitOfWork, username: str, action: str, target: str = "", now: datetime | None = None
) -> None:
    """Authorise a not-depot-bound action without writing (a denial is audited as `authz_denied`)."""

    def run() -> None:
        with uow:
            require(uow, username, action, None, None, target)

    guarded(uow, run, now)


def write_as(
    uow: AbstractUnitOfWork,
    username: str,
    action: str,
    body: Callable[[], T],
    now: datetime | None = None,
    target: str = "",
    client_id: Any = None,
    detail: Any = "",
) -> T:
    """A write that is not depot-bound (planning, scenarios): POLICY first, then `body()` inside the transaction
    (it must not commit), one `ok` audit row (with `detail`, read after the body ran), commit. A denial is
    audited as `authz_denied`; nothing else is written."""
    at = now or clock.now()

    def run() -> T:
        with uow:
            require(uow, username, action, None, client_id, target)
            out = body()
            audit_ok(uow, username, action, at, target=target, client_id=client_id, detail=detail)
            uow.commit()
            return out

    return guarded(uow, run, now)


def record_denial(uow: AbstractUnitOfWork, e: PermissionDenied, now: datetime | None = None) -> None:
    p = e.params
    with uow:
        uow.auth.add_audit(
            at=now or clock.now(),
            actor=str(p.get("actor", ""))[:64],
            action=str(p.get("action", ""))[:48],
            outcome="authz_denied",
            target=str(p.get("target") or p.get("site") or "")[:200],
            client_id=p.get("client_id"),
            detail={"reason": p.get("reason", ""), "site": p.get("site", "")},
        )
        uow.commit()


def audit_ok(
    uow: AbstractUnitOfWork,
    actor: str,
    action: str,
    at: datetime,
    target: str = "",
    client_id: Any = None,
    site_id: int | None = None,
    before: int | None = None,
    after: int | None = None,
    detail: Any = "",
    outcome: str = "ok",
) -> None:
    """One audit row (default outcome `ok`) in the use case's transaction (no secrets: no passwords, tokens)."""
    uow.auth.add_audit(
        at=at,
        actor=actor,
        action=action,
        outcome=outcome,
        target=target[:200],
        client_id=str(client_id) if client_id else None,
        site_id=site_id,
        before_qty=before,
        after_qty=after,
        detail=detail,
    )


def on_hand_before(
    uow: AbstractUnitOfWork, keys: Iterable[tuple[int, int, int]]
) -> dict[tuple[int, int], int]:
    """On-hand per (site, lot) before a posting (keys: site, item, lot), for the audit's before/after."""
    return {k: r.on_hand for k, r in uow.ledger.lock_balances(keys).items()}


def audit_legs(
    uow: AbstractUnitOfWork,
    actor: str,
    action: str,
    at: datetime,
    legs: list[tuple[int, int, int, int]],
    before: dict[tuple[int, int], int],
    client_id: Any,
    target: str = "",
    backdated: bool = False,
) -> None:
    """Audit a posting: before/after on-hand summed over the touched keys, per key in `detail`; an admin's
    posting before the freeze date or beyond `backdate_days` is flagged `{"backdated": true, "legs": …}`."""
    delta: dict[tuple[int, int], int] = {}
    for site, _item, lot, qty in legs:
        delta[(site, lot)] = delta.get((site, lot), 0) + qty
    per_key = [
        {"site": s, "lot": lot, "before": before.get((s, lot), 0), "after": before.get((s, lot), 0) + d}
        for (s, lot), d in sorted(delta.items())
    ]
    sites = {k["site"] for k in per_key}
    audit_ok(
        uow,
        actor,
        action,
        at,
        target=target,
        client_id=client_id,
        site_id=next(iter(sites)) if len(sites) == 1 else None,
        before=sum(k["before"] for k in per_key) if per_key else None,
        after=sum(k["after"] for k in per_key) if per_key else None,
        detail={"backdated": True, "legs": per_key} if backdated else per_key,
    )


def visible_site_codes(uow: AbstractUnitOfWork, username: str) -> frozenset[str] | None:
    """The depots whose stock the user may see: a keeper's own, `None` (all) for the other roles."""

    def run() -> frozenset[str] | None:
        with uow:
            actor = require_role(uow, username, "view_stock")
            if POLICY[(actor.role, "view_stock")] is Scope.ALL:
                return None
            return frozenset(uow.auth.site_codes(actor.site_ids).values()) if actor.site_ids else frozenset()

    return guarded(uow, run)
