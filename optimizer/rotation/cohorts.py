"""Cohorts of the rotation model: lots a bucketed model cannot tell apart, and procurement candidates.

Lots of one key with the same arrival bucket, expiry bucket and waste rule are one cohort; its release
deadlines are those of its earliest-expiring lot, so they hold for every lot in it (exact with daily
buckets). ``jobs.to_actions`` splits a cohort release back onto its lots, earliest expiry first.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.rotation.problem import Lot, RotationProblem, StockKey


@dataclass(frozen=True, slots=True)
class Grid:
    """Bucket geometry: bucket b covers days ``start(b) … last(b)``."""

    horizon: int
    size: int

    @property
    def n(self) -> int:
        return -(-self.horizon // self.size)

    def start(self, b: int) -> int:
        return b * self.size

    def days(self, b: int) -> int:
        return min(self.start(b) + self.size, self.horizon) - self.start(b)


def release_windows(
    key: StockKey, grid: Grid, arrival: int, expiry: int, window: int
) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """Release buckets per channel: the last bucket start on or before the channel deadline, and the
    ``window - 1`` before it when the channel has a capacity; none if the deadline is beyond the horizon."""
    out = []
    first = -(-arrival // grid.size)
    for ci in useful_channels(key):
        ch = key.channels[ci]
        deadline = min(expiry - ch.min_remaining_days, expiry - 1)
        if deadline < arrival or deadline >= grid.horizon:
            continue
        last = deadline // grid.size
        if last < first:
            continue
        lo = last if ch.capacity_per_bucket is None else max(first, last - window + 1)
        out.append((ci, tuple(range(lo, last + 1))))
    return tuple(out)


def useful_channels(key: StockKey) -> list[int]:
    """Channels not dominated by an uncapacitated one that pays at least as much and accepts shorter life."""
    chans = key.channels
    return [
        i
        for i, b in enumerate(chans)
        if not any(
            a.capacity_per_bucket is None
            and a.value_fen >= b.value_fen
            and a.min_remaining_days <= b.min_remaining_days
            and (j < i or (a.value_fen, -a.min_remaining_days) != (b.value_fen, -b.min_remaining_days))
            for j, a in enumerate(chans)
            if j != i
        )
    ]


def is_waste_if_kept(key: StockKey, horizon: int, expiry: int) -> bool:
    """Unreleased units are waste if they expire in the horizon or pass every channel's deadline in it."""
    if expiry < horizon:
        return True
    return bool(key.channels) and max(expiry - c.min_remaining_days for c in key.channels) < horizon


@dataclass(slots=True)
class Cohort:
    """Lots (or one procurement) that the model cannot tell apart."""

    lots: list[Lot]
    qty: int
    arrival_bucket: int
    expiry_bucket: int | None
    waste: bool
    windows: tuple[tuple[int, tuple[int, ...]], ...]
    option: int | None = None  # procured cohort: option index (arrival bucket = arrival_bucket)


def build_cohorts(key: StockKey, p: RotationProblem, lead_zero: bool = False) -> list[Cohort]:
    """Existing lots grouped by signature (sorted FEFO inside), then one cohort per possible procurement."""
    grid = Grid(p.horizon_days, p.bucket_days)
    groups: dict[tuple[int, int, bool], Cohort] = {}
    for lot in sorted(key.lots, key=lambda x: (x.expiry_day, x.lot_id)):
        a_b = -(-lot.arrival_day // grid.size)
        sig = (a_b, lot.expiry_day // grid.size, is_waste_if_kept(key, grid.horizon, lot.expiry_day))
        if sig not in groups:  # the first lot expires first: its deadlines hold for the whole cohort
            x_b = sig[1] if lot.expiry_day < grid.horizon else None
            win = release_windows(key, grid, grid.start(a_b), lot.expiry_day, p.release_window_buckets)
            groups[sig] = Cohort([], 0, a_b, x_b, sig[2], win)
        groups[sig].lots.append(lot)
        groups[sig].qty += lot.qty
    out = list(groups.values())
    for oi, o in enumerate(key.options):
        lead = 0 if lead_zero else o.lead_days
        for b in range(-(-lead // grid.size), grid.n):
            e = grid.start(b) + o.shelf_life_days
            x_b = e // grid.size if e < grid.horizon else None
            win = release_windows(key, grid, grid.start(b), e, p.release_window_buckets)
            out.append(Cohort([], 0, b, x_b, is_waste_if_kept(key, grid.horizon, e), win, oi))
    return out
