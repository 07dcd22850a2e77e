"""Issue 21, determinism: VROOM's timeout in the race, the rule before session 20 against the current one, in one run.

VROOM gives each of its local searches timeout / searches from the search's own start (vroom src/problems/vrp.h).
Before session 20 the race passed the call's time left as the timeout, so 16-32 searches had 0.3-0.8 s each and a
longer search was cut, unseen, inside a step that ended early. Now, with three searches or more, the timeout is
``budget.VROOM_TIMEOUT_OF_LEFT`` × the time left (``engine._vroom_timeout``).

Each measure runs both rules interleaved on the same instance and machine:

- ``--step``: VROOM's step alone at the race's work for the limit (``race_vroom_work``), untimed, with the old
  timeout and with the current one: its wall time and a digest of its plan (a cut search shows as a plan other
  than the untimed one);
- default: the whole race (``plan_routes``, one core): cost by ``bench.vrp_eval``, unserved jobs, the steps the
  clock ended, wall time;
- ``--polish-kept``: the whole race with and without ending a PyVRP step that cannot fit before the call's end
  before the polish's share (``budget.pyvrp_fits``; "old" = never);
- ``--stretch``: the whole race with PyVRP and the polish capped at the limit (the rule of sessions 13-20, "old")
  and at the stretched end (``budget.stretch``: 1.5 × the limit up to 400 jobs, session 21), each run's plan as a
  digest so that repeated runs show whether the plan moved.

    .venv/bin/python -m bench.vrp_vroom_slices --step --cases M-pickup-1,RS-pickup-1 --runs 2
    .venv/bin/python -m bench.vrp_vroom_slices --cases M-pickup-2,RS-pickup-1 --runs 1
    .venv/bin/python -m bench.vrp_vroom_slices --polish-kept --cases S-delivery-1 --runs 1
    .venv/bin/python -m bench.vrp_vroom_slices --stretch --cases M-pickup-1 --runs 2
    .venv/bin/python -m bench.vrp_vroom_slices --stretch --only current --workers 2 --cases M-pickup-1 --runs 2
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable

from bench import vrp_roadnet
from bench.vrp_eval import evaluate, plan_of
from bench.vrp_family import instance
from optimizer.routing import budget, engine
from optimizer.routing.engine import plan_routes, race_vroom_work
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.solve import RoutingParams

UNTIMED_S = 3600.0
TimeoutRule = Callable[..., float]


def old_timeout(shares: engine._Shares, work: tuple[int, int], left_s: float, deterministic: bool) -> float:
    """The rule of sessions 13-19: the share for every search, within the time left (split into slices)."""
    return min(work[0] * shares.vroom_cap_s, left_s)


RULES: dict[str, TimeoutRule] = {"old": old_timeout, "current": engine._vroom_timeout}


def problem(name: str) -> RoutingProblem:
    """A road-graph instance (RS-pickup-1) or the family's (M-pickup-1)."""
    p = vrp_roadnet.named(name)
    if p is None:
        size, kind, seed = name.split("-")
        p = instance(size, kind, int(seed))[1]
    return p


def step(name: str, runs: int, limit: float) -> None:
    """VROOM's step alone: untimed, the old timeout, the current one."""
    from optimizer.routing import vroom_engine

    p = problem(name)
    work = race_vroom_work(p, RoutingParams(time_limit_s=limit, workers=1))
    if work is None:
        print(f"{name}: the race leaves VROOM out", flush=True)
        return
    shares = engine._Shares.of(p, RoutingParams(time_limit_s=limit, workers=1), time.monotonic())
    left = 0.94 * limit  # the call's time left when VROOM starts, about (the first plan took the rest)
    timeouts = {"untimed": UNTIMED_S, **{k: rule(shares, work, left, True) for k, rule in RULES.items()}}
    for _ in range(runs):
        for label, timeout in timeouts.items():
            model = vroom_engine.build_model(p)
            started = time.monotonic()
            sol = vroom_engine.search(model, work, timeout)
            wall = time.monotonic() - started
            digest = hashlib.sha1(sol.routes[["vehicle_id", "type", "id"]].to_csv().encode()).hexdigest()[:8]
            print(f"{name} n={len(p.jobs)} work={work} {label}: timeout {timeout:.1f} s "
                  f"(slice {timeout / work[0]:.2f} s), {wall:.2f} s, plan {digest}", flush=True)  # fmt: skip


def race(
    name: str, runs: int, limit: float, measure: str = "timeout", workers: int = 1, only: str = ""
) -> None:
    """The whole race under each rule of ``measure``, interleaved: "timeout" (VROOM's, ``RULES``), "polish_kept"
    (with and without ending a PyVRP step that cannot fit before the polish's share, ``budget.pyvrp_fits``) or
    "stretch" (PyVRP and the polish capped at the limit or at ``budget.stretch`` × it). ``workers`` > 1: the
    multi-core race (its other processes always run the current rules: run it with ``only="current"``); ``only``:
    that arm alone."""
    p = problem(name)
    target, arms = {
        "timeout": (engine, {"_vroom_timeout": dict(RULES)}),
        "polish_kept": (budget, {"pyvrp_fits": {"old": lambda *a: True, "current": budget.pyvrp_fits}}),
        "stretch": (budget, {"stretch": {"old": lambda *a: 1.0, "current": budget.stretch}}),
    }[measure]
    [(attr, rules)] = arms.items()
    for _ in range(runs):
        for label, rule in rules.items():
            if only and label != only:
                continue
            setattr(target, attr, rule)
            try:
                started = time.monotonic()
                r = plan_routes(p, RoutingParams(time_limit_s=limit, workers=workers))
                wall = time.monotonic() - started
            finally:
                setattr(target, attr, rules["current"])
            plan = plan_of(r)
            e = evaluate(p, plan)
            digest = hashlib.sha1(repr(plan).encode()).hexdigest()[:8]
            print(f"{name} {label}: cost {e.cost} unserved {e.unserved} valid {e.valid} plan {digest} "
                  f"cut {','.join(r.cut_by_clock) or 'none'} wall {wall:.2f} s engine {r.engine}", flush=True)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="M-pickup-1,RS-pickup-1")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--limit", type=float, default=10.0)
    ap.add_argument("--step", action="store_true", help="VROOM's step alone, not the whole race")
    ap.add_argument(
        "--polish-kept", action="store_true", help="PyVRP ended before the polish when it cannot fit"
    )
    ap.add_argument(
        "--stretch", action="store_true", help="PyVRP and the polish capped at the limit or past it"
    )
    ap.add_argument(
        "--workers", type=int, default=1, help="cores for the race (others run the current rules)"
    )
    ap.add_argument("--only", choices=("old", "current"), default="", help="that arm alone")
    args = ap.parse_args()
    for name in args.cases.split(","):
        if args.step:
            step(name, args.runs, args.limit)
        else:
            measure = "stretch" if args.stretch else "polish_kept" if args.polish_kept else "timeout"
            race(name, args.runs, args.limit, measure, args.workers, args.only)


if __name__ == "__main__":
    main()
