"""Repository ports: what the use cases read and write through the unit of work, described as Protocols.

The SQL repositories in `stockpile.adapters` satisfy them structurally, and so do the in-memory fakes the service
tests use. Every read returns domain values (frozen dataclasses), never database rows: a use case that wants to
change stored state calls a write method here, it never mutates what it read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from stockpile.domain.dispatch import ItemSpec, Norm, Scenario, SiteSpec, StockSource, VehicleSpec
from stockpile.domain.model import (
    AgreementLine,
    Balance,
    CapacityReserve,
    Item,
    Lot,
    Movement,
    Reservation,
    Site,
    StockCount,
    Transfer,
    TransferLine,
)

# ---- values the repositories hand out besides the domain model ------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostingRecord:
    """A stored posting as the replay check reads it: the payload and its digest, and the seqs of its legs."""

    id: uuid.UUID
    kind: str
    digest: str
    payload: dict[str, object]
    actor: str
    recorded_at: datetime
    movement_seqs: tuple[int, ...]
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewPosting:
    """A posting header to append; its legs are appended as `Movement`s with the same posting id."""

    id: uuid.UUID
    kind: str
    digest: str
    payload_json: str
    actor: str
    recorded_at: datetime
    occurred_at: datetime
    legs: int
    doc_no: str = ""
    event_tag: str = ""
    remark: str = ""


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    password_hash: str
    failed_logins: int
    locked_until: datetime | None
    site_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class LoginSessionRecord:
    id: uuid.UUID
    token_sha256: str
    user_id: int
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class ProposalRecord:
    """A write-off proposal; `payload` is the proposed command as JSON."""

    id: uuid.UUID
    site_id: int
    payload: str
    proposer: str
    proposed_at: datetime
    state: str
    decided_by: str | None = None
    decided_at: datetime | None = None
    posting_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: int
    at: datetime
    actor: str
    action: str
    outcome: str
    target: str
    site_id: int | None
    client_id: str | None
    before_qty: int | None
    after_qty: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class IdentityLink:
    username: str
    issuer: str
    subject: str
    email: str
    created_at: datetime


# ---- the ledger -------------------------------------------------------------------------------------------------

BalanceKey = tuple[int, int]  # (site, lot)


class LedgerRepository(Protocol):
    """Master-data look-ups, lots, balances, postings, transfers, counts, reservations and settings."""

    def item_by_code(self, code: str) -> Item | None: ...
    def site_by_code(self, code: str) -> Site | None: ...
    def site_by_id(self, site_id: int) -> Site: ...
    def transit_site_id(self) -> int: ...

    def lot(self, item_id: int, lot_no: str) -> Lot | None: ...
    def lots_for_items(self, item_ids: Iterable[int]) -> dict[tuple[int, str], Lot]: ...
    def add_lots(self, lots: list[Lot]) -> dict[tuple[int, str], Lot]: ...
    def lot_by_id(self, lot_id: int) -> Lot: ...
    def add_lot(self, lot: Lot) -> Lot: ...

    def lock_balances(self, keys: Iterable[tuple[int, int, int]]) -> dict[BalanceKey, Balance]:
        """Create missing balances of the (site, item, lot) keys and lock them all in (site, lot) order."""
        ...

    def lock_item_balances(self, site_id: int, item_id: int) -> list[tuple[Balance, Lot]]:
        """Every balance of an item at a site with its lot, locked (the FEFO candidates)."""
        ...

    def set_balances(self, values: list[tuple[int, int, int, int, datetime | None]]) -> None:
        """Write (site, lot, on_hand, reserved, last_occurred_at) to balances locked before."""
        ...

    def balance_as_of(self, site_id: int, lot_id: int, at: datetime) -> int: ...
    def qtys_after_with_time(self, site_id: int, lot_id: int, at: datetime) -> list[tuple[datetime, int]]: ...

    def posting(self, posting_id: uuid.UUID) -> PostingRecord | None: ...
    def add_postings(self, postings: Sequence[NewPosting]) -> None: ...
    def add_movements(self, moves: Sequence[Movement]) -> list[int]:
        """Append the legs (their `seq` is ignored) and return the seqs given to them, in input order."""
        ...

    def movements_of(self, posting_id: uuid.UUID) -> list[Movement]: ...
    def reversed_seqs(self, seqs: Sequence[int]) -> set[int]: ...

    def add_transfer(
        self,
        transfer_id: uuid.UUID,
        from_id: int,
        to_id: int,
        at: datetime,
        lines: list[tuple[int, int, int]],
    ) -> None: ...
    def transfer(
        self, transfer_id: uuid.UUID, lock: bool = False
    ) -> tuple[Transfer, list[TransferLine]] | None: ...
    def resolve_transfer(
        self, transfer_id: uuid.UUID, new_state: str, at: datetime, posting_id: uuid.UUID | None
    ) -> bool: ...

    def later_count_exists(self, site_id: int, lot_id: int, at: datetime) -> bool: ...
    def add_count(self, count: StockCount) -> None: ...

    def reservation(self, rid: uuid.UUID) -> Reservation | None: ...
    def add_reservation(self, res: Reservation, actor: str, created_at: datetime) -> None: ...
    def resolve_reservation(
        self, rid: uuid.UUID, state: str, at: datetime, posting_id: uuid.UUID | None
    ) -> bool: ...
    def pending_reservations_due(self, now: datetime) -> list[uuid.UUID]: ...

    def freeze_date(self) -> date | None: ...
    def backdate_days(self) -> int: ...
    def database_kind(self) -> str | None: ...
    def set_setting(self, key: str, value: str) -> None: ...

    def movement_sums(self) -> dict[BalanceKey, int]: ...
    def stored_balances(self) -> dict[BalanceKey, tuple[int, int]]: ...
    def pending_sums(self) -> dict[BalanceKey, int]: ...
    def histories(self) -> dict[BalanceKey, list[int]]: ...


# ---- master data --------------------------------------------------------------------------------------------------


class MasterRepository(Protocol):
    """Writes of master data (imports, the demo builder) and the code → id look-ups they need.

    The column values are passed as keyword arguments named like the stored fields.
    """

    def add_admin_area(self, **v: Any) -> None: ...
    def add_site(self, **v: Any) -> int: ...
    def add_shelter(self, **v: Any) -> None: ...
    def add_item(self, packs: Iterable[tuple[str, int]] = (), **v: Any) -> int: ...
    def add_agreement(
        self,
        code: str,
        holder_site_id: int,
        valid_from: date,
        valid_to: date,
        lead_time_minutes: int,
        lines: Iterable[Mapping[str, Any]],
        contact: str = "",
        subsidy_fen: int = 0,
    ) -> int: ...
    def add_capacity(self, **v: Any) -> None: ...
    def item_ids(self) -> dict[str, int]: ...
    def site_ids(self) -> dict[str, int]: ...
    def area_codes(self) -> set[str]: ...
    def agreement_lines(self) -> list[AgreementLine]: ...
    def capacity_reserves(self) -> list[CapacityReserve]: ...


# ---- users, sessions, proposals, audit ----------------------------------------------------------------------------


class AuthRepository(Protocol):
    def user(self, username: str) -> UserRecord | None: ...
    def user_by_id(self, user_id: int) -> UserRecord | None: ...
    def users(self) -> list[UserRecord]: ...
    def add_user(
        self, username: str, role: str, password_hash: str, display_name: str, now: datetime
    ) -> int: ...
    def update_user(self, user_id: int, **values: Any) -> None: ...
    def count_active_admins(self) -> int: ...
    def set_sites(self, user_id: int, site_ids: frozenset[int]) -> None: ...

    def add_session(
        self, sid: uuid.UUID, token_sha256: str, user_id: int, now: datetime, until: datetime
    ) -> None: ...
    def session_by_token(self, token_sha256: str) -> LoginSessionRecord | None: ...
    def revoke_sessions(
        self, now: datetime, user_id: int | None = None, token_sha256: str | None = None
    ) -> int: ...

    def add_proposal(
        self, pid: uuid.UUID, site_id: int, payload: dict[str, Any], proposer: str, now: datetime
    ) -> None: ...
    def proposal(self, pid: uuid.UUID) -> ProposalRecord | None: ...
    def pending_proposals(self) -> list[ProposalRecord]: ...
    def decide_proposal(
        self, pid: uuid.UUID, state: str, by: str, now: datetime, posting_id: uuid.UUID | None
    ) -> bool: ...

    def reservation_owner(self, rid: uuid.UUID) -> str | None: ...
    def site_codes(self, site_ids: frozenset[int] | None = None) -> dict[int, str]: ...

    def add_audit(self, **values: Any) -> None:
        """Append one audit event; the keywords are its fields (a dict or list `detail` is stored as JSON)."""
        ...

    def audit_events(self, outcome: str | None = None, actor: str | None = None) -> list[AuditEvent]: ...


class IdentityRepository(Protocol):
    """External (OIDC) identities linked to local users."""

    def username_for(self, issuer: str, subject: str) -> str | None: ...
    def link(self, user_id: int, issuer: str, subject: str, email: str, now: datetime) -> None: ...
    def unlink(self, issuer: str, subject: str) -> bool: ...
    def links(self) -> list[IdentityLink]: ...


# ---- dispatch -------------------------------------------------------------------------------------------------------


class DispatchRepository(Protocol):
    """Scenarios, the fleet, stock sources and confirmed plans with their orders and call-offs."""

    def scenario_codes(self) -> list[str]: ...
    def scenario(self, code: str) -> Scenario | None: ...
    def shift_scenario(self, scenario_id: int, delta: timedelta) -> None: ...
    def entered_demand(self, scenario_id: int) -> dict[tuple[str, str], int]: ...
    def set_demand(self, scenario_id: int, demand: Mapping[tuple[str, str], int]) -> None: ...
    def norms(self) -> list[Norm]: ...
    def fleet(self) -> list[VehicleSpec]: ...
    def contracted_transport(self, on: date) -> list[VehicleSpec]: ...
    def items(self) -> dict[str, ItemSpec]: ...
    def sites(self) -> dict[str, SiteSpec]: ...
    def site_id(self, code: str) -> int: ...
    def item_id(self, code: str) -> int: ...
    def stock_sources(self, on: date, items: Iterable[str]) -> list[StockSource]: ...
    def plan_exists(self, plan_id: uuid.UUID) -> bool: ...
    def add_plan(
        self,
        plan_id: uuid.UUID,
        scenario_id: int,
        at: datetime,
        actor: str,
        objective: int,
        summary: Mapping[str, Any],
    ) -> None: ...
    def add_order(
        self, doc_no: str, plan_id: uuid.UUID, vehicle: str, lines: list[dict[str, Any]]
    ) -> None: ...
    def add_call_off(
        self,
        cid: uuid.UUID,
        plan_id: uuid.UUID,
        holder_site_id: int,
        item_id: int,
        qty: int,
        ready_at: datetime,
    ) -> None: ...
    def orders(self, plan_id: uuid.UUID) -> list[dict[str, Any]]: ...
    def order_lines(self, doc_no: str) -> list[dict[str, Any]]: ...
    def order_state(self, doc_no: str) -> str | None: ...
    def mark_order_shipped(self, doc_no: str, at: datetime) -> None: ...
    def reservation_ids(self, plan_ref: str) -> list[uuid.UUID]: ...
    def call_offs(self, plan_id: uuid.UUID) -> list[dict[str, Any]]: ...


CountyRecords = dict[tuple[Any, ...], dict[str, Any]]  # one workbook sheet: record key → column values


class CountyRepository(Protocol):
    """The county's own data as the onboarding workbook sees it: one dict of records per sheet."""

    def county(self) -> dict[str, Any] | None: ...
    def county_codes(self) -> set[str]: ...
    def has_movements(self) -> bool: ...
    def snapshot(self) -> dict[str, CountyRecords]: ...
    def put(self, sheet: str, key: tuple[Any, ...], rec: Mapping[str, Any]) -> None: ...
    def remove(self, sheet: str, key: tuple[Any, ...]) -> str: ...
    def finish(self, code: str) -> None: ...
    def remove_stale_counties(self, keep: str) -> None: ...
