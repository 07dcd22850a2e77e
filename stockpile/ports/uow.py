"""The unit of work port: a use case loads, decides and commits inside `with uow:`; leaving rolls back."""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Any, Self


class AbstractUnitOfWork(abc.ABC):
    """Repositories hang off the unit of work; nothing is written unless `commit()` is called."""

    ledger: Any
    master: Any
    auth: Any
    county: Any

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
