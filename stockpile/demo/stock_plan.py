"""What the demo's depots normally hold, and the lots they receive it in (invented for the demo)."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

LIVING_POINT_ITEMS = [
    "1010101",
    "1010201",
    "1010301",
    "1010402",
    "1020101",
    "1020201",
    "1020202",
    "1030101",
    "1030302",
    "2010101",
    "2020101",
    "2020102",
    "2020201",
    "2020202",
    "2030201",
    "3020101",
]


def stock_plan(items: dict[str, dict[str, Any]], sites: dict[str, int]) -> list[tuple[str, str, int]]:
    """(site, item, target qty) pairs: what each depot normally holds."""
    plan: list[tuple[str, str, int]] = []
    for code, r in items.items():
        base = max(5, int(3_000_000 / max(int(r["price_fen"]), 50)))  # cheaper goods in larger numbers
        base = min(base, 24000)
        if code.startswith("1"):
            plan.append(("XJK", code, base))
        elif code.startswith("204"):
            plan.append(("SLXF", code, max(10, base // 3)))
        else:
            plan.append(("FXK", code, max(4, base // 2)))
    for s in sites:
        if s.startswith("XZ"):
            plan += [
                (s, c, max(10, min(2400, int(2_000_000 / max(int(items[c]["price_fen"]), 50)))))
                for c in LIVING_POINT_ITEMS
            ]
    plan += [("DC-WLY", "1010201", 3000), ("DC-WLY", "1010101", 400), ("DC-WLY", "1010301", 600)]
    return plan


def lot_expiry(rng: random.Random, r: dict[str, Any], today: date) -> tuple[date | None, date | None]:
    """A lot's expiry and manufacturing date (None, None for goods without a shelf life)."""
    if not r["shelf_life_days"]:
        return None, None
    life = int(r["shelf_life_days"])
    expiry = today + timedelta(days=rng.choice([-12, 5, 20, 45, 75, 120, 200, 300, 420, 600, 800]))
    expiry = min(expiry, today + timedelta(days=life))
    return expiry, expiry - timedelta(days=life)


def client_id(rng: random.Random) -> uuid.UUID:
    """A seeded command id (uuid4 shaped)."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)
