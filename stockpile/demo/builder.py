"""The fictional demo county 示范县 (code 369921): its workbook imported, then a year of history posted.

Everything here is invented: names, codes, populations and coordinates, shaped on a lake-side county like Chaisang
(000:24). The county's records come from its own county workbook (stockpile/resources/demo_county.xlsx: 12
township-level units, ~170 villages, 24 shelters, a county depot, an equipment store, 11 township points, a team
base, a custodial (代储) enterprise warehouse, three agreement holders, 44 items, standards, norms, fleet, agreements,
capacity and contracted transport), imported by the same onboarding use case a real county goes through
(`demo/workbook.py`). What a workbook cannot hold is built here: the logins' passwords (users.py), the flood drill
(dispatch.py), a year of movements posted through the real ledger engine (history.py, operations.py) and the
reserve history: checks, a call-off, a year of expiries (reserve.py). database.py guards the demo database.

Like bootstrap.py this module wires adapters and use cases together (it is a composition script).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from stockpile import clock
from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.files.geo import county_point
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.demo.database import (
    NotADemoDatabase,
    create_demo_database,
    database_label,
    has_data,
    require_demo_database,
    wipe,
)
from stockpile.demo.dispatch import build_scenario
from stockpile.demo.history import build_history
from stockpile.demo.reserve import build_reserve_demo
from stockpile.demo.scale import Built, Scale
from stockpile.demo.stock_plan import LIVING_POINT_ITEMS
from stockpile.demo.users import DEMO_PASSWORDS, build_keepers, build_staff
from stockpile.demo.workbook import COUNTY, contract_term, demo_items, demo_workbook
from stockpile.domain.errors import DomainError
from stockpile.ledger import stock
from stockpile.ledger.posting import post_batch
from stockpile.onboarding.county import import_county
from stockpile.schemas import CountCmd

__all__ = [
    "AS_OF_TIME",
    "COUNTY",
    "DEMO_PASSWORDS",
    "LIVING_POINT_ITEMS",
    "Built",
    "DemoWorkbookRefused",
    "NotADemoDatabase",
    "Scale",
    "build_demo",
    "build_history",
    "contract_term",
    "create_demo_database",
    "database_label",
    "demo_now",
    "has_data",
    "require_demo_database",
    "wipe",
]

AS_OF_TIME = time(17, 0)  # county time of an as-of date


@dataclass
class _Ctx:
    uow: SqlAlchemyUnitOfWork
    now: datetime
    built: Built
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def run(self, kind: str, cmd: Any) -> Any:
        decide: Any = {
            "receipt": stock.decide_receipt,
            "issue": stock.decide_issue,
            "transfer": stock.decide_transfer,
            "transfer_receive": stock.decide_receive_transfer,
            "count": stock.decide_count,
            "write_off": stock.decide_write_off,
            "reversal": stock.decide_reverse,
        }[kind]
        try:
            if kind == "count":
                cmd = self._realistic_count(cmd)
            draft, after = decide(self.uow.ledger, cmd, self.now)
            [res] = post_batch(self.uow, [draft], self.now)
        except DomainError:
            return None  # a generated event that the rules refuse (e.g. stock ran short) is simply skipped
        self.built.postings += 1
        self.built.movements += len(res.movement_seqs)
        return after(res) if after else res

    def _realistic_count(self, cmd: CountCmd) -> CountCmd:
        """Generated counts find the system quantity, now and then off by one or two (a real stocktake's variance)."""
        repo = self.uow.ledger
        item = stock.item_or_raise(repo, cmd.item_code)
        site = stock.site_or_raise(repo, cmd.site_code)
        lot = stock.lot_or_raise(repo, item, cmd.lot_no)
        system = repo.balance_as_of(site.id, lot.id, cmd.occurred_at)
        variance = self.rng.choice([0, 0, 0, 0, -1, 1, -2])
        return cmd.model_copy(update={"counted": max(0, system + variance)})


def demo_now(as_of: date | datetime | None = None) -> datetime:
    """The instant the demo is built as of: a date means 17:00 county time that day (the moment the test demo has
    always used, 09:00 UTC), a datetime is taken as is, None is the clock's now."""
    if as_of is None:
        at = clock.now()
    elif isinstance(as_of, datetime):
        at = clock.local(as_of)
    else:
        at = datetime.combine(as_of, AS_OF_TIME, tzinfo=clock.county_tz())
    return at.replace(microsecond=0)


def build_demo(
    url: str, scale: Scale | None = None, now: datetime | None = None, as_of: date | datetime | None = None
) -> Built:
    """Build the demo county into an empty (migrated) database at `url`, as of `as_of` (or the instant `now`;
    default: the clock's now). Every date in it (lots, expiries, contracts, checks, history, the drill's report
    time) is relative to that moment; the process clock is pinned there while it builds, so postings and audit
    entries carry demo-relative times. Only into a database created as a demo (`create_demo_database`); refused on
    any other database (`NotADemoDatabase`)."""
    require_demo_database(url)
    scale = scale or Scale()
    rng = random.Random(scale.seed)
    now = demo_now(now if now is not None else as_of)
    today = clock.local_day(now)
    with clock.pinned(now):
        return _build(url, scale, rng, now, today)


class DemoWorkbookRefused(RuntimeError):
    """The shipped demo workbook did not import cleanly (a broken resource): the problems, one per line."""


def _import_workbook(uow: SqlAlchemyUnitOfWork, today: date, now: datetime) -> None:
    """The demo county's workbook through the onboarding use case, as the demo admin."""
    report = import_county(demo_workbook(today), "admin", uow, county_point, now=now)
    if not report.ok:
        lines = (f"{p.sheet} {p.row} {p.column} {p.value}: {p.code}" for p in report.errors)
        raise DemoWorkbookRefused("\n".join(lines))


def _build(url: str, scale: Scale, rng: random.Random, now: datetime, today: date) -> Built:
    engine = make_engine(url)
    uow = SqlAlchemyUnitOfWork(engine)
    built = Built()
    with uow:
        build_staff(uow, now)  # the admin who imports the workbook
        uow.commit()
    _import_workbook(uow, today, now)
    with uow:
        sites = dict(uow.master.site_ids())
        items = demo_items(uow)
        build_keepers(uow, sites, now)
        build_scenario(uow.session, now)  # the flood drill on the imported villages and shelters
        uow.commit()
    with uow:
        ctx = _Ctx(uow, now, built)
        build_history(ctx, rng, items, sites, scale, today)
        uow.commit()
    build_reserve_demo(uow, today, now, stock.record_receipt)
    built.site_codes = sorted(sites)
    engine.dispose()
    return built
