"""Users, depot assignments, server-side login sessions, write-off proposals and the append-only audit log.

`SqlAuthRepository` is what the unit of work exposes as `uow.auth`: every authorisation re-reads the user's role,
active flag and depots from these tables (never from a cached login).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    Uuid,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from stockpile.adapters.orm.ledger import Base, Code, IntPK, Stamp, UTCDateTime
from stockpile.ports.repos import AuditEvent, LoginSessionRecord, ProposalRecord, UserRecord

__all__ = ["SqlAuthRepository", "UserRecord", "user_name_of", "user_names"]


class UserRow(Base):
    __tablename__ = "app_user"
    id: Mapped[IntPK]
    username: Mapped[Code] = mapped_column(unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[Stamp]
    # made from the county workbook's 用户 sheet: `password_hash` holds the hash of a one-time setup code, which
    # only leads to choosing a password (first login), never to a session
    must_set_password: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        CheckConstraint(
            "role IN ('keeper', 'dispatcher', 'planner', 'admin', 'informant', 'province')", name="role_known"
        ),
    )


class UserSiteRow(Base):
    """保管员 scope: the depots a keeper may act on."""

    __tablename__ = "user_site"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)


class LoginSessionRow(Base):
    """A server-side login: the browser holds only the random token's id; logout or revoke ends it."""

    __tablename__ = "login_session"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[Stamp]
    expires_at: Mapped[Stamp]
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WriteOffProposalRow(Base):
    """报废 four-eyes: proposed by a keeper, approved (posted) or rejected by an admin other than the proposer."""

    __tablename__ = "write_off_proposal"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # the proposal form's client id
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    payload: Mapped[str] = mapped_column(Text)  # the WriteOffCmd as JSON
    proposer: Mapped[Code]
    proposed_at: Mapped[Stamp]
    state: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    posting_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class AuditEventRow(Base):
    """Who did what, when, to which target, before/after quantities, client id; denials too. Append-only."""

    __tablename__ = "audit_event"
    id: Mapped[IntPK]
    at: Mapped[Stamp]
    actor: Mapped[Code]
    action: Mapped[str] = mapped_column(String(48))
    outcome: Mapped[str] = mapped_column(String(16))  # ok | authz_denied | login_failed | ...
    target: Mapped[str] = mapped_column(String(200), default="")
    site_id: Mapped[int | None] = mapped_column(Integer)
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    before_qty: Mapped[int | None] = mapped_column(BigInteger)
    after_qty: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str] = mapped_column(Text, default="")


class SqlAuthRepository:
    """Users, sessions, proposals and audit rows inside the unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.s = session

    # ---- users --------------------------------------------------------------------------------------------
    def user(self, username: str) -> UserRecord | None:
        """Usernames match case-insensitively (command fields upper-case codes)."""
        row = self.s.scalar(select(UserRow).where(func.upper(UserRow.username) == username.upper()))
        return None if row is None else self._record(row)

    def user_by_id(self, user_id: int) -> UserRecord | None:
        row = self.s.get(UserRow, user_id, populate_existing=True)
        return None if row is None else self._record(row)

    def _record(self, row: UserRow) -> UserRecord:
        sites = self.s.scalars(select(UserSiteRow.site_id).where(UserSiteRow.user_id == row.id)).all()
        return UserRecord(
            row.id,
            row.username,
            row.display_name,
            row.role,
            row.active,
            row.password_hash,
            row.failed_logins,
            row.locked_until,
            frozenset(sites),
            row.must_set_password,
        )

    def users(self) -> list[UserRecord]:
        rows = self.s.scalars(select(UserRow).order_by(UserRow.username)).all()
        return [self._record(r) for r in rows]

    def add_user(self, username: str, role: str, password_hash: str, display_name: str, now: datetime) -> int:
        row = UserRow(
            username=username,
            role=role,
            password_hash=password_hash,
            display_name=display_name,
            active=True,
            failed_logins=0,
            created_at=now,
        )
        self.s.add(row)
        self.s.flush()
        return row.id

    def update_user(self, user_id: int, **values: Any) -> None:
        self.s.execute(update(UserRow).where(UserRow.id == user_id).values(**values))

    def count_active_admins(self) -> int:
        q = select(func.count()).select_from(UserRow).where(UserRow.role == "admin", UserRow.active.is_(True))
        return int(self.s.scalar(q) or 0)

    def set_sites(self, user_id: int, site_ids: frozenset[int]) -> None:
        have = set(self.s.scalars(select(UserSiteRow.site_id).where(UserSiteRow.user_id == user_id)).all())
        for sid in have - site_ids:
            self.s.delete(self.s.get_one(UserSiteRow, (user_id, sid)))
        for sid in sorted(site_ids - have):
            self.s.add(UserSiteRow(user_id=user_id, site_id=sid))
        self.s.flush()

    # ---- login sessions ------------------------------------------------------------------------------------
    def add_session(
        self, sid: uuid.UUID, token_sha256: str, user_id: int, now: datetime, until: datetime
    ) -> None:
        self.s.add(
            LoginSessionRow(
                id=sid, token_sha256=token_sha256, user_id=user_id, created_at=now, expires_at=until
            )
        )
        self.s.flush()

    def session_by_token(self, token_sha256: str) -> LoginSessionRecord | None:
        r = self.s.scalar(select(LoginSessionRow).where(LoginSessionRow.token_sha256 == token_sha256))
        if r is None:
            return None
        return LoginSessionRecord(r.id, r.token_sha256, r.user_id, r.created_at, r.expires_at, r.revoked_at)

    def revoke_sessions(
        self, now: datetime, user_id: int | None = None, token_sha256: str | None = None
    ) -> int:
        q = update(LoginSessionRow).where(LoginSessionRow.revoked_at.is_(None))
        if user_id is not None:
            q = q.where(LoginSessionRow.user_id == user_id)
        if token_sha256 is not None:
            q = q.where(LoginSessionRow.token_sha256 == token_sha256)
        return int(self.s.execute(q.values(revoked_at=now)).rowcount)  # type: ignore[attr-defined]

    # ---- write-off proposals -------------------------------------------------------------------------------
    def add_proposal(
        self, pid: uuid.UUID, site_id: int, payload: dict[str, Any], proposer: str, now: datetime
    ) -> None:
        self.s.add(
            WriteOffProposalRow(
                id=pid,
                site_id=site_id,
                payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
                proposer=proposer,
                proposed_at=now,
                state="pending",
            )
        )
        self.s.flush()

    @staticmethod
    def _proposal(r: WriteOffProposalRow) -> ProposalRecord:
        return ProposalRecord(
            r.id,
            r.site_id,
            r.payload,
            r.proposer,
            r.proposed_at,
            r.state,
            r.decided_by,
            r.decided_at,
            r.posting_id,
        )

    def proposal(self, pid: uuid.UUID) -> ProposalRecord | None:
        r = self.s.get(WriteOffProposalRow, pid, populate_existing=True)
        return None if r is None else self._proposal(r)

    def pending_proposals(self) -> list[ProposalRecord]:
        q = select(WriteOffProposalRow).where(WriteOffProposalRow.state == "pending")
        return [self._proposal(r) for r in self.s.scalars(q.order_by(WriteOffProposalRow.proposed_at)).all()]

    def decide_proposal(
        self, pid: uuid.UUID, state: str, by: str, now: datetime, posting_id: uuid.UUID | None
    ) -> bool:
        """pending → approved/rejected at most once (UPDATE … WHERE state = 'pending')."""
        q = (
            update(WriteOffProposalRow)
            .where(WriteOffProposalRow.id == pid, WriteOffProposalRow.state == "pending")
            .values(state=state, decided_by=by, decided_at=now, posting_id=posting_id)
        )
        return bool(self.s.execute(q).rowcount)  # type: ignore[attr-defined]

    # ---- other look-ups the policy needs -------------------------------------------------------------------
    def reservation_owner(self, rid: uuid.UUID) -> str | None:
        from stockpile.adapters.orm.ledger import ReservationRow

        return self.s.scalar(select(ReservationRow.actor).where(ReservationRow.id == rid))

    def site_codes(self, site_ids: frozenset[int] | None = None) -> dict[int, str]:
        from stockpile.adapters.orm.ledger import SiteRow

        q = select(SiteRow.id, SiteRow.code).where(SiteRow.site_type != "transit")
        if site_ids is not None:
            q = q.where(SiteRow.id.in_(sorted(site_ids)))
        return {i: c for i, c in self.s.execute(q).all()}

    # ---- audit ---------------------------------------------------------------------------------------------
    def add_audit(self, **values: Any) -> None:
        if isinstance(values.get("detail"), (dict, list)):
            values["detail"] = json.dumps(values["detail"], ensure_ascii=False, sort_keys=True, default=str)
        self.s.add(AuditEventRow(**values))
        self.s.flush()

    def audit_events(self, outcome: str | None = None, actor: str | None = None) -> list[AuditEvent]:
        q = select(AuditEventRow).order_by(AuditEventRow.id)
        if outcome is not None:
            q = q.where(AuditEventRow.outcome == outcome)
        if actor is not None:
            q = q.where(AuditEventRow.actor == actor)
        return [
            AuditEvent(
                e.id,
                e.at,
                e.actor,
                e.action,
                e.outcome,
                e.target,
                e.site_id,
                e.client_id,
                e.before_qty,
                e.after_qty,
                e.detail,
            )
            for e in self.s.scalars(q).all()
        ]


def user_name_of(conn: Any, actor: str) -> str:
    """Postings keep the actor in capitals (a normalised code); a person reads the user name as it was typed
    (KEEPER_XZ01 → keeper_xz01). An actor without an account (an import, the CLI) is shown as recorded."""
    return user_names(conn).get(actor.upper(), actor)


def user_names(conn: Any) -> dict[str, str]:
    """Every account's name in capitals → the name as typed."""
    from sqlalchemy import select

    return {str(u).upper(): str(u) for u in conn.execute(select(UserRow.username)).scalars()}
