"""Coverage inside the guarantee circle: who can receive their requirement within T, from which stock; siting of
new reserve points (max covering) and pre-positioning of existing stock."""

from optimizer.coverage.prepositioning import solve_prepositioning
from optimizer.coverage.problem import (
    CoverageProblem,
    CoverageResult,
    DemandPoint,
    GapReason,
    ThresholdCoverage,
    TownshipCoverage,
    UncoveredItem,
)
from optimizer.coverage.siting import coverage_classes, solve_max_covering
from optimizer.coverage.siting_check import evaluate_prepositioning, evaluate_siting
from optimizer.coverage.siting_problem import (
    Move,
    PrepositionGap,
    PrepositionProblem,
    PrepositionResult,
    SitingProblem,
    SitingResult,
)
from optimizer.coverage.solve import competitive_coverage, compute_coverage, reachable_points
from optimizer.sources import UNREACHABLE, Source, SourceKind

__all__ = [
    "UNREACHABLE",
    "CoverageProblem",
    "CoverageResult",
    "DemandPoint",
    "GapReason",
    "Move",
    "PrepositionGap",
    "PrepositionProblem",
    "PrepositionResult",
    "SitingProblem",
    "SitingResult",
    "Source",
    "SourceKind",
    "ThresholdCoverage",
    "TownshipCoverage",
    "UncoveredItem",
    "competitive_coverage",
    "compute_coverage",
    "coverage_classes",
    "evaluate_prepositioning",
    "evaluate_siting",
    "reachable_points",
    "solve_max_covering",
    "solve_prepositioning",
]
