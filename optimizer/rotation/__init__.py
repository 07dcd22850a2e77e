"""Rotation (轮换): when to release which expiring lots and when to buy how much, so stock never dips below the
reserve standard; a MIP with a greedy fallback and an independent checker."""

from optimizer.rotation.check import check_rotation
from optimizer.rotation.problem import (
    Lot,
    ProcurementOption,
    ReleaseChannel,
    RotationAction,
    RotationParams,
    RotationPlan,
    RotationProblem,
    ShortfallExplanation,
    StockKey,
    StockSeries,
)
from optimizer.rotation.solve import assemble_plan, greedy_plan, plan_rotation

__all__ = [
    "Lot",
    "ProcurementOption",
    "ReleaseChannel",
    "RotationAction",
    "RotationParams",
    "RotationPlan",
    "RotationProblem",
    "ShortfallExplanation",
    "StockKey",
    "StockSeries",
    "assemble_plan",
    "check_rotation",
    "greedy_plan",
    "plan_rotation",
]
