"""A second county built only from its workbook: 上犹县 imported, idempotent, exported and imported back
unchanged, documents print its bureau, its area comes from its townships."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from stockpile import clock
from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.county import CountyRow
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from tests.support import county_book
from tests.support.factory import seed_users


@pytest.fixture
def svc(engine, db_url):
    seed_users(engine, {"admin": ("admin", ()), "planner": ("planner", ())})
    return build_services(Settings(database_url=db_url))


def test_second_county_imports_and_round_trips(svc, engine):
    data = county_book.xlsx(county_book.sheets(clock.today()))
    preview = svc.onboarding.import_workbook(data, "admin", dry_run=True)
    assert preview.ok, preview.errors
    assert preview.counts()["added"] > 20 and not preview.committed
    with engine.connect() as c:
        assert c.execute(select(CountyRow)).first() is None  # a dry run writes nothing
    first = svc.onboarding.import_workbook(data, "admin")
    assert first.ok and first.committed, first.errors
    again = svc.onboarding.import_workbook(data, "admin")
    assert again.ok and again.changes == [] and not again.committed  # the same file twice changes nothing
    exported = svc.onboarding.export_workbook("admin")
    back = svc.onboarding.import_workbook(exported, "admin")
    assert back.ok and back.changes == [], back.changes  # export → import changes nothing
    with engine.connect() as c:
        bureau = c.execute(select(CountyRow.bureau)).scalar_one()
        a = orm.AdminAreaRow
        population = c.execute(select(a.population).where(a.code == "360724")).scalar_one()
    assert bureau == "上犹县应急管理局" and population == sum(t[4] for t in county_book.TOWNSHIPS)
    assert svc.reads.documents.bureau() == "上犹县应急管理局"


def test_the_preview_names_records_as_a_person_reads_them(svc):
    """Each change names its record (乡镇名称, 名称) beside the code, and a key's choice by its label: 县级/…, not
    county/… (a 600-village preview listed codes only)."""
    preview = svc.onboarding.import_workbook(
        county_book.xlsx(county_book.sheets(clock.today())), "admin", dry_run=True
    )
    towns = {c.key: c.name for c in preview.changes if c.sheet == "乡镇"}
    assert towns[county_book._town(1)] == county_book.TOWNSHIPS[0][0]
    standards = [c.key for c in preview.changes if c.sheet == "储备定额"]
    assert standards and all(k.split("/")[0] in ("县级", "乡镇级", "村级") for k in standards), standards
