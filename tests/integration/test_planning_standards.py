"""Reserve standards (储备定额) from the guiding catalogue, agreement imports, and the gap report."""

from __future__ import annotations

import io
from datetime import date

import pytest
import xlsxwriter

from stockpile.adapters.files.importers import read_table
from stockpile.adapters.repos.reserve import ReserveUnitOfWork
from stockpile.domain.errors import FileRejected
from stockpile.planning import gap as planning_gap
from stockpile.planning import standards_import as planning_import
from stockpile.planning.gap import rule_of
from stockpile.reserve.records import Standard, StandardBasis
from tests.conftest import NOW
from tests.support.reserve import CFG, add_contract, receive, set_standards, water_standard

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

HEAD = ["层级", "区划代码", "物资编码", "定额方式", "定额数量", "每千人每日", "保障天数", "协议占比上限%"]


def xlsx(rows: list[list[object]], header: list[str] = HEAD, merged: bool = False) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    ws = wb.add_worksheet("导入")
    if merged:
        ws.merge_range(0, 0, 0, 1, header[0])
        ws.write_row(0, 2, header[2:])
    else:
        ws.write_row(0, 0, header)
    for i, row in enumerate(rows, start=1):
        ws.write_row(i, 0, row)
    wb.close()
    return buf.getvalue()


def _import(engine, data: bytes):
    return planning_import.import_standards(
        read_table(data, "目录.xlsx"), "plan", ReserveUnitOfWork(engine), NOW
    )


def _standards(engine) -> list[Standard]:
    with ReserveUnitOfWork(engine) as uow:
        return uow.reserve.standards()


def test_catalogue_import_replaces_the_standards(engine, world):
    """A valid catalogue: county per-capita and township absolute rows become the standards."""
    data = xlsx(
        [
            ["县级", world.county, world.water, "人均", "", 30, 7, 50],
            ["乡级", "", world.tent, "绝对数量", 10, "", "", ""],
        ]
    )
    report = _import(engine, data)
    assert report.errors == [] and report.accepted == 2
    got = {s.item_code: s for s in _standards(engine)}
    assert rule_of(got[world.water]).required(300000) == 63000  # 300 000 × 30 × 7 / 1000
    assert got[world.water].agreement_cap_pct == 50
    assert got[world.tent].basis is StandardBasis.ABSOLUTE and got[world.tent].level == "township"


@pytest.mark.parametrize(
    ("row", "column", "code"),
    [
        (["县级", "", "9999999", "绝对数量", 5, "", "", ""], "物资编码", "unknown_item"),
        (["省级", "", "1010101", "绝对数量", 5, "", "", ""], "层级", "unknown_level"),
        (["县级", "", "1010101", "绝对数量", -5, "", "", ""], "定额数量", "negative_quantity"),
        (["乡级", "360499", "1010101", "绝对数量", 5, "", "", ""], "区划代码", "unknown_area"),
        (["县级", "", "1020101", "人均", "", "", 7, ""], "每千人每日", "norm_required"),
        # a typo's 999999999 × 999999999 per person overflowed the gap and the rotation plan
        (["县级", "", "1010101", "绝对数量", 10**12, "", "", ""], "定额数量", "qty_too_large"),
    ],
)
def test_bad_catalogue_row_is_a_row_column_value_error_and_nothing_is_committed(
    engine, world, row, column, code
):
    """Unknown item or level, negative quantity, wrong area: reported with row/column/value; old standards stay."""
    set_standards(engine, [water_standard(world, 100)], NOW)
    report = _import(engine, xlsx([["县级", "", world.pump, "绝对数量", 3, "", "", ""], row]))
    assert [(e.row, e.column, e.code) for e in report.errors] == [(3, column, code)]
    assert report.accepted == 0
    assert [s.item_code for s in _standards(engine)] == [world.water]


def test_days_of_supply_beyond_ten_years_are_refused(engine, world):
    """保障天数 999999999 (with 每千人每日) overflowed the gap and the rotation plan: refused, named, nothing kept."""
    set_standards(engine, [water_standard(world, 100)], NOW)
    report = _import(engine, xlsx([["县级", "", "1020101", "人均", "", 7, 999999999, ""]]))
    assert (2, "保障天数", "days_too_large") in [(e.row, e.column, e.code) for e in report.errors]
    assert report.accepted == 0 and [s.item_code for s in _standards(engine)] == [world.water]


def test_catalogue_with_merged_header_cells_is_refused_before_any_row(engine, world):
    """Merged header cells make the column mapping ambiguous: the file is refused, nothing imported."""
    with pytest.raises(FileRejected) as e:
        _import(engine, xlsx([["县级", "", world.tent, "绝对数量", 3, "", "", ""]], merged=True))
    assert e.value.code == "merged_header"
    assert _standards(engine) == []


def test_agreement_sheet_with_to_before_from_is_refused(engine, world):
    """A contract whose validity ends before it starts: a row error, no contract written."""
    head = ["协议编号", "储备单位编码", "物资编码", "协议数量", "有效期自", "有效期至"]
    data = xlsx([["XY-9", world.depot, world.water, 100, "2026-06-01", "2026-05-01"]], header=head)
    report = planning_import.import_agreements(read_table(data, "a.xlsx"), "plan", ReserveUnitOfWork(engine))
    assert [(e.column, e.code) for e in report.errors] == [("有效期至", "period_reversed")]
    with ReserveUnitOfWork(engine) as uow:
        assert uow.reserve.contracts() == []


def test_agreement_sheet_with_negative_quantity_is_refused(engine, world):
    """Negative agreed quantities are row errors; nothing is written."""
    head = ["协议编号", "储备单位编码", "物资编码", "协议数量", "有效期自", "有效期至"]
    data = xlsx([["XY-9", world.depot, world.water, -3, "2026-01-01", "2026-12-31"]], header=head)
    report = planning_import.import_agreements(read_table(data, "a.xlsx"), "plan", ReserveUnitOfWork(engine))
    assert [e.code for e in report.errors] == ["negative_quantity"]


def test_gap_counts_physical_and_capped_verified_agreement(engine, world):
    """Gap = standard − (unexpired physical + agreement up to its cap); expired lots never count."""
    add_contract(
        engine, world, date(2026, 1, 1), date(2026, 12, 31), agreed=1000, verified_on=date(2026, 5, 1)
    )
    receive(engine, world, world.depot, world.water, "W1", 300, date(2027, 1, 1), NOW)
    receive(engine, world, world.depot, world.water, "W0", 50, date(2026, 6, 10), NOW)
    set_standards(engine, [water_standard(world, 1000, cap=50)], NOW)
    rows = planning_gap.gap_report(ReserveUnitOfWork(engine), date(2026, 6, 15), CFG)["scopes"]
    [g] = rows
    assert (g["physical"], g["agreement"], g["agreement_counted"], g["gap"]) == (300, 1000, 500, 200)
    assert g["counted"] == 800 and g["coverage_pct"] == 80


def test_township_standard_applies_to_every_township_and_site_rows_carry_it(engine, world):
    """A level-wide township standard gives one row per township; its only site shows the same gap."""
    receive(engine, world, world.point, world.tent, "T1", 4, None, NOW)
    set_standards(engine, [Standard("township", "", world.tent, StandardBasis.ABSOLUTE, 10)], NOW)
    rep = planning_gap.gap_report(ReserveUnitOfWork(engine), NOW.date(), CFG)
    [g] = rep["scopes"]
    assert (g["area_code"], g["physical"], g["gap"]) == (world.township, 4, 6)
    [s] = [x for x in rep["sites"] if x["site_code"] == world.point]
    assert (s["standard"], s["gap"]) == (10, 6)
