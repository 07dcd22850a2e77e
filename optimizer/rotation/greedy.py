"""Greedy fallback for one stock key when its MIP finds nothing in time: never rotate, top up on time.

Rule: keep every lot until it expires; at each bucket start, buy what the bucket's lowest day lacks from the
cheapest option that can arrive by then (at least its minimum order, at most its maximum and what the
quarter's remaining budget pays). Always sound (the checker accepts it), never clever.
"""

from __future__ import annotations

import numpy as np

from optimizer.rotation.problem import RotationAction, RotationProblem


def greedy_actions(p: RotationProblem, k: int, cap: tuple[int, ...] | None) -> list[RotationAction]:
    """Purchases only; ``cap`` limits spend per quarter (None = no limit)."""
    key, h, size = p.keys[k], p.horizon_days, p.bucket_days
    stock = np.zeros(h + 1, dtype=np.int64)
    for lot in key.lots:
        stock[min(lot.arrival_day, h)] += lot.qty
        stock[min(lot.expiry_day, h)] -= lot.qty
    counted = np.cumsum(stock[:h]) + key.agreement_counted
    need = np.array([p.standard_on(key, d) for d in range(h)], dtype=np.int64)
    left = list(cap) if cap is not None else None
    out: list[RotationAction] = []
    for start in range(0, h, size):
        end = min(start + size, h)
        deficit = int((need[start:end] - counted[start:end]).max())
        for o in sorted(key.options, key=lambda o: o.unit_price_fen):
            order_day = start - o.lead_days
            if deficit <= 0 or order_day < 0:
                continue
            qty = max(deficit, o.min_order_qty)
            if o.max_order_qty is not None:
                qty = min(qty, o.max_order_qty)
            q = p.quarter_of(order_day)
            if left is not None and o.unit_price_fen > 0:
                qty = min(qty, left[q] // o.unit_price_fen)
            if qty < o.min_order_qty or qty <= 0:
                continue
            if left is not None:
                left[q] -= qty * o.unit_price_fen
            expiry = start + o.shelf_life_days
            counted[start : min(expiry, h)] += qty
            deficit -= qty
            out.append(
                RotationAction(
                    order_day, key.key_id, "procure", f"new:{o.option_id}:{start}", qty, qty * o.unit_price_fen,
                    option_id=o.option_id, arrival_day=start, expiry_day=expiry,
                )
            )  # fmt: skip
    return out
