"""Dispatch scenario records (调度情景) and the demand rule, as plain values (stdlib only).

Demand of a point × item is the entered quantity when there is one, else affected population × norm
(units per 100 persons, rounded up) × sustain days for daily norms. Norms marked priority-only (medical kits)
apply to shelters and medical points (priority class 1) only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from stockpile.domain.errors import DomainError


@dataclass(frozen=True, slots=True)
class ScenarioPoint:
    code: str
    name: str
    kind: str  # village | shelter | medical
    lon: float
    lat: float
    population: int
    priority: int  # 1 = shelters and medical first
    needed_by_minutes: int


@dataclass(frozen=True, slots=True)
class Scenario:
    id: int
    code: str
    name: str
    event: str
    kind: str  # live | drill | prepositioning
    reported_at: datetime
    sustain_days: int
    points: tuple[ScenarioPoint, ...]
    blocked_geojson: str = ""
    damaged_sites: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Norm:
    item_code: str
    units_per_100: int
    per_day: bool
    priority_only: bool


@dataclass(frozen=True, slots=True)
class VehicleSpec:
    code: str
    name: str
    ownership: str  # own | contracted | requisitioned
    home_site: str
    capacity_kg: int
    capacity_dm3: int
    cold_boxes: int
    activation_minutes: int
    speed_profile: str = (
        "driving-hgv"  # road_speeds.toml section its travel times use (driving-car, driving-hgv)
    )
    available_hours: int | None = None  # hours it may be on the road in one dispatch (None: no limit)


@dataclass(frozen=True, slots=True)
class ItemSpec:
    code: str
    name: str
    unit: str
    weight_g: int
    volume_cm3: int
    needs_cold: bool


@dataclass(frozen=True, slots=True)
class SiteSpec:
    code: str
    name: str
    lon: float
    lat: float
    loading_minutes: int


@dataclass(frozen=True, slots=True)
class StockSource:
    """What a site can send of an item now (physical), after a lead time (agreement) or as it is produced
    (capacity: `per_day` units a day after activation, `qty` in total)."""

    site: str
    item: str
    qty: int
    kind: str  # physical | agreement | capacity
    lead_minutes: int = 0
    near_expiry: bool = False
    reference: str = ""
    per_day: int = 0


def derived_demand(
    scenario: Scenario, norms: Sequence[Norm], entered: Mapping[tuple[str, str], int]
) -> dict[tuple[str, str], int]:
    """(point, item) → quantity: a scenario with entered demand (one made from an event, or saved from an editor,
    which both store every line) has exactly that, a 0 leaving a line out; otherwise population × norm × days,
    rounded up. Before, norm lines were added beside entered ones, so a plan carried medicine kits for a
    priority-1 village that its event scenario did not list."""
    if entered:
        return {key: qty for key, qty in entered.items() if qty > 0}
    out: dict[tuple[str, str], int] = {}
    for p in scenario.points:
        for n in norms:
            if n.priority_only and p.priority != 1:
                continue
            days = scenario.sustain_days if n.per_day else 1
            qty = -(-p.population * n.units_per_100 * days // 100)
            if qty > 0:
                out[(p.code, n.item_code)] = qty
    return out


class UnknownScenario(DomainError):
    code = "unknown_scenario"


class NotADrill(DomainError):
    """Only a scenario kept for training (a drill or a pre-positioning what-if) may be moved in time; a live
    event's report time is a fact."""

    code = "scenario_not_drill"


class RebaseOutOfRange(DomainError):
    """A drill re-based to a time no dispatcher means: more than ``REBASE_BACK`` before now (1999, a year typed
    wrong) or more than ``REBASE_AHEAD`` after it (2030: every plan made until then counted no time run)."""

    code = "rebase_out_of_range"


# a drill replays as at day N of its relief (N up to 90, the longest days of supply a scenario has), or is set the
# day before an exercise for the next morning; anything further is a slip of the keyboard
REBASE_BACK = timedelta(days=90)
REBASE_AHEAD = timedelta(days=1)


def check_rebase(to: datetime, now: datetime, fmt: Callable[[datetime], str] = str) -> None:
    """A drill's new report time lies between ``REBASE_BACK`` before ``now`` and ``REBASE_AHEAD`` after it (`fmt`
    writes the times for the message)."""
    earliest, latest = now - REBASE_BACK, now + REBASE_AHEAD
    if not earliest <= to <= latest:
        raise RebaseOutOfRange(at=fmt(to), earliest=fmt(earliest), latest=fmt(latest))


class PlanRejected(DomainError):
    """The checker found violations (listed in `violations`): nothing was written."""

    code = "plan_rejected"


class UnknownOrder(DomainError):
    code = "unknown_order"


class PlanStillOpen(DomainError):
    """The scenario has a confirmed plan that is not voided: a second one would hold the same demand twice."""

    code = "plan_still_open"


class EventPlanOpen(DomainError):
    """Another scenario of the same event (a copy, or a second one made from it) has a confirmed plan still open:
    both carry the event's approved requests, so confirming this one would dispatch them twice."""

    code = "event_plan_open"


class OrderWrongState(DomainError):
    """The order (or its depot part) is not in a state that allows the step; `state` says where it is."""

    code = "order_wrong_state"


class NoLinesAtDepot(DomainError):
    """The order holds nothing at the depot named."""

    code = "order_no_lines_at_depot"


class ReceiptInvalid(DomainError):
    """签收 quantities: unknown line, more than planned, or a shortage without a reason."""

    code = "receipt_invalid"


class ReceiptUnknownStop(ReceiptInvalid):
    """签收 naming a stop the order delivers nothing to (``stop`` as typed); ``stops`` are the delivery stops by
    序号 and place name with the place code (`named`), either of which names a stop."""

    code = "receipt_unknown_stop"


class ReceiptUnknownItem(ReceiptInvalid):
    """签收 naming an item the order did not load for that stop (``stop`` by its name, ``item`` as typed or by
    its name where the order has it elsewhere); ``items`` are the ones it did, by name with the code to type."""

    code = "receipt_unknown_item"


class ReceiptLineTwice(ReceiptInvalid):
    """签收 naming one line (stop × item) twice, by its 序号 and its place code or twice alike (``first`` and
    ``stop`` as typed, ``place`` and ``item`` by name with their codes): the second would silently replace the
    first."""

    code = "receipt_line_twice"


# the middle dot of a plate (云A·12345) and its look-alikes: not on a keyboard
PLATE_DOTS = frozenset("·・･•‧∙⋅")


def typeable(text: str) -> str:
    """A vehicle code as an order number carries it: full-width letters and digits as ASCII (NFKC), without the
    plate's middle dot or spaces (云Ａ·12345 → 云A12345); every other character (the province's 云) kept."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c not in PLATE_DOTS and not c.isspace())


def order_no_key(text: str) -> str:
    """An order number as typed and as stored compare by this: typeable, case ignored (dd1a2b3c4d-云a12345 finds
    DD1A2B3C4D-云A·12345, the number of an order written before numbers dropped the dot)."""
    return typeable(text).upper()


def stop_numbers(lines: Sequence[Mapping[str, object]]) -> list[int]:
    """The 序号 of each order line in route order, as the order prints it: it counts stops (kind, place and time),
    so several items of one stop share a number and a place visited twice has two."""
    out, stop, last = [], 0, None
    for ln in lines:
        here = (ln["kind"], ln["place_code"], ln["eta"])
        if here != last:
            stop, last = stop + 1, here
        out.append(stop)
    return out


class VoidAfterShipment(DomainError):
    """A plan one of whose orders has a shipped part cannot be voided (its goods left): re-plan the rest."""

    code = "void_after_shipment"


class ReceiptTimeInvalid(DomainError):
    """签收 time after now, or before the order's last part was shipped (``reason`` "future" / "before_shipment")."""

    code = "receipt_time_invalid"


class ReceiverInvalid(DomainError):
    """The receiver's name is blank once invisible characters are left out, holds a control character, or is too
    long for the order (64 characters)."""

    code = "receiver_invalid"


class ReplanNotPossible(DomainError):
    """Nothing to re-plan: the scenario has no open confirmed plan."""

    code = "replan_no_open_plan"


class PlanNotStored(ReplanNotPossible):
    """The open plan was confirmed before plans were kept in the database: void it and confirm again."""

    code = "replan_not_stored"


class ReplanUnknownVehicle(DomainError):
    """A broken truck the re-plan is told of is not in the plan's fleet (a typo re-planned as if nothing broke)."""

    code = "replan_unknown_vehicle"


class ReplanStale(DomainError):
    """An order the re-plan counted as open (not shipped) has shipped since: re-plan again."""

    code = "replan_stale"


class ReplanLost(ReplanStale):
    """The re-plan was made from a plan that is no longer the scenario's open one (another dispatcher's re-plan
    was confirmed first, or the plan was voided or closed)."""

    code = "replan_lost"


class PlanEditInvalid(DomainError):
    """An edited plan names a vehicle the plan does not have (`unknown_vehicle`) or adds or drops stops
    (`stops_changed`): only moving and reordering are edits."""

    code = "plan_edit_invalid"


# order states in their order; `void` only before anything was shipped, `superseded` by a confirmed re-plan
ORDER_STATES = ("pending", "picked", "shipped", "delivered", "closed", "void", "superseded")


class UnknownOrderState(DomainError):
    """An order list filtered by a state that is none of ``ORDER_STATES`` (it listed nothing, as if none matched)."""

    code = "unknown_order_state"


def check_order_state(state: str) -> None:
    """A state to filter orders by: empty (any) or one of ``ORDER_STATES``."""
    if state and state not in ORDER_STATES:
        raise UnknownOrderState(state=state, allowed="|".join(ORDER_STATES))


class ShipInvalid(DomainError):
    """A shipment's loaded quantities: an item not held at the depot, more than held or below zero, a shortfall
    without a reason from the catalogue, or 'other' without a note."""

    code = "ship_invalid"


# why a depot loaded less than it held (装车短少原因); 'other' needs a note in words
SHORT_REASONS = ("damaged", "not_found", "unusable", "vehicle_full", "other")


def loaded_per_hold(holds: list[tuple[str, int]], loaded: int) -> list[int]:
    """Spread the quantity loaded of one item over its holds in FEFO order ((hold key, held qty) pairs, earliest
    expiry first): the keeper loads the lots that expire first, so a shortfall comes off the latest lots."""
    out = []
    for _, qty in holds:
        take = max(0, min(qty, loaded))
        out.append(take)
        loaded -= take
    return out


def check_shipment(
    held: dict[str, int], loaded: dict[str, int], reason: str, note: str
) -> dict[str, tuple[int, int]]:
    """item → (held, loaded): items not named load in full; a shortfall needs a reason from SHORT_REASONS
    (and 'other' a note). Raises ShipInvalid naming the item and value before anything is written."""
    unknown = sorted(set(loaded) - set(held))
    if unknown:
        raise ShipInvalid(reason="unknown_line", line=unknown[0])
    out = {}
    for item, qty in sorted(held.items()):
        got = loaded.get(item, qty)
        if got < 0 or got > qty:
            raise ShipInvalid(reason="qty_range", line=f"{item}: {got}/{qty}")
        out[item] = (qty, got)
    if any(g < p for p, g in out.values()):
        if reason not in SHORT_REASONS:
            raise ShipInvalid(reason="reason_missing", line=reason or "—")
        if reason == "other" and not note.strip():
            raise ShipInvalid(reason="note_missing", line="other")
    return out
