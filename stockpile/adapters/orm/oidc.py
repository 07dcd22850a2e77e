"""External identities (OIDC via `st.login`): an admin links (issuer, subject) to a LOCAL user; a login through
the county's identity provider is admitted only for a linked, active user (no auto-provisioning)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from stockpile.adapters.orm.auth import UserRow
from stockpile.adapters.orm.ledger import Base, IntPK, Stamp
from stockpile.ports.repos import IdentityLink

__all__ = ["ExternalIdentityRow", "IdentityLink", "SqlIdentityRepository"]


class ExternalIdentityRow(Base):
    """One identity-provider account (OIDC `iss` + `sub`) mapped to one local user."""

    __tablename__ = "external_identity"
    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[Stamp]
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_external_identity_issuer_subject"),)


class SqlIdentityRepository:
    """Reads and writes `external_identity` in the unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def username_for(self, issuer: str, subject: str) -> str | None:
        q = (
            select(UserRow.username)
            .join(ExternalIdentityRow, ExternalIdentityRow.user_id == UserRow.id)
            .where(ExternalIdentityRow.issuer == issuer, ExternalIdentityRow.subject == subject)
        )
        return self.s.scalar(q)

    def link(self, user_id: int, issuer: str, subject: str, email: str, now: datetime) -> None:
        self.s.add(
            ExternalIdentityRow(user_id=user_id, issuer=issuer, subject=subject, email=email, created_at=now)
        )
        self.s.flush()

    def unlink(self, issuer: str, subject: str) -> bool:
        e = ExternalIdentityRow
        res = self.s.execute(delete(e).where(e.issuer == issuer, e.subject == subject))
        return bool(res.rowcount)  # type: ignore[attr-defined]

    def links(self) -> list[IdentityLink]:
        e = ExternalIdentityRow
        q = select(UserRow.username, e.issuer, e.subject, e.email, e.created_at).join(
            UserRow, UserRow.id == e.user_id
        )
        return [IdentityLink(*r) for r in self.s.execute(q.order_by(UserRow.username, e.issuer)).all()]
