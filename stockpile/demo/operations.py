"""A year of demo operations after the first receipts (invented for the demo): drills and rotations, transfers
from the county depot to the township points, a flood's relief issues, stocktakes, write-offs and one mistaken
issue (reversed later)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from stockpile.demo.scale import Scale
from stockpile.demo.stock_plan import LIVING_POINT_ITEMS, client_id
from stockpile.domain.model import IssuePurpose, WriteOffReason
from stockpile.schemas import CountCmd, IssueCmd, TransferCmd, WriteOffCmd

Event = tuple[datetime, str, Any]  # when, command kind, command


def add_operations(
    events: list[Event],
    rng: random.Random,
    plan: list[tuple[str, str, int]],
    lots_of: dict[tuple[str, str], list[str]],
    start: datetime,
    scale: Scale,
) -> None:
    """Append the year's operations for every (site, item) of ``plan`` to ``events`` (in generation order)."""
    flood = start + timedelta(days=200)
    points = sorted({s for s, _, _ in plan if s.startswith("XZ")})
    for site, code, qty in plan:
        _drills(events, rng, start, scale, site, code, qty)
        if site == "XJK" and rng.random() < 0.5:
            _transfers_to_points(events, rng, start, scale, points, code, qty)
        if site in points[:4] and code in LIVING_POINT_ITEMS[:8]:
            _flood_issue(events, rng, flood, site, code, qty)
        for lot_no in lots_of[(site, code)]:
            _lot_checks(events, rng, start, scale, site, code, lot_no)
    at = start + timedelta(days=150)
    events.append(
        (
            at,
            "issue",
            IssueCmd(
                client_id=client_id(rng),
                actor="keeper_demo",
                occurred_at=at,
                site_code="XJK",
                item_code="1010201",
                qty=12,
                purpose=IssuePurpose.DRILL,
                remark="录入错误",
            ),
        )
    )


def _at(rng: random.Random, start: datetime, lo: float, hi: float) -> datetime:
    """A random working moment between day ``lo`` and day ``hi`` of the history."""
    return start + timedelta(days=rng.uniform(lo, hi), hours=rng.uniform(0, 9))


def _drills(
    events: list[Event], rng: random.Random, start: datetime, scale: Scale, site: str, code: str, qty: int
) -> None:
    """Small drill and rotation issues, each round with even odds."""
    for _ in range(2 + scale.extra_issue_rounds):
        if rng.random() < 0.5:
            events.append(
                (
                    _at(rng, start, 45, scale.history_days - 2),
                    "issue",
                    IssueCmd(
                        client_id=client_id(rng),
                        actor="keeper_demo",
                        occurred_at=_at(rng, start, 45, scale.history_days - 2),
                        site_code=site,
                        item_code=code,
                        qty=max(1, int(qty * rng.uniform(0.01, 0.05))),
                        purpose=IssuePurpose(rng.choice(["drill", "drill", "rotation"])),
                        event_tag="年度演练",
                    ),
                )
            )


def _transfers_to_points(
    events: list[Event],
    rng: random.Random,
    start: datetime,
    scale: Scale,
    points: list[str],
    code: str,
    qty: int,
) -> None:
    """Transfers of an item from the county depot XJK to two township points."""
    for dst in rng.sample(points, 2):
        at = _at(rng, start, 60, scale.history_days - 5)
        events.append(
            (
                at,
                "transfer",
                TransferCmd(
                    client_id=client_id(rng),
                    actor="keeper_demo",
                    occurred_at=at,
                    from_site_code="XJK",
                    to_site_code=dst,
                    item_code=code,
                    qty=max(1, int(qty * rng.uniform(0.02, 0.06))),
                    doc_no=f"DB{at:%Y%m%d}",
                ),
            )
        )


def _flood_issue(
    events: list[Event], rng: random.Random, flood: datetime, site: str, code: str, qty: int
) -> None:
    """A relief issue in the flood's first hours."""
    at = flood + timedelta(hours=rng.uniform(2, 30))
    events.append(
        (
            at,
            "issue",
            IssueCmd(
                client_id=client_id(rng),
                actor="keeper_demo",
                occurred_at=at,
                site_code=site,
                item_code=code,
                qty=max(1, int(qty * rng.uniform(0.1, 0.3))),
                purpose=IssuePurpose.RELIEF,
                event_tag="明湖洪涝(示例)",
            ),
        )
    )


def _lot_checks(
    events: list[Event],
    rng: random.Random,
    start: datetime,
    scale: Scale,
    site: str,
    code: str,
    lot_no: str,
) -> None:
    """Now and then a stocktake of the lot (the count is made realistic when it runs), rarely a damaged unit
    written off."""
    if rng.random() < 0.25:
        at = _at(rng, start, 90, scale.history_days - 1)
        events.append(
            (
                at,
                "count",
                CountCmd(
                    client_id=client_id(rng),
                    actor="keeper_demo",
                    occurred_at=at,
                    site_code=site,
                    item_code=code,
                    lot_no=lot_no,
                    counted=0,
                ),
            )
        )
    if rng.random() < 0.04:
        at = _at(rng, start, 100, scale.history_days - 1)
        events.append(
            (
                at,
                "write_off",
                WriteOffCmd(
                    client_id=client_id(rng),
                    actor="keeper_demo",
                    occurred_at=at,
                    site_code=site,
                    item_code=code,
                    lot_no=lot_no,
                    qty=1,
                    reason=WriteOffReason.DAMAGED,
                ),
            )
        )
