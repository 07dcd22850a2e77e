"""Plain records the reserve repository hands to the planning use cases (协议储备, 储备定额, 审查), plus the
planning configuration. Standard library only; money in fen, quantities in base units, dates as `date`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class StandardBasis(StrEnum):
    ABSOLUTE = "absolute"  # a fixed quantity
    PER_CAPITA = "per_capita"  # norm per 1000 persons per day × population × sustain days


class ReviewState(StrEnum):
    PREPARED = "prepared"
    REVIEWED = "reviewed"
    APPROVED = "approved"


@dataclass(frozen=True, slots=True)
class AreaRef:
    code: str
    name: str
    level: str
    parent_code: str | None
    population: int


@dataclass(frozen=True, slots=True)
class SiteRef:
    id: int
    code: str
    name: str
    level: str
    area_code: str
    site_type: str
    owner_type: str


@dataclass(frozen=True, slots=True)
class ItemRef:
    id: int
    code: str
    name: str
    unit: str
    price_fen: int
    shelf_life_days: int | None
    name_en: str = ""  # the county's English name ("" where it gave none)


@dataclass(frozen=True, slots=True)
class StockLot:
    """One lot's on-hand quantity at one site; `mode` physical (government site) or custodial (代储)."""

    site_id: int
    item_id: int
    lot_id: int
    lot_no: str
    expiry: date | None
    on_hand: int
    mode: str


@dataclass(frozen=True, slots=True)
class ContractLine:
    line_id: int
    item_id: int
    item_code: str
    agreed_qty: int
    price_fen: int
    last_verified_on: date | None
    last_verified_qty: int | None


@dataclass(frozen=True, slots=True)
class Contract:
    """协议储备 contract with its lines and check schedule (`check_interval_days` None = the configured default)."""

    id: int
    code: str
    holder_site_id: int
    holder_code: str
    holder_name: str
    valid_from: date
    valid_to: date
    lead_time_minutes: int
    contact: str
    subsidy_fen: int
    check_interval_days: int | None
    lines: tuple[ContractLine, ...]

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """核查: who checked which contract when, and the verified quantity per line id."""

    id: uuid.UUID
    contract_code: str
    checked_on: date
    inspector: str
    remark: str
    verified: tuple[tuple[int, int], ...]  # (line_id, verified_qty)


@dataclass(frozen=True, slots=True)
class CallOffRecord:
    """调用 of agreement stock and the 调用补偿 owed for it."""

    id: uuid.UUID
    contract_code: str
    line_id: int
    item_code: str
    qty: int
    called_at: datetime
    unit_price_fen: int
    compensation_fen: int
    event_tag: str


@dataclass(frozen=True, slots=True)
class TransportReserve:
    """协议运力: vehicles on call, capacity per vehicle, activation delay."""

    code: str
    carrier: str
    base_site_id: int | None
    vehicles: int
    capacity_kg: int
    capacity_dm3: int
    activation_minutes: int
    valid_from: date
    valid_to: date
    contact: str = ""


@dataclass(frozen=True, slots=True)
class Standard:
    """储备定额 for one admin level × item (× area; "" = every area of the level)."""

    level: str
    area_code: str
    item_code: str
    basis: StandardBasis
    qty: int = 0
    per_1000_per_day: int = 0
    sustain_days: int = 0
    counts_physical: bool = True
    counts_custodial: bool = True
    counts_agreement: bool = True
    agreement_cap_pct: int = 100
    source: str = ""


@dataclass(frozen=True, slots=True)
class Review:
    year: int
    state: ReviewState
    content: dict[str, Any]
    preparer: str
    prepared_at: datetime
    reviewer: str | None = None
    reviewed_at: datetime | None = None
    approver: str | None = None
    approved_at: datetime | None = None
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Snapshot:
    year: int
    content: str
    sha256: str
    approver: str
    approved_at: datetime


@dataclass(frozen=True, slots=True)
class ReleaseChannelCfg:
    """Where rotated-out goods go (演练消耗, 移交民政/学校, 协议超市回购); value in ‰ of the item price.

    `needs_agreement`: the channel is a 协议储备 partner taking the goods back (协议超市回购), offered for an item
    only while a contract with a line for that item is valid in the plan's horizon."""

    channel_id: str
    value_permille: int
    min_remaining_days: int
    needs_agreement: bool = False


@dataclass(frozen=True, slots=True)
class PlanningConfig:
    """Reference data of reserve planning (data or config, never constants in code)."""

    check_interval_days: int = 90
    expiring_contract_days: int = 90
    procurement_lead_days: int = 30
    procurement_lead_days_by_item: dict[str, int] = field(default_factory=dict)
    procurement_price_permille: int = 1000  # of item.price_fen
    quarter_budget_fen: tuple[int, ...] | None = None
    bucket_days: int = 7
    time_limit_s: float = 10.0
    channels: tuple[ReleaseChannelCfg, ...] = (
        ReleaseChannelCfg("drill", 0, 30),
        ReleaseChannelCfg("civil_affairs", 0, 60),
        ReleaseChannelCfg("sell_back", 400, 90, needs_agreement=True),
    )
    short_shelf_life_days: int = 365  # items at or below this are candidates for agreement reserve
    compensation_permille: int = 1000  # 调用补偿 = qty × agreed price × this ÷ 1000
