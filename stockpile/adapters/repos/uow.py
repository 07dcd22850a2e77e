"""SQLAlchemy unit of work. Database conflicts a retry can fix become `RetryableConflict`."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from stockpile.adapters.orm.auth import SqlAuthRepository
from stockpile.adapters.repos.county import SqlCountyRepository
from stockpile.adapters.repos.ledger import SqlLedgerRepository
from stockpile.adapters.repos.masterdata import SqlMasterRepository
from stockpile.domain.errors import DatabaseUnavailable, DomainError, RetryableConflict, StorageFull
from stockpile.ports.uow import AbstractUnitOfWork

RETRYABLE_PG = {"40001", "40P01", "23505", "55P03"}
LOST_PG = ("08", "57P01", "57P02", "57P03")  # connection exceptions, admin/crash shutdown, cannot connect now


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


def as_domain_error(exc: BaseException) -> DomainError | None:
    """A database fault the user must be told about in words: retryable conflict, full disk, lost
    connection; None for anything else (a bug, which keeps its traceback)."""
    if not isinstance(exc, DBAPIError):
        return None
    if is_retryable(exc):
        return RetryableConflict(detail=str(exc)[:200])
    code = str(getattr(exc.orig, "sqlstate", None) or "")
    if code.startswith("53") or "database or disk is full" in str(exc.orig).lower():
        return StorageFull()
    if exc.connection_invalidated or code.startswith(LOST_PG):
        return DatabaseUnavailable()
    return None


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    def __init__(self, engine: Engine) -> None:
        self.session_factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
        self.session: Session | None = None

    def __enter__(self) -> Self:
        self.session = self.session_factory()
        self.ledger = SqlLedgerRepository(self.session)
        self.master = SqlMasterRepository(self.session)
        self.auth = SqlAuthRepository(self.session)
        self.county = SqlCountyRepository(self.session)
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
        mapped = None if exc is None else as_domain_error(exc)
        if mapped is not None:
            raise mapped from exc

    def commit(self) -> None:
        assert self.session is not None
        try:
            self.session.commit()
        except DBAPIError as e:
            mapped = as_domain_error(e)
            if mapped is not None:
                raise mapped from e
            raise

    def rollback(self) -> None:
        if self.session is not None:
            self.session.rollback()
