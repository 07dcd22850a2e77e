"""Pure domain model of the relief-materials ledger (台账): master data, lots, movements, reservations, reserves.

Quantities are ints in the item's base unit, times are aware UTC datetimes, expiry is a date, money is int fen.
Only the standard library is imported here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

MAX_QTY = 1_000_000_000  # 0 < |qty| ≤ 10^9


class AdminLevel(StrEnum):
    """省/市/县/乡/村 (GB/T 2260 hierarchy extended to villages)."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


class TownshipKind(StrEnum):
    """乡/镇/场/街道."""

    XIANG = "xiang"
    ZHEN = "zhen"
    CHANG = "chang"
    JIEDAO = "jiedao"


class SiteType(StrEnum):
    """综合储备库, 储备点, 器材库, team base, enterprise warehouse, supermarket, plus the virtual 在途 location."""

    DEPOT = "depot"  # 综合储备库
    POINT = "point"  # 储备点
    EQUIPMENT_STORE = "equipment_store"  # 器材库
    TEAM_BASE = "team_base"  # 队伍营房
    ENTERPRISE_WAREHOUSE = "enterprise_warehouse"  # 企业仓库
    SUPERMARKET = "supermarket"  # 商超
    PRODUCER = "producer"  # 生产企业 (产能储备)
    TRANSIT = "transit"  # 在途 (virtual)


class OwnerType(StrEnum):
    GOVERNMENT = "government"
    ENTERPRISE = "enterprise"
    SOCIAL = "social"


class OperatingMode(StrEnum):
    """常态 / 战时 (000:297)."""

    NORMAL = "normal"
    EMERGENCY = "emergency"


class Category(StrEnum):
    """The category triad of 抢险救灾物资 (003:301)."""

    RESCUE = "rescue"  # 抢险救援物资
    TEAM_SUPPORT = "team_support"  # 救援队伍保障物资
    LIVING_RELIEF = "living_relief"  # 生活救灾物资


class LotSource(StrEnum):
    PROCURED = "procured"  # 采购
    DONATED = "donated"  # 捐赠
    REQUISITIONED = "requisitioned"  # 征用


class ReserveMode(StrEnum):
    PHYSICAL = "physical"  # 实物 (government goods at a government site)
    CUSTODIAL = "custodial"  # 企业代储 (government goods at an enterprise site)
    AGREEMENT = "agreement"  # 协议储备
    CAPACITY = "capacity"  # 产能储备


class MovementKind(StrEnum):
    """One leg of a posting; the sign of qty is fixed by the kind (never taken from user input)."""

    RECEIPT = "receipt"  # 验收入库 (+)
    ISSUE = "issue"  # 出库 (−)
    TRANSFER_OUT = "transfer_out"  # 调拨出库 at source (−)
    TRANSIT_IN = "transit_in"  # onto the 在途 location (+)
    TRANSIT_OUT = "transit_out"  # off the 在途 location (−)
    TRANSFER_IN = "transfer_in"  # 调拨入库 at destination (+)
    COUNT_ADJUST = "count_adjust"  # 盘点差异 (±)
    WRITE_OFF = "write_off"  # 报废 (−)
    ADJUST = "adjust"  # 调整 with a reason (±)
    REVERSAL = "reversal"  # 冲销 (± the negation of one earlier leg)


POSITIVE_KINDS = frozenset({MovementKind.RECEIPT, MovementKind.TRANSIT_IN, MovementKind.TRANSFER_IN})
NEGATIVE_KINDS = frozenset(
    {MovementKind.ISSUE, MovementKind.TRANSFER_OUT, MovementKind.TRANSIT_OUT, MovementKind.WRITE_OFF}
)


class IssuePurpose(StrEnum):
    RELIEF = "relief"  # 救灾
    DRILL = "drill"  # 演练
    ROTATION = "rotation"  # 轮换
    SALE = "sale"  # 销售
    RETURN = "return"  # 归还所有人 (requisitioned goods not used)


class WriteOffReason(StrEnum):
    EXPIRED = "expired"
    DAMAGED = "damaged"
    OBSOLETE = "obsolete"
    LOST = "lost"


class AdjustReason(StrEnum):
    LOST = "lost"
    DAMAGED = "damaged"
    FOUND = "found"
    EXPIRED = "expired"

    @property
    def sign(self) -> int:
        return 1 if self is AdjustReason.FOUND else -1


class InspectionResult(StrEnum):
    """验收 result: rejected goods never reach the ledger."""

    PASSED = "passed"
    PARTIAL = "partial"


class ReservationState(StrEnum):
    PENDING = "pending"
    ISSUED = "issued"
    RELEASED = "released"
    EXPIRED = "expired"


class TransferState(StrEnum):
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class LonLat:
    """WGS-84, ORS order."""

    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class AdminArea:
    code: str
    name: str
    level: AdminLevel
    parent_code: str | None
    population: int
    seat: LonLat | None
    township_kind: TownshipKind | None = None


@dataclass(frozen=True, slots=True)
class Site:
    id: int
    code: str
    name: str
    admin_level: AdminLevel
    site_type: SiteType
    owner_type: OwnerType
    area_code: str
    location: LonLat
    loading_minutes: int
    operating_mode: OperatingMode = OperatingMode.NORMAL
    hazard_types: tuple[str, ...] = ()
    owner_name: str = ""
    active: bool = True


@dataclass(frozen=True, slots=True)
class Shelter:
    """应急避难场所: a demand point of its own (villages are admin areas)."""

    code: str
    name: str
    township_code: str
    location: LonLat
    capacity_persons: int


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    code: str  # GB/T 38565-2020, 7 digits
    name_zh: str
    name_en: str
    base_unit: str
    category: Category
    unit_weight_g: int
    unit_volume_cm3: int
    shelf_life_days: int | None = None
    needs_cold: bool = False
    needs_dry: bool = False
    hazardous: bool = False
    price_fen: int = 0
    packs: tuple[tuple[str, int], ...] = ()  # (pack unit, base units per pack)

    def to_base(self, qty: int, unit: str | None) -> int:
        """Convert a quantity in a pack unit to base units; unknown units raise UnknownUnit."""
        from stockpile.domain.errors import UnknownUnit

        if unit is None or unit == "" or unit == self.base_unit:
            return qty
        for pack_unit, factor in self.packs:
            if pack_unit == unit:
                return qty * factor
        raise UnknownUnit(unit=unit, item=self.code)


@dataclass(frozen=True, slots=True)
class Lot:
    id: int
    item_id: int
    lot_no: str
    expiry: date | None
    manufactured_on: date | None = None
    owner_type: OwnerType = OwnerType.GOVERNMENT
    owner_name: str = ""
    source: LotSource = LotSource.PROCURED
    donor: str = ""
    received_at: datetime | None = None

    def is_expired_on(self, day: date) -> bool:
        """A lot with expiry ≤ the posting date counts as expired."""
        return self.expiry is not None and self.expiry <= day


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: every use case takes one."""

    username: str
    role: str = "keeper"
    site_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Leg:
    """A movement leg before it is stored."""

    kind: MovementKind
    site_id: int
    item_id: int
    lot_id: int
    qty: int
    reverses_seq: int | None = None


@dataclass(frozen=True, slots=True)
class Movement:
    seq: int
    id: uuid.UUID
    posting_id: uuid.UUID
    kind: MovementKind
    site_id: int
    item_id: int
    lot_id: int
    qty: int
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    reverses_seq: int | None = None
    purpose: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Balance:
    """The stored balance of one (site, lot): on hand, held by reservations, and the latest leg's time."""

    site_id: int
    item_id: int
    lot_id: int
    on_hand: int
    reserved: int
    last_occurred_at: datetime | None = None

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True, slots=True)
class Reservation:
    id: uuid.UUID
    site_id: int
    item_id: int
    lot_id: int
    qty: int
    plan_ref: str
    state: ReservationState
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StockCount:
    """One 盘点 record: what was counted, what the ledger said then, and the adjustment posted (0 if superseded)."""

    posting_id: uuid.UUID
    site_id: int
    lot_id: int
    item_id: int
    counted: int
    system_qty: int
    adjustment: int
    occurred_at: datetime
    superseded: bool


@dataclass(frozen=True, slots=True)
class Transfer:
    """A shipped transfer (调拨): its id is the shipping posting's id; state is one of `TransferState`'s values."""

    id: uuid.UUID
    from_site_id: int
    to_site_id: int
    state: str
    shipped_at: datetime


@dataclass(frozen=True, slots=True)
class TransferLine:
    lot_id: int
    item_id: int
    qty: int


@dataclass(frozen=True, slots=True)
class AgreementLine:
    """One item of a 协议储备 contract held by an enterprise or supermarket."""

    contract_code: str
    holder_site_id: int
    item_id: int
    agreed_qty: int
    lead_time_minutes: int
    valid_from: date
    valid_to: date
    last_verified_on: date | None = None
    last_verified_qty: int | None = None

    def counted_qty(self, on: date) -> int:
        """Only a valid and verified agreement counts: min(agreed, last verified) within validity, else 0."""
        if not (self.valid_from <= on <= self.valid_to) or self.last_verified_qty is None:
            return 0
        return max(0, min(self.agreed_qty, self.last_verified_qty))


@dataclass(frozen=True, slots=True)
class CapacityReserve:
    """产能储备: a producer can make `units_per_day` after `activation_minutes`."""

    producer_site_id: int
    item_id: int
    units_per_day: int
    activation_minutes: int
    valid_from: date
    valid_to: date

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to
