"""Information publication of an event (信息发布, seeds 000:296): demand, production (agreement and capacity
reserves called off), storage (stock by township, no lot or depot detail) and transport (deliveries made and
pending) — figures only: no reporter, owner, donor, driver or phone leaves this module."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from stockpile import clock
from stockpile.domain.events import ReportRecord, UnknownEvent, latest_per_village
from stockpile.domain.registers import Publication
from stockpile.events.access import RepoOf
from stockpile.events.requisitions import RegsOf
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz

DELIVERED = ("delivered", "closed")  # order states whose goods have arrived; the others are on their way


def _people(reports: Sequence[ReportRecord]) -> list[tuple[str, int, int, int, int]]:
    """Per township, from each village's latest report: villages reporting, affected, relocated, houses."""
    own: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in latest_per_village(reports).values():
        row = own[r.township]
        row[0] += 1
        row[1] += r.affected
        row[2] += r.relocated
        row[3] += r.damaged_houses
    return [(t, v, a, rel, h) for t, (v, a, rel, h) in sorted(own.items())]


def publication(
    event_code: str, actor: str, uow: AbstractUnitOfWork, repo_of: RepoOf, regs_of: RegsOf
) -> Publication:
    """The four parts of the publication as figures (view_publication: dispatcher, planner, admin)."""

    def run() -> Publication:
        with uow:
            authz.require_role(uow, actor, "view_publication")
            repo, regs = repo_of(uow), regs_of(uow)
            ev = repo.event(event_code)
            if ev is None:
                raise UnknownEvent(event=event_code)
            demand: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
            for line in repo.requests(event_code):
                cell = demand[(line.township, line.item_code)]
                cell[0] += line.qty
                cell[1] += line.approved_qty or 0
            production: dict[tuple[str, str], int] = defaultdict(int)
            for kind, item, qty in regs.call_offs(event_code):
                production[(kind, item)] += qty
            moved: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            for state, item, qty in regs.deliveries(event_code):
                moved[item][0 if state in DELIVERED else 1] += qty
            return Publication(
                ev,
                clock.now(),
                _people(repo.reports(event_code)),
                [(t, i, q[0], q[1]) for (t, i), q in sorted(demand.items())],
                [(k, i, q) for (k, i), q in sorted(production.items())],
                sorted(regs.stock_by_area()),
                [(i, d, p) for i, (d, p) in sorted(moved.items())],
                {c: n for c, (n, _) in regs.area_names().items()},
                regs.item_names(),
            )

    return authz.guarded(uow, run)
