"""A year of the demo county's movements (invented for the demo): lots received, then the year's operations,
replayed in time order through a runner that posts them (the builder's, through the real ledger engine)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from stockpile.demo.operations import Event, add_operations
from stockpile.demo.scale import Scale
from stockpile.demo.stock_plan import client_id, lot_expiry, stock_plan
from stockpile.domain.model import LotSource, OwnerType
from stockpile.schemas import ReceiptCmd, ReceiveTransferCmd, ReverseCmd


class Runner(Protocol):
    """Posts one generated command of a kind ("receipt", "issue", …); None when the rules refuse it."""

    now: datetime

    def run(self, kind: str, cmd: Any) -> Any: ...


def build_history(
    ctx: Runner,
    rng: random.Random,
    items: dict[str, dict[str, Any]],
    sites: dict[str, int],
    scale: Scale,
    today: date,
) -> None:
    """A year of receipts, transfers, drills, a flood, stocktakes, write-offs and a reversal, in time order."""
    start = ctx.now - timedelta(days=scale.history_days)
    plan = stock_plan(items, sites)
    events, lots_of = _receipts(rng, items, plan, start, scale, today)
    add_operations(events, rng, plan, lots_of, start, scale)
    events.sort(key=lambda e: e[0])
    _replay(ctx, rng, events)


def _receipts(
    rng: random.Random,
    items: dict[str, dict[str, Any]],
    plan: list[tuple[str, str, int]],
    start: datetime,
    scale: Scale,
    today: date,
) -> tuple[list[Event], dict[tuple[str, str], list[str]]]:
    """The first receipts (one to a few lots per site and item, in the history's first 40 days, before expiry),
    and the lot numbers per (site, item)."""
    events: list[Event] = []
    lots_of: dict[tuple[str, str], list[str]] = {}
    for n, (site, code, qty) in enumerate(plan):
        r = items[code]
        for k in range(rng.randint(*scale.lots_per_key)):
            expiry, made = lot_expiry(rng, r, today)
            at = start + timedelta(days=rng.uniform(0, 40), hours=rng.uniform(8, 17) - 8)
            if expiry is not None and expiry <= at.date():
                at = datetime.combine(expiry - timedelta(days=rng.randint(30, 90)), datetime.min.time(), UTC)
                at = max(at, start)
            lot_no = f"{code[-4:]}-{today.year - 1}{n:03d}{k}"
            lots_of.setdefault((site, code), []).append(lot_no)
            events.append(
                (
                    at,
                    "receipt",
                    ReceiptCmd(
                        client_id=client_id(rng),
                        actor="keeper_demo",
                        occurred_at=at,
                        site_code=site,
                        item_code=code,
                        lot_no=lot_no,
                        qty=max(2, int(qty * rng.uniform(0.5, 0.9))),
                        expiry=expiry,
                        manufactured_on=made,
                        owner_type=OwnerType.GOVERNMENT,
                        source=LotSource(rng.choice(["procured"] * 8 + ["donated"])),
                        donor="爱心企业(示例)" if rng.random() < 0.1 else "",
                        supplier="示例供应商",
                        inspector="验收员甲",
                        doc_no=f"RK{at:%Y%m%d}{n:04d}",
                    ),
                )
            )
    return events, lots_of


def _replay(ctx: Runner, rng: random.Random, events: list[Event]) -> None:
    """Post the events in time order: most transfers are received a few hours later, the mistaken issue is
    reversed two hours after it; transfers due by ``ctx.now`` are received at the end."""
    transfers: list[tuple[datetime, uuid.UUID]] = []
    for at, kind, cmd in events:
        while transfers and transfers[0][0] <= at:
            _receive(ctx, rng, *transfers.pop(0))
        res = ctx.run(kind, cmd)
        if kind == "transfer" and res is not None and rng.random() < 0.9:
            transfers.append((at + timedelta(hours=rng.uniform(1, 6)), res.transfer_id))
        if kind == "issue" and res is not None and cmd.remark == "录入错误" and rng.random() < 1.0:
            ctx.run(
                "reversal",
                ReverseCmd(
                    client_id=client_id(rng),
                    actor="keeper_demo",
                    occurred_at=at + timedelta(hours=2),
                    posting_id=res.posting_id,
                    remark="冲销录入错误",
                ),
            )
    for t_at, tid in transfers:
        if t_at <= ctx.now:
            _receive(ctx, rng, t_at, tid)


def _receive(ctx: Runner, rng: random.Random, t_at: datetime, tid: uuid.UUID) -> None:
    ctx.run(
        "transfer_receive",
        ReceiveTransferCmd(client_id=client_id(rng), actor="keeper_demo", occurred_at=t_at, transfer_id=tid),
    )
