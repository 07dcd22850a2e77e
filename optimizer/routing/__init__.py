"""Routing: pickup-and-delivery with time windows, multi-trip and a mixed fleet (OR-Tools and PyVRP), the
independent plan checker, replanning and the VRP JSON / Solomon / TSPLIB readers."""

from optimizer.routing.check import StockUse, verify
from optimizer.routing.engine import ENGINES, plan_routes
from optimizer.routing.problem import (
    DEFAULT_PENALTY,
    UNREACHABLE,
    Depot,
    Job,
    LogEntry,
    Objective,
    ProgressCallback,
    Route,
    RoutingProblem,
    RoutingResult,
    Status,
    Stop,
    StopFlag,
    TravelMatrix,
    Unserved,
    Vehicle,
    drop_penalty,
)
from optimizer.routing.replan import replan
from optimizer.routing.schedule import diagnose, earliest_start, objective_of, schedule_route
from optimizer.routing.solve import RoutingParams, solve_routes
from optimizer.routing.split import AllocationLine as SplitLine
from optimizer.routing.split import split_allocation
from optimizer.routing.vrp_json import (
    parse_solomon,
    parse_tsplib,
    parse_vrplib_vrptw,
    problem_from_json,
    result_to_json,
    solve_vrp,
)

__all__ = [
    "DEFAULT_PENALTY",
    "ENGINES",
    "UNREACHABLE",
    "Depot",
    "Job",
    "LogEntry",
    "Objective",
    "ProgressCallback",
    "Route",
    "RoutingParams",
    "RoutingProblem",
    "RoutingResult",
    "SplitLine",
    "Status",
    "StockUse",
    "Stop",
    "StopFlag",
    "TravelMatrix",
    "Unserved",
    "Vehicle",
    "diagnose",
    "drop_penalty",
    "earliest_start",
    "objective_of",
    "parse_solomon",
    "parse_tsplib",
    "parse_vrplib_vrptw",
    "plan_routes",
    "problem_from_json",
    "replan",
    "result_to_json",
    "schedule_route",
    "solve_routes",
    "solve_vrp",
    "split_allocation",
    "verify",
]
