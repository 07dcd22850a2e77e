"""Errors of reserve planning; each `code` has a message under `errors.<code>` in stockpile/i18n/fragments/*/reserve.toml."""

from __future__ import annotations

from stockpile.domain.errors import DomainError


class UnknownContract(DomainError):
    code = "unknown_contract"


class UnknownContractLine(DomainError):
    """The contract has no line for this item."""

    code = "unknown_contract_line"


class PeriodReversed(DomainError):
    """A validity period ending before it starts (to < from)."""

    code = "period_reversed"


class NegativeQuantity(DomainError):
    code = "negative_quantity"


class CheckInFuture(DomainError):
    code = "check_in_future"


class CallOffExceedsAgreement(DomainError):
    """A call-off larger than the contract line's counted quantity."""

    code = "calloff_exceeds_agreement"


class ContractNotValid(DomainError):
    code = "contract_not_valid"


class ReviewWrongState(DomainError):
    """The review workflow runs prepared → reviewed → approved; an approved review is frozen."""

    code = "review_wrong_state"


class ReviewFourEyes(DomainError):
    """The approver must not be the preparer."""

    code = "review_four_eyes"


class ReviewSelfReview(DomainError):
    """The reviewer must not be the preparer (审核 is a second person's reading)."""

    code = "review_self_review"


class ReviewMissing(DomainError):
    code = "review_missing"


class StandardsRejected(DomainError):
    """The guiding catalogue has row errors; nothing was imported (`errors` lists them)."""

    code = "standards_rejected"
