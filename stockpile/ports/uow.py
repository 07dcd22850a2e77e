"""The unit of work port: a use case loads, decides and commits inside `with uow:`; leaving rolls back."""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Self

from stockpile.ports.planning import CountyRepository, ReserveRepository
from stockpile.ports.repos import (
    AuthRepository,
    LedgerRepository,
    MasterRepository,
)


class AbstractUnitOfWork(abc.ABC):
    """Repositories hang off the unit of work; nothing is written unless `commit()` is called."""

    ledger: LedgerRepository
    master: MasterRepository
    auth: AuthRepository
    county: CountyRepository  # the county's own settings (县情) and workbook records

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()  # no-op after commit(); drops the rest

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...


class AbstractReserveUnitOfWork(AbstractUnitOfWork):
    """The unit of work of reserve planning: the ledger's repositories plus `reserve` (agreements, transport,
    standards, reviews)."""

    reserve: ReserveRepository
