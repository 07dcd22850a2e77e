"""更新轮换计划: when to release old lots and buy new ones so counted stock never drops below the standard.

Rules of the model (the checker in ``optimizer.rotation.check`` re-simulates exactly these, day by day):

- Days are integers ``0 … horizon_days-1``. A lot counts on day ``d`` when ``arrival_day <= d < expiry_day``.
- Counted stock on day ``d`` = Σ lots counting on ``d`` (qty minus units released on or before ``d``)
  + min(agreement_qty, agreement_cap). It must be ``>= standard`` of ``d``'s bucket.
- A release on day ``d`` through channel ``ch`` is allowed while ``arrival_day <= d < expiry_day`` and
  ``expiry_day - d >= ch.min_remaining_days`` (最低剩余保质期). Released units stop counting on ``d``.
- A procurement ordered on day ``t`` arrives on ``t + lead_days``, counts from then and expires
  ``shelf_life_days`` later; it is charged ``qty × unit_price_fen`` to the quarter of the order day.
- Waste = unreleased units of a lot that expires inside the horizon, or whose last release day (over its
  channels) passes inside the horizon, so the next plan could only write it off (报废).
- Decisions sit on bucket starts (``bucket_days`` = 1 daily, 7 weekly): releases on a bucket start, arrivals on a
  bucket start (the order day is ``arrival - lead``). A lot is released only within the last
  ``release_window_buckets`` buckets before its channel deadline (earlier release never raises stock); lots
  whose deadline lies beyond the horizon are left to the next plan.
- Objective, lexicographic: (1) shortfall unit-days, (2) waste units, (3) cost = procurement − recovered value,
  (4) number of actions. With weekly buckets the model charges a bucket's shortfall at its last (lowest) day;
  reported figures are the exact daily re-simulation.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from optimizer.errors import InvalidProblem


@dataclass(frozen=True, slots=True)
class Lot:
    """A batch of one stock key: ``qty`` units counting from ``arrival_day`` until ``expiry_day`` (exclusive)."""

    lot_id: str
    qty: int
    expiry_day: int
    arrival_day: int = 0


@dataclass(frozen=True, slots=True)
class ProcurementOption:
    """A way to buy new goods (框架协议采购, 紧急采购 …)."""

    option_id: str
    lead_days: int
    unit_price_fen: int
    shelf_life_days: int
    min_order_qty: int = 1
    max_order_qty: int | None = None


@dataclass(frozen=True, slots=True)
class ReleaseChannel:
    """Where rotated-out goods go: drills, civil affairs/schools, sell-back; ``value_fen`` < 0 is a cost."""

    channel_id: str
    value_fen: int
    min_remaining_days: int = 0
    capacity_per_bucket: int | None = None


@dataclass(frozen=True, slots=True)
class StockKey:
    """One item at one site (or county-wide): its lots, standard (储备定额) and options.

    ``standard`` has one entry (constant) or one per bucket.
    """

    key_id: str
    lots: tuple[Lot, ...]
    standard: tuple[int, ...]
    options: tuple[ProcurementOption, ...] = ()
    channels: tuple[ReleaseChannel, ...] = ()
    agreement_qty: int = 0
    agreement_cap: int | None = None

    @property
    def agreement_counted(self) -> int:
        """Agreement quantity that counts towards the standard: capped by ``agreement_cap`` when set."""
        cap = self.agreement_qty if self.agreement_cap is None else self.agreement_cap
        return min(self.agreement_qty, cap)


@dataclass(frozen=True, slots=True)
class RotationProblem:
    """All stock keys plus the shared quarterly budget (``None`` = unlimited)."""

    keys: tuple[StockKey, ...]
    horizon_days: int = 365
    bucket_days: int = 7
    quarter_starts: tuple[int, ...] = (0, 91, 182, 273)
    quarter_budget_fen: tuple[int, ...] | None = None
    release_window_buckets: int = 4

    @property
    def n_buckets(self) -> int:
        return -(-self.horizon_days // self.bucket_days)

    def quarter_of(self, day: int) -> int:
        """Index of the budget quarter holding ``day`` (0-based)."""
        return max(i for i, s in enumerate(self.quarter_starts) if s <= day)

    def standard_on(self, key: StockKey, day: int) -> int:
        return key.standard[0] if len(key.standard) == 1 else key.standard[day // self.bucket_days]

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True, slots=True)
class RotationParams:
    """Solver limits. ``time_limit_s`` bounds the whole plan, ``stage_time_limit_s`` each MIP stage."""

    time_limit_s: float = 10.0
    stage_time_limit_s: float = 2.0
    polish_time_limit_s: float = 0.1  # the operations stage per job
    cost_gap: float = 1e-3  # relative gap accepted on cost (shortfall and waste are exact)
    diagnose: bool = True
    workers: int = 0  # 0 = auto: 2 processes on ≥ 8 jobs when fork is available
    joint_max_keys: int = 4  # up to this many buying keys share the budget exactly in one MIP
    stop: Callable[[], bool] | None = field(default=None, compare=False, repr=False)  # True: no further stage


@dataclass(frozen=True, slots=True)
class RotationAction:
    """One line of the schedule. ``kind`` is ``"release"`` or ``"procure"``; ``cost_fen`` < 0 is income.

    For a procurement ``day`` is the order day, ``lot_id`` the id of the new lot it creates.
    """

    day: int
    key_id: str
    kind: str
    lot_id: str
    qty: int
    cost_fen: int
    channel_id: str | None = None
    option_id: str | None = None
    arrival_day: int | None = None
    expiry_day: int | None = None


@dataclass(frozen=True, slots=True)
class StockSeries:
    """Daily counted stock (including counted agreement quantity) against the standard for one key."""

    key_id: str
    counted: tuple[int, ...]
    standard: tuple[int, ...]

    def short_days(self) -> tuple[int, ...]:
        return tuple(d for d, (c, s) in enumerate(zip(self.counted, self.standard, strict=True)) if c < s)


@dataclass(frozen=True, slots=True)
class ShortfallExplanation:
    """Why the standard cannot be held on ``first_day … last_day`` of one key.

    ``reason``: ``budget_exhausted`` (``quarters`` names the exhausted quarters), ``lead_time``
    (``earliest_arrival_day``: first day any procurement could arrive), ``no_procurement_option``, or
    ``procurement_limits`` (max order quantity or a shelf life shorter than a bucket).
    """

    key_id: str
    first_day: int
    last_day: int
    unit_days: int
    reason: str
    quarters: tuple[int, ...] = ()
    earliest_arrival_day: int | None = None


@dataclass(frozen=True, slots=True)
class RotationPlan:
    """The schedule, its daily stock series and the lexicographic objective figures (exact, per day).

    ``status``: "optimal" (shortfall and waste proven, cost within ``cost_gap``), "feasible" (a stage was cut
    by its time limit, or a shared budget was split heuristically), "timeout" (some key, or the whole plan, is
    the greedy never-rotate fallback).
    """

    status: str
    actions: tuple[RotationAction, ...]
    stock: tuple[StockSeries, ...]
    shortfall_unit_days: int
    waste_units: int
    cost_fen: int
    spend_per_quarter_fen: tuple[int, ...]
    explanations: tuple[ShortfallExplanation, ...] = field(default=())

    @property
    def n_operations(self) -> int:
        return len(self.actions)

    @property
    def holds_standard(self) -> bool:
        """True when every key holds its standard on every day (充足无缺口)."""
        return self.shortfall_unit_days == 0


def _validate_key(key: StockKey, p: RotationProblem) -> None:
    if len(key.standard) not in (1, p.n_buckets) or any(s < 0 for s in key.standard):
        raise InvalidProblem(f"{key.key_id}: standard needs 1 or {p.n_buckets} non-negative entries")
    if key.agreement_qty < 0 or (key.agreement_cap is not None and key.agreement_cap < 0):
        raise InvalidProblem(f"{key.key_id}: negative agreement quantity")
    for lot in key.lots:
        if lot.qty <= 0 or lot.arrival_day < 0 or lot.expiry_day <= lot.arrival_day:
            raise InvalidProblem(f"{key.key_id}/{lot.lot_id}: qty > 0 and arrival < expiry needed")
    for o in key.options:
        if o.lead_days < 0 or o.unit_price_fen < 0 or o.shelf_life_days <= 0 or o.min_order_qty <= 0:
            raise InvalidProblem(f"{key.key_id}/{o.option_id}: bad procurement option")
        if o.max_order_qty is not None and o.max_order_qty < o.min_order_qty:
            raise InvalidProblem(f"{key.key_id}/{o.option_id}: max_order_qty < min_order_qty")
    for c in key.channels:
        if c.min_remaining_days < 0 or (c.capacity_per_bucket is not None and c.capacity_per_bucket < 0):
            raise InvalidProblem(f"{key.key_id}/{c.channel_id}: bad release channel")
    for what, ids in (
        ("lot", [x.lot_id for x in key.lots]),
        ("option", [x.option_id for x in key.options]),
        ("channel", [x.channel_id for x in key.channels]),
    ):
        if len(set(ids)) != len(ids):
            raise InvalidProblem(f"{key.key_id}: duplicate {what} id")


def _validate(p: RotationProblem) -> None:
    if p.horizon_days <= 0 or p.bucket_days <= 0 or p.release_window_buckets <= 0:
        raise InvalidProblem("horizon_days, bucket_days and release_window_buckets must be positive")
    qs = p.quarter_starts
    if not qs or qs[0] != 0 or any(b <= a for a, b in itertools.pairwise(qs)):
        raise InvalidProblem("quarter_starts must start at 0 and increase")
    if p.quarter_budget_fen is not None and (
        len(p.quarter_budget_fen) != len(qs) or any(b < 0 for b in p.quarter_budget_fen)
    ):
        raise InvalidProblem("quarter_budget_fen needs one non-negative entry per quarter")
    if len({k.key_id for k in p.keys}) != len(p.keys):
        raise InvalidProblem("duplicate stock key id")
    for key in p.keys:
        _validate_key(key, p)
