"""SQLAlchemy unit of work. Database conflicts a retry can fix become `RetryableConflict` (I7)."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from stockpile.adapters.masterdata import SqlMasterRepository
from stockpile.adapters.orm_auth import SqlAuthRepository
from stockpile.adapters.repository import SqlLedgerRepository
from stockpile.domain.errors import RetryableConflict
from stockpile.unit_of_work import AbstractUnitOfWork

RETRYABLE_PG = {"40001", "40P01", "23505", "55P03"}


def is_retryable(exc: BaseException) -> bool:
    """Serialization failure, deadlock, a lost unique race (the replay path then answers), or SQLite busy."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in RETRYABLE_PG:
        return True
    msg = str(orig).lower()
    return "database is locked" in msg or "database is busy" in msg


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    def __init__(self, engine: Engine) -> None:
        self.session_factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
        self.session: Session | None = None

    def __enter__(self) -> Self:
        self.session = self.session_factory()
        self.ledger = SqlLedgerRepository(self.session)
        self.master = SqlMasterRepository(self.session)
        self.auth = SqlAuthRepository(self.session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.rollback()
        finally:
            assert self.session is not None
            self.session.close()
            self.session = None
        if exc is not None and is_retryable(exc):
            raise RetryableConflict(detail=str(exc)[:200]) from exc

    def commit(self) -> None:
        assert self.session is not None
        try:
            self.session.commit()
        except DBAPIError as e:
            if is_retryable(e):
                raise RetryableConflict(detail=str(e)[:200]) from e
            raise

    def rollback(self) -> None:
        if self.session is not None:
            self.session.rollback()
