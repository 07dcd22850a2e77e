"""Ledger checks as data: rebuild balances from movements and compare with the maintained table (no running
balance below 0, stored balances equal the movements, 0 ≤ reserved ≤ on hand)."""

from __future__ import annotations

from stockpile.domain.ledger import LedgerError, verify_balances, verify_running_balances
from stockpile.ports.uow import AbstractUnitOfWork


def verify_ledger(uow: AbstractUnitOfWork) -> list[LedgerError]:
    """Every error found: stored balance ≠ Σ movements, reserved out of range or ≠ Σ pending holds,
    a negative running balance anywhere in history."""
    with uow:
        repo = uow.ledger
        errors = verify_balances(repo.movement_sums(), repo.stored_balances(), repo.pending_sums())
        errors += verify_running_balances(repo.histories())
        return errors
