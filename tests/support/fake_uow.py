"""An in-memory unit of work for service tests: fake repositories backed by dicts and lists.

The fakes implement the repository Protocols of `stockpile.ports.repos`, so the real use-case functions run on
them unchanged. Like a database transaction, everything a use case writes inside `with uow:` is dropped again
unless `commit()` is called: entering takes a snapshot of the stored state, `rollback()` restores it.
`commits` counts the commits, `committed` says whether the last unit of work committed.

Locking is not simulated (one thread): the fakes check the ledger rules, not races.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

from stockpile.domain.ledger import DEFAULT_BACKDATE_DAYS
from stockpile.domain.model import (
    AdminLevel,
    AgreementLine,
    Balance,
    CapacityReserve,
    Category,
    Item,
    LonLat,
    Lot,
    Movement,
    OwnerType,
    Reservation,
    ReservationState,
    Site,
    SiteType,
    StockCount,
    Transfer,
    TransferLine,
)
from stockpile.ports.repos import (
    AuditEvent,
    LoginSessionRecord,
    NewPosting,
    PostingRecord,
    ProposalRecord,
    UserRecord,
)
from stockpile.ports.uow import AbstractUnitOfWork

TRANSIT_CODE = "TRANSIT"


@dataclass
class LedgerState:
    """Everything the fake ledger stores; copied whole for the unit of work's snapshot."""

    items: dict[str, Item] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    lots: dict[int, Lot] = field(default_factory=dict)
    balances: dict[tuple[int, int], Balance] = field(default_factory=dict)
    postings: dict[uuid.UUID, NewPosting] = field(default_factory=dict)
    movements: list[Movement] = field(default_factory=list)
    transfers: dict[uuid.UUID, tuple[Transfer, list[TransferLine]]] = field(default_factory=dict)
    counts: list[StockCount] = field(default_factory=list)
    reservations: dict[uuid.UUID, tuple[Reservation, str, datetime]] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    next_id: int = 1


class FakeLedgerRepository:
    def __init__(self, state: LedgerState) -> None:
        self.state = state

    def _new_id(self) -> int:
        n = self.state.next_id
        self.state.next_id += 1
        return n

    # ---- master data -----------------------------------------------------------------------------------------
    def item_by_code(self, code: str) -> Item | None:
        return self.state.items.get(code)

    def site_by_code(self, code: str) -> Site | None:
        return self.state.sites.get(code)

    def site_by_id(self, site_id: int) -> Site:
        return next(s for s in self.state.sites.values() if s.id == site_id)

    def transit_site_id(self) -> int:
        if TRANSIT_CODE not in self.state.sites:
            self.state.sites[TRANSIT_CODE] = Site(
                self._new_id(),
                TRANSIT_CODE,
                "在途",
                AdminLevel.COUNTY,
                SiteType.TRANSIT,
                OwnerType.GOVERNMENT,
                "",
                LonLat(0.0, 0.0),
                0,
            )
        return self.state.sites[TRANSIT_CODE].id

    # ---- lots ------------------------------------------------------------------------------------------------
    def lot(self, item_id: int, lot_no: str) -> Lot | None:
        return next((x for x in self.state.lots.values() if (x.item_id, x.lot_no) == (item_id, lot_no)), None)

    def lots_for_items(self, item_ids: Iterable[int]) -> dict[tuple[int, str], Lot]:
        ids = set(item_ids)
        return {(x.item_id, x.lot_no): x for x in self.state.lots.values() if x.item_id in ids}

    def add_lots(self, lots: list[Lot]) -> dict[tuple[int, str], Lot]:
        added = [self.add_lot(x) for x in lots]
        return {(x.item_id, x.lot_no): x for x in added}

    def lot_by_id(self, lot_id: int) -> Lot:
        return self.state.lots[lot_id]

    def add_lot(self, lot: Lot) -> Lot:
        if self.lot(lot.item_id, lot.lot_no) is not None:
            raise ValueError(f"lot {lot.lot_no} of item {lot.item_id} exists")  # the unique key of the table
        stored = dataclasses.replace(lot, id=self._new_id())
        self.state.lots[stored.id] = stored
        return stored

    # ---- balances --------------------------------------------------------------------------------------------
    def lock_balances(self, keys: Iterable[tuple[int, int, int]]) -> dict[tuple[int, int], Balance]:
        out: dict[tuple[int, int], Balance] = {}
        for s, i, lot in sorted(set(keys)):
            b = self.state.balances.setdefault((s, lot), Balance(s, i, lot, 0, 0))
            out[(s, lot)] = b
        return out

    def lock_item_balances(self, site_id: int, item_id: int) -> list[tuple[Balance, Lot]]:
        return [
            (b, self.state.lots[lot])
            for (s, lot), b in sorted(self.state.balances.items())
            if s == site_id and b.item_id == item_id
        ]

    def set_balances(self, values: list[tuple[int, int, int, int, datetime | None]]) -> None:
        for s, lot, on_hand, reserved, last in values:
            old = self.state.balances[(s, lot)]  # only balances locked before are written
            self.state.balances[(s, lot)] = dataclasses.replace(
                old, on_hand=on_hand, reserved=reserved, last_occurred_at=last
            )

    def balance_as_of(self, site_id: int, lot_id: int, at: datetime) -> int:
        return sum(
            m.qty
            for m in self.state.movements
            if (m.site_id, m.lot_id) == (site_id, lot_id) and m.occurred_at <= at
        )

    def qtys_after_with_time(self, site_id: int, lot_id: int, at: datetime) -> list[tuple[datetime, int]]:
        later = [
            m
            for m in self.state.movements
            if (m.site_id, m.lot_id) == (site_id, lot_id) and m.occurred_at > at
        ]
        return [(m.occurred_at, m.qty) for m in sorted(later, key=lambda m: (m.occurred_at, m.seq))]

    # ---- postings and movements ------------------------------------------------------------------------------
    def posting(self, posting_id: uuid.UUID) -> PostingRecord | None:
        p = self.state.postings.get(posting_id)
        if p is None:
            return None
        seqs = tuple(m.seq for m in self.state.movements if m.posting_id == posting_id)
        return PostingRecord(
            p.id, p.kind, p.digest, json.loads(p.payload_json), p.actor, p.recorded_at, seqs, p.occurred_at
        )

    def add_postings(self, postings: Sequence[NewPosting]) -> None:
        for p in postings:
            if p.id in self.state.postings:
                raise ValueError(f"posting {p.id} exists")  # the primary key of the table
            self.state.postings[p.id] = p

    def add_movements(self, moves: Sequence[Movement]) -> list[int]:
        top = max((m.seq for m in self.state.movements), default=0)
        seqs = list(range(top + 1, top + 1 + len(moves)))
        self.state.movements += [dataclasses.replace(m, seq=s) for m, s in zip(moves, seqs, strict=True)]
        return seqs

    def movements_of(self, posting_id: uuid.UUID) -> list[Movement]:
        return [m for m in self.state.movements if m.posting_id == posting_id]

    def reversed_seqs(self, seqs: Sequence[int]) -> set[int]:
        wanted = set(seqs)
        return {m.reverses_seq for m in self.state.movements if m.reverses_seq in wanted and m.reverses_seq}

    # ---- transfers -------------------------------------------------------------------------------------------
    def add_transfer(
        self,
        transfer_id: uuid.UUID,
        from_id: int,
        to_id: int,
        at: datetime,
        lines: list[tuple[int, int, int]],
    ) -> None:
        self.state.transfers[transfer_id] = (
            Transfer(transfer_id, from_id, to_id, "in_transit", at),
            [TransferLine(lot, item, q) for lot, item, q in lines],
        )

    def transfer(
        self, transfer_id: uuid.UUID, lock: bool = False
    ) -> tuple[Transfer, list[TransferLine]] | None:
        found = self.state.transfers.get(transfer_id)
        return None if found is None else (found[0], list(found[1]))

    def resolve_transfer(
        self, transfer_id: uuid.UUID, new_state: str, at: datetime, posting_id: uuid.UUID | None
    ) -> bool:
        t, lines = self.state.transfers[transfer_id]
        if t.state != "in_transit":
            return False
        self.state.transfers[transfer_id] = (dataclasses.replace(t, state=new_state), lines)
        return True

    # ---- counts ----------------------------------------------------------------------------------------------
    def later_count_exists(self, site_id: int, lot_id: int, at: datetime) -> bool:
        return any(
            (c.site_id, c.lot_id) == (site_id, lot_id) and c.occurred_at > at for c in self.state.counts
        )

    def add_count(self, count: StockCount) -> None:
        self.state.counts.append(count)

    # ---- reservations ----------------------------------------------------------------------------------------
    def reservation(self, rid: uuid.UUID) -> Reservation | None:
        found = self.state.reservations.get(rid)
        return None if found is None else found[0]

    def add_reservation(self, res: Reservation, actor: str, created_at: datetime) -> None:
        if res.id in self.state.reservations:
            raise ValueError(f"reservation {res.id} exists")
        self.state.reservations[res.id] = (res, actor, created_at)

    def resolve_reservation(
        self, rid: uuid.UUID, state: str, at: datetime, posting_id: uuid.UUID | None
    ) -> bool:
        res, actor, created = self.state.reservations[rid]
        if res.state is not ReservationState.PENDING:
            return False
        self.state.reservations[rid] = (
            dataclasses.replace(res, state=ReservationState(state)),
            actor,
            created,
        )
        return True

    def pending_reservations_due(self, now: datetime) -> list[uuid.UUID]:
        return [
            r.id
            for r, _, _ in self.state.reservations.values()
            if r.state is ReservationState.PENDING and r.expires_at is not None and r.expires_at <= now
        ]

    # ---- settings --------------------------------------------------------------------------------------------
    def freeze_date(self) -> date | None:
        v = self.state.settings.get("freeze_date")
        return date.fromisoformat(v) if v else None

    def backdate_days(self) -> int:
        v = self.state.settings.get("backdate_days")
        return int(v) if v else DEFAULT_BACKDATE_DAYS

    def database_kind(self) -> str | None:
        return self.state.settings.get("database_kind")

    def set_setting(self, key: str, value: str) -> None:
        self.state.settings[key] = value

    # ---- checks ----------------------------------------------------------------------------------------------
    def movement_sums(self) -> dict[tuple[int, int], int]:
        out: dict[tuple[int, int], int] = {}
        for m in self.state.movements:
            out[(m.site_id, m.lot_id)] = out.get((m.site_id, m.lot_id), 0) + m.qty
        return out

    def stored_balances(self) -> dict[tuple[int, int], tuple[int, int]]:
        return {k: (b.on_hand, b.reserved) for k, b in self.state.balances.items() if b.on_hand or b.reserved}

    def pending_sums(self) -> dict[tuple[int, int], int]:
        out: dict[tuple[int, int], int] = {}
        for r, _, _ in self.state.reservations.values():
            if r.state is ReservationState.PENDING:
                out[(r.site_id, r.lot_id)] = out.get((r.site_id, r.lot_id), 0) + r.qty
        return out

    def histories(self) -> dict[tuple[int, int], list[int]]:
        out: dict[tuple[int, int], list[int]] = {}
        for m in sorted(self.state.movements, key=lambda m: (m.site_id, m.lot_id, m.occurred_at, m.seq)):
            out.setdefault((m.site_id, m.lot_id), []).append(m.qty)
        return out


@dataclass
class MasterState:
    item_ids: dict[str, int] = field(default_factory=dict)
    site_ids: dict[str, int] = field(default_factory=dict)
    area_codes: set[str] = field(default_factory=set)
    agreement_lines: list[AgreementLine] = field(default_factory=list)
    capacity: list[CapacityReserve] = field(default_factory=list)
    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (kind, values) of every write
    next_id: int = 1


class FakeMasterRepository:
    """Records master-data writes; the code → id look-ups answer from what was added."""

    def __init__(self, state: MasterState) -> None:
        self.state = state

    def _add(self, kind: str, values: dict[str, Any]) -> int:
        self.state.rows.append((kind, values))
        n = self.state.next_id
        self.state.next_id += 1
        return n

    def add_admin_area(self, **v: Any) -> None:
        self._add("admin_area", v)
        self.state.area_codes.add(str(v["code"]))

    def add_site(self, **v: Any) -> int:
        n = self._add("site", v)
        self.state.site_ids[str(v["code"])] = n
        return n

    def add_shelter(self, **v: Any) -> None:
        self._add("shelter", v)

    def add_item(self, packs: Iterable[tuple[str, int]] = (), **v: Any) -> int:
        n = self._add("item", {**v, "packs": list(packs)})
        self.state.item_ids[str(v["code"])] = n
        return n

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
    ) -> int:
        values = {"code": code, "holder_site_id": holder_site_id, "lines": [dict(x) for x in lines]}
        return self._add("agreement", values)

    def add_capacity(self, **v: Any) -> None:
        self._add("capacity", v)

    def item_ids(self) -> dict[str, int]:
        return dict(self.state.item_ids)

    def site_ids(self) -> dict[str, int]:
        return dict(self.state.site_ids)

    def area_codes(self) -> set[str]:
        return set(self.state.area_codes)

    def agreement_lines(self) -> list[AgreementLine]:
        return list(self.state.agreement_lines)

    def capacity_reserves(self) -> list[CapacityReserve]:
        return list(self.state.capacity)


@dataclass
class AuthState:
    users: dict[int, UserRecord] = field(default_factory=dict)
    sessions: dict[uuid.UUID, LoginSessionRecord] = field(default_factory=dict)
    proposals: dict[uuid.UUID, ProposalRecord] = field(default_factory=dict)
    audit: list[AuditEvent] = field(default_factory=list)
    site_codes: dict[int, str] = field(default_factory=dict)


class FakeAuthRepository:
    def __init__(self, state: AuthState, ledger: LedgerState) -> None:
        self.state = state
        self.ledger = ledger  # who made a reservation is stored with it

    def user(self, username: str) -> UserRecord | None:
        return next((u for u in self.state.users.values() if u.username.upper() == username.upper()), None)

    def user_by_id(self, user_id: int) -> UserRecord | None:
        return self.state.users.get(user_id)

    def users(self) -> list[UserRecord]:
        return sorted(self.state.users.values(), key=lambda u: u.username)

    def add_user(self, username: str, role: str, password_hash: str, display_name: str, now: datetime) -> int:
        uid = max(self.state.users, default=0) + 1
        self.state.users[uid] = UserRecord(
            uid, username, display_name, role, True, password_hash, 0, None, frozenset()
        )
        return uid

    def update_user(self, user_id: int, **values: Any) -> None:
        self.state.users[user_id] = dataclasses.replace(self.state.users[user_id], **values)

    def count_active_admins(self) -> int:
        return sum(1 for u in self.state.users.values() if u.role == "admin" and u.active)

    def set_sites(self, user_id: int, site_ids: frozenset[int]) -> None:
        self.state.users[user_id] = dataclasses.replace(self.state.users[user_id], site_ids=site_ids)

    def add_session(
        self, sid: uuid.UUID, token_sha256: str, user_id: int, now: datetime, until: datetime
    ) -> None:
        self.state.sessions[sid] = LoginSessionRecord(sid, token_sha256, user_id, now, until, None)

    def session_by_token(self, token_sha256: str) -> LoginSessionRecord | None:
        return next((s for s in self.state.sessions.values() if s.token_sha256 == token_sha256), None)

    def revoke_sessions(
        self, now: datetime, user_id: int | None = None, token_sha256: str | None = None
    ) -> int:
        n = 0
        for sid, s in list(self.state.sessions.items()):
            if s.revoked_at is not None:
                continue
            if (user_id is None or s.user_id == user_id) and (
                token_sha256 is None or s.token_sha256 == token_sha256
            ):
                self.state.sessions[sid] = dataclasses.replace(s, revoked_at=now)
                n += 1
        return n

    def add_proposal(
        self, pid: uuid.UUID, site_id: int, payload: dict[str, Any], proposer: str, now: datetime
    ) -> None:
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        self.state.proposals[pid] = ProposalRecord(pid, site_id, text, proposer, now, "pending")

    def proposal(self, pid: uuid.UUID) -> ProposalRecord | None:
        return self.state.proposals.get(pid)

    def pending_proposals(self) -> list[ProposalRecord]:
        pending = [p for p in self.state.proposals.values() if p.state == "pending"]
        return sorted(pending, key=lambda p: p.proposed_at)

    def decide_proposal(
        self, pid: uuid.UUID, state: str, by: str, now: datetime, posting_id: uuid.UUID | None
    ) -> bool:
        p = self.state.proposals.get(pid)
        if p is None or p.state != "pending":
            return False
        self.state.proposals[pid] = dataclasses.replace(
            p, state=state, decided_by=by, decided_at=now, posting_id=posting_id
        )
        return True

    def reservation_owner(self, rid: uuid.UUID) -> str | None:
        found = self.ledger.reservations.get(rid)
        return None if found is None else found[1]

    def site_codes(self, site_ids: frozenset[int] | None = None) -> dict[int, str]:
        return {i: c for i, c in self.state.site_codes.items() if site_ids is None or i in site_ids}

    def add_audit(self, **values: Any) -> None:
        detail = values.get("detail", "")
        if isinstance(detail, (dict, list)):
            detail = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
        self.state.audit.append(
            AuditEvent(
                id=len(self.state.audit) + 1,
                at=values["at"],
                actor=values["actor"],
                action=values["action"],
                outcome=values["outcome"],
                target=values.get("target", ""),
                site_id=values.get("site_id"),
                client_id=values.get("client_id"),
                before_qty=values.get("before_qty"),
                after_qty=values.get("after_qty"),
                detail=str(detail),
            )
        )

    def audit_events(self, outcome: str | None = None, actor: str | None = None) -> list[AuditEvent]:
        return [
            e
            for e in self.state.audit
            if (outcome is None or e.outcome == outcome) and (actor is None or e.actor == actor)
        ]


class FakeUnitOfWork(AbstractUnitOfWork):
    """In-memory unit of work: writes inside `with uow:` survive only through `commit()`."""

    def __init__(self) -> None:
        self.ledger_state = LedgerState()
        self.master_state = MasterState()
        self.auth_state = AuthState()
        self._bind()
        self._snapshot: tuple[LedgerState, MasterState, AuthState] | None = None
        self.commits = 0
        self.committed = False

    def _bind(self) -> None:
        self.ledger = FakeLedgerRepository(self.ledger_state)
        self.master = FakeMasterRepository(self.master_state)
        self.auth = FakeAuthRepository(self.auth_state, self.ledger_state)

    def __enter__(self) -> Self:
        self._snapshot = copy.deepcopy((self.ledger_state, self.master_state, self.auth_state))
        self.committed = False
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        super().__exit__(exc_type, exc, tb)
        self._snapshot = None

    def commit(self) -> None:
        self._snapshot = copy.deepcopy((self.ledger_state, self.master_state, self.auth_state))
        self.commits += 1
        self.committed = True

    def rollback(self) -> None:
        if self._snapshot is not None:
            self.ledger_state, self.master_state, self.auth_state = copy.deepcopy(self._snapshot)
            self._bind()

    # ---- seeding (outside any unit of work: stored as if committed long ago) ----------------------------------
    def _new_id(self) -> int:
        n = self.ledger_state.next_id
        self.ledger_state.next_id += 1
        return n

    def add_site(self, code: str, name: str = "") -> Site:
        site = Site(
            self._new_id(),
            code,
            name or code,
            AdminLevel.COUNTY,
            SiteType.DEPOT,
            OwnerType.GOVERNMENT,
            "",
            LonLat(115.0, 28.0),
            30,
        )
        self.ledger_state.sites[code] = site
        self.auth_state.site_codes[site.id] = code
        return site

    def add_item(
        self, code: str, shelf_life_days: int | None = None, packs: tuple[tuple[str, int], ...] = ()
    ) -> Item:
        item = Item(
            self._new_id(),
            code,
            f"物资{code}",
            f"item {code}",
            "piece",
            Category.LIVING_RELIEF,
            1000,
            1000,
            shelf_life_days=shelf_life_days,
            packs=packs,
        )
        self.ledger_state.items[code] = item
        return item

    def add_user(self, username: str, role: str = "keeper", sites: Iterable[Site] = ()) -> UserRecord:
        uid = self.auth.add_user(username, role, "", username, datetime(2026, 1, 1))
        self.auth.set_sites(uid, frozenset(s.id for s in sites))
        user = self.auth.user_by_id(uid)
        assert user is not None
        return user
