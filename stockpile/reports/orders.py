"""Dispatch orders as the app's orders page and `relief order list` show them (one reading for both)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def vehicle_label(order: Mapping[str, Any]) -> str:
    """The truck as a dispatcher knows it: its name and plate (县库重卡 云L·A1234); its code where it has no name
    any more, and the plate once where the code is the plate. `order` is a row of list_orders."""
    first = order.get("vehicle_name") or order["vehicle"]
    plate = order.get("plate") or ""
    return first if plate in ("", first) else f"{first} {plate}"
