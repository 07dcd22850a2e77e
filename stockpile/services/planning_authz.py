"""Deny-by-default gate for the reserve-planning writes, whose own unit of work has no user tables: the facade
calls `authorize` with the ledger's unit of work before the planning use case runs (I14)."""

from __future__ import annotations

from stockpile.services import authz
from stockpile.unit_of_work import AbstractUnitOfWork


def authorize(uow: AbstractUnitOfWork, actor: str, action: str, target: str = "") -> None:
    """Re-read the actor's role and active flag; PermissionDenied (audited as authz_denied) unless POLICY allows."""

    def run() -> None:
        with uow:
            authz.require(uow, actor, action, None, None, target)

    authz.guarded(uow, run)
