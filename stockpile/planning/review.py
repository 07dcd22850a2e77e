"""年度储备计划审查: the annual storage-plan review document and its workflow.

Rules:
- The document holds: standard vs actual per level and item, coverage within the guarantee circle (from the
  coverage issue; `coverage_within_circle` says "not yet available" until a provider is wired), the rotation
  list, the lots expiring before the plan starts (`before_start`, planning a later year: rotated now, under this
  year's plan) and the release channels no item may use (`absent_channels`), the procurement list with the budget per quarter, agreement renewals and the recommended changes.
- Workflow prepared → reviewed → approved. Preparing again is allowed until approval (it goes back to
  prepared); the approver must not be the preparer; approval freezes the document: a snapshot (canonical JSON +
  its sha256) is appended and the review can no longer change.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from stockpile.domain.errors import Cancelled
from stockpile.planning.agreements import agreement_alerts
from stockpile.planning.gap import gap_rows, load_data, move_to_agreement
from stockpile.planning.rotation import RotationReport, rotation_plan
from stockpile.ports.uow import AbstractReserveUnitOfWork
from stockpile.reserve.planning_errors import (
    ReviewFourEyes,
    ReviewMissing,
    ReviewSelfReview,
    ReviewWrongState,
)
from stockpile.reserve.records import PlanningConfig, Review, ReviewState, Snapshot
from stockpile.trust import authz

CoverageProvider = Callable[[], list[dict[str, Any]]]


def coverage_within_circle(
    provider: CoverageProvider | None,
    registered: Mapping[str, int] | None = None,
    reference_norms: bool = False,
) -> dict[str, Any]:
    """Hook for the guarantee-circle figures (1小时保障圈, coverage issue): rows when a provider is wired,
    otherwise `available: False` and the page/document shows "not yet available". Each row also gets its
    township's registered population (乡镇登记人口, `registered` by area code) beside the circle's village sum.
    `reference_norms`: the circle counted with the norms shipped with the program (the demo county's), which the
    signed document keeps so its readers are told."""
    if provider is None:
        return {"available": False, "rows": []}
    rows = [
        {**r, "population_registered": (registered or {}).get(str(r.get("area_code")))} for r in provider()
    ]
    return {"available": True, "rows": rows, "reference_norms": reference_norms}


def _plain(v: Any) -> Any:
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def standard_vs_actual(gaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gap rows summed per admin level × item."""
    agg: dict[tuple[str, str], dict[str, Any]] = {}
    for g in gaps:
        k = (g["scope"], g["item_code"])
        row = agg.setdefault(
            k,
            {
                "level": g["scope"],
                "item_code": g["item_code"],
                "item_name": g["item_name"],
                "unit": g["unit"],
                "areas": 0,
                "standard": 0,
                "counted": 0,
                "gap": 0,
                "areas_short": 0,
            },
        )
        row["areas"] += 1
        row["standard"] += g["standard"]
        row["counted"] += g["counted"]
        row["gap"] += g["gap"]
        row["areas_short"] += 1 if g["gap"] else 0
    return [agg[k] for k in sorted(agg)]


def recommendations(
    levels: list[dict[str, Any]], rot: RotationReport, moves: list[dict[str, Any]], alerts: list[Any]
) -> list[dict[str, Any]]:
    """Recommended changes as (code, params): raise stock where short, shift short-life items to agreements,
    renew expiring contracts, ask for budget where the standard cannot be held."""
    out: list[dict[str, Any]] = []
    for r in levels:
        if r["gap"]:
            item = {"item_code": r["item_code"], "item": r["item_name"]}
            out.append({"code": "raise_stock", "level": r["level"], **item, "qty": r["gap"]})
    for m in moves[:10]:
        item = {"item_code": m["item_code"], "item": m["item_name"]}
        out.append({"code": "move_to_agreement", **item, "qty": m["at_risk_qty"]})
    for a in alerts:
        if a.kind in ("contract_expiring", "contract_expired"):
            out.append({"code": "renew_contract", "contract": a.contract_code, "holder": a.holder_name})
    # per reason, the area/item pairs short and their items: bottles and tents do not add up to "unit-days"
    reasons: defaultdict[str, dict[str, str]] = defaultdict(dict)
    pairs: defaultdict[str, set[str]] = defaultdict(set)
    for e in rot.explanations:
        reasons[e["reason"]][e["key_id"].rsplit(":", 1)[-1]] = e["item_name"]
        pairs[e["reason"]].add(e["key_id"])
    for reason, items in sorted(reasons.items()):
        codes = sorted(items)
        out.append(
            {
                "code": f"short_{reason}",
                "keys": len(pairs[reason]),
                "item_codes": codes,
                "item_names": [items[c] for c in codes],
            }
        )
    return out


def build_document(
    uow: AbstractReserveUnitOfWork,
    year: int,
    today: date,
    cfg: PlanningConfig,
    coverage: CoverageProvider | None,
    stop: Callable[[], bool] | None = None,
    reference_norms: bool = False,
) -> dict[str, Any]:
    """The review content as plain JSON-able data (`stop`: a cancelled job ends its rotation early)."""
    data = load_data(uow)
    gaps = gap_rows(data, today, cfg)
    levels = standard_vs_actual(gaps)
    rot = rotation_plan(uow, year, today, cfg, stop)
    alerts = agreement_alerts(list(data.contracts), cfg, today)
    year_end = date(year, 12, 31)
    renewals = [
        {
            "contract_code": c.code,
            "holder_name": c.holder_name,
            "valid_to": c.valid_to,
            "lines": len(c.lines),
            "agreed_value_fen": sum(ln.agreed_qty * ln.price_fen for ln in c.lines),
            "subsidy_fen": c.subsidy_fen,
        }
        for c in data.contracts
        if c.valid_to <= year_end + timedelta(days=cfg.expiring_contract_days)
    ]
    procurement = [r for r in rot.schedule if r["action"] == "procure"]
    releases = [r for r in rot.schedule if r["action"] == "release"]
    budget = list(rot.problem.quarter_budget_fen or ())
    doc = {
        "year": year,
        "prepared_on": today,
        "plan_start": rot.start,
        "standard_vs_actual": levels,
        "coverage": coverage_within_circle(
            coverage, {a.code: a.population for a in data.areas}, reference_norms
        ),
        "rotation": releases,
        # planning a later year: lots gone by 1 January, to rotate now under this year's plan (not in this one)
        "before_start": rot.before_start,
        "absent_channels": rot.absent_channels,  # configured release channels no item may use (no partner)
        "procurement": procurement,
        "budget": {
            "spend_per_quarter_fen": list(rot.plan.spend_per_quarter_fen),
            "budget_per_quarter_fen": budget,
            "total_fen": sum(r["cost_fen"] for r in procurement),
        },
        "holds_standard": rot.plan.holds_standard,
        "shortfall_unit_days": rot.plan.shortfall_unit_days,  # kept in the data; a sum over different units
        "short_keys": len({e["key_id"] for e in rot.explanations}),
        "explanations": rot.explanations,
        "renewals": renewals,
        "recommendations": recommendations(levels, rot, move_to_agreement(data, today, cfg), alerts),
    }
    return _plain(doc)  # type: ignore[no-any-return]


def prepare_review(
    uow: AbstractReserveUnitOfWork,
    year: int,
    actor: str,
    today: date,
    now: datetime,
    cfg: PlanningConfig,
    coverage: CoverageProvider | None = None,
    notes: str = "",
    cancelled: Callable[[], bool] | None = None,
    reference_norms: bool = False,
) -> Review:
    """Prepare (or re-prepare) the year's review (planner, admin); an approved review is frozen. Run as a job,
    `cancelled` is asked once the (slow) document is built: a cancelled job writes no review."""
    authz.check(uow, actor, "prepare_review", str(year), now)  # POLICY before the (slow) document is built
    content = build_document(uow, year, today, cfg, coverage, cancelled, reference_norms)
    if cancelled is not None and cancelled():
        raise Cancelled()

    def body() -> Review:
        old = uow.reserve.review(year)
        if old is not None and old.state is ReviewState.APPROVED:
            raise ReviewWrongState(year=year, state=old.state.value, expected="prepared")
        rv = Review(year, ReviewState.PREPARED, content, actor, now, notes=notes)
        uow.reserve.save_review(rv)
        return rv

    return authz.write_as(uow, actor, "prepare_review", body, now, str(year))


def _load(uow: AbstractReserveUnitOfWork, year: int) -> Review:
    rv = uow.reserve.review(year)
    if rv is None:
        raise ReviewMissing(year=year)
    return rv


def mark_reviewed(uow: AbstractReserveUnitOfWork, year: int, actor: str, now: datetime) -> Review:
    """prepared → reviewed (planner, admin) by someone other than the preparer."""

    def body() -> Review:
        rv = _load(uow, year)
        if rv.state is not ReviewState.PREPARED:
            raise ReviewWrongState(year=year, state=rv.state.value, expected="prepared")
        if actor.upper() == rv.preparer.upper():
            raise ReviewSelfReview(preparer=rv.preparer)
        new = Review(
            rv.year, ReviewState.REVIEWED, rv.content, rv.preparer, rv.prepared_at, actor, now, notes=rv.notes
        )
        uow.reserve.save_review(new)
        return new

    return authz.write_as(uow, actor, "review_plan", body, now, str(year))


def canonical(content: dict[str, Any]) -> tuple[str, str]:
    """Canonical JSON (sorted keys, no spaces) and its sha256: what the approver signs."""
    blob = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return blob, hashlib.sha256(blob.encode("utf-8")).hexdigest()


def approve(uow: AbstractReserveUnitOfWork, year: int, actor: str, now: datetime) -> Snapshot:
    """reviewed → approved by an admin other than the preparer (four-eyes); the signed version is frozen
    (append-only)."""

    def body() -> Snapshot:
        rv = _load(uow, year)
        if rv.state is not ReviewState.REVIEWED:
            raise ReviewWrongState(year=year, state=rv.state.value, expected="reviewed")
        if actor == rv.preparer:
            raise ReviewFourEyes(preparer=rv.preparer)
        blob, digest = canonical(rv.content)
        new = Review(
            rv.year,
            ReviewState.APPROVED,
            rv.content,
            rv.preparer,
            rv.prepared_at,
            rv.reviewer,
            rv.reviewed_at,
            actor,
            now,
            rv.notes,
        )
        uow.reserve.save_review(new)
        snap = Snapshot(year, blob, digest, actor, now)
        uow.reserve.add_snapshot(snap)
        return snap

    return authz.write_as(uow, actor, "approve_review", body, now, str(year))


def current_review(uow: AbstractReserveUnitOfWork, year: int) -> tuple[Review | None, list[Snapshot]]:
    with uow:
        return uow.reserve.review(year), uow.reserve.snapshots(year)
