"""Domain errors. Each carries a stable `code` (an i18n catalogue key suffix) and the values the message needs."""

from __future__ import annotations

from typing import Any


def named(name: str, code: str = "", name_en: str = "") -> dict[str, str]:
    """A thing an error names for a person (an item, a place): its name, its English name where there is one,
    and its code where the reader needs it (to type it back, or two share the name). The message words it in the
    reader's language, the code in brackets their way (`stockpile.i18n.worded_value`); plain data, so a failed
    job's error keeps it."""
    out = {"name": name or code}
    if code and code != name:
        out["code"] = code
    if name_en:
        out["name_en"] = name_en
    return out


class DomainError(Exception):
    """Base: `code` names the rule, `params` fill the translated message."""

    code = "domain_error"

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(f"{self.code}: {params}" if params else self.code)


class InvalidCommand(DomainError):
    code = "invalid_command"


class UnknownItem(DomainError):
    code = "unknown_item"


class UnknownSite(DomainError):
    code = "unknown_site"


class UnknownLot(DomainError):
    code = "unknown_lot"


class UnknownUnit(DomainError):
    code = "unknown_unit"


class QtyOutOfRange(DomainError):
    code = "qty_out_of_range"


class OutOfStock(DomainError):
    """Not enough available (on hand − reserved) stock."""

    code = "out_of_stock"


class NegativeLaterBalance(DomainError):
    """A backdated movement would make a later running balance negative."""

    code = "negative_later_balance"


class LotExpired(DomainError):
    """Expired lots are only written off."""

    code = "lot_expired"


class ExpiredOnArrival(DomainError):
    code = "expired_on_arrival"


class LotExpiryConflict(DomainError):
    """One expiry per (item, lot)."""

    code = "lot_expiry_conflict"


class LotOwnerConflict(DomainError):
    code = "lot_owner_conflict"


class PostingInFuture(DomainError):
    """occurred_at later than now + 5 min."""

    code = "posting_in_future"


class Frozen(DomainError):
    """Before the freeze date (冻结日期) only an admin may post."""

    code = "frozen"


class ExistsWithDifferent(DomainError):
    """The client id was used before with another payload."""

    code = "exists_with_different"


class AlreadyResolved(DomainError):
    """A reservation or transfer resolves at most once."""

    code = "already_resolved"


class AlreadyReversed(DomainError):
    code = "already_reversed"


class NotReversible(DomainError):
    code = "not_reversible"


class PermissionDenied(DomainError):
    code = "permission_denied"


class RetryableConflict(DomainError):
    """A serialization failure or deadlock the adapter saw; the whole use case may be retried."""

    code = "retryable_conflict"


class StorageFull(DomainError):
    """The database's disk (or its size cap) is full: nothing of the write was committed."""

    code = "storage_full"


class DatabaseUnavailable(DomainError):
    """The database connection was lost mid-transaction (server restarted, backend terminated): nothing of the
    write was committed; resubmitting the same command is safe."""

    code = "database_unavailable"


class FileRejected(DomainError):
    """A whole import file is refused before any row is read; `code` says why."""

    code = "file_rejected"

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(**params)
        self.code = code

    @property
    def catalogue_key(self) -> str:
        """Its message is the import page's (`import_errors.<code>`), in the app and the CLI alike."""
        return f"import_errors.{self.code}"


class Cancelled(DomainError):
    """Long work stopped before it wrote anything, because its job was cancelled."""

    code = "job_cancelled"
