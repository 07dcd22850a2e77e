"""Authorisation: deny by default, one POLICY table (trust/policy.py, re-exported here), checked in the services
on every call.

Every use case names its actor (the username the app took from the server-side login). `require` re-reads that
user's role, active flag and depots from the database in the use case's own transaction, looks up
POLICY[(role, action)] and checks the scope rule against the depots the command touches. A refusal raises
`PermissionDenied` and `guarded` writes an `authz_denied` audit row in a transaction of its own, so the denial is
kept although the use case rolls back. Every write adds an `ok` audit row in the use case's transaction.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from stockpile import clock
from stockpile.domain.errors import PermissionDenied
from stockpile.domain.model import Actor
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust.policy import ACTIONS as ACTIONS
from stockpile.trust.policy import NOT_USER_ACTIONS as NOT_USER_ACTIONS
from stockpile.trust.policy import POLICY as POLICY
from stockpile.trust.policy import ROLES as ROLES
from stockpile.trust.policy import USE_CASES as USE_CASES
from stockpile.trust.policy import Scope as Scope

T = TypeVar("T")
P = ParamSpec("P")


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


def records_denials(fn: Callable[P, T]) -> Callable[P, T]:
    """Decorator for a use case with a `uow` (and optional `now`) parameter: a PermissionDenied is recorded as
    `authz_denied` in its own transaction, then re-raised."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def use_case(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except PermissionDenied as e:
            bound = signature.bind_partial(*args, **kwargs).arguments
            record_denial(bound["uow"], e, bound.get("now"))
            raise

    return use_case


def guarded(uow: AbstractUnitOfWork, fn: Callable[[], T], now: datetime | None = None) -> T:
    """Run a use case; a PermissionDenied is recorded as `authz_denied` in its own transaction, then re-raised."""
    try:
        return fn()
    except PermissionDenied as e:
        record_denial(uow, e, now)
        raise


@records_denials
def check(
    uow: AbstractUnitOfWork, username: str, action: str, target: str = "", now: datetime | None = None
) -> None:
    """Authorise a not-depot-bound action without writing (a denial is audited as `authz_denied`)."""
    with uow:
        require(uow, username, action, None, None, target)


@records_denials
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
    with uow:
        require(uow, username, action, None, client_id, target)
        out = body()
        audit_ok(uow, username, action, at, target=target, client_id=client_id, detail=detail)
        uow.commit()
        return out


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


@records_denials
def visible_site_codes(uow: AbstractUnitOfWork, username: str) -> frozenset[str] | None:
    """The depots whose stock the user may see: a keeper's own, `None` (all) for the other roles."""
    with uow:
        actor = require_role(uow, username, "view_stock")
        if POLICY[(actor.role, "view_stock")] is Scope.ALL:
            return None
        return frozenset(uow.auth.site_codes(actor.site_ids).values()) if actor.site_ids else frozenset()
