"""年度储备计划审查: workflow prepared → reviewed → approved (approver ≠ preparer), frozen signed snapshot,
and exports that open as real documents (openpyxl; LibreOffice and pdftoppm when installed)."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from dataclasses import replace
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from stockpile.adapters.documents import review as review_documents
from stockpile.adapters.repos.reserve import ReserveUnitOfWork
from stockpile.i18n import current_lang
from stockpile.planning import review as planning_review
from stockpile.reserve.planning_errors import ReviewFourEyes, ReviewSelfReview, ReviewWrongState
from tests.conftest import NOW
from tests.support.reserve import CFG, receive, set_standards, water_standard

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

YEAR = 2026
TODAY = NOW.date()


@pytest.fixture
def prepared(engine, world):
    receive(engine, world, world.depot, world.water, "W1", 600, TODAY + timedelta(days=40), NOW)
    set_standards(engine, [water_standard(world, 1000)], NOW)
    planning_review.prepare_review(
        ReserveUnitOfWork(engine), YEAR, "admin", TODAY, NOW, replace(CFG, time_limit_s=2)
    )
    return lambda: ReserveUnitOfWork(engine)


def test_review_document_holds_every_section(prepared):
    """Standard vs actual, coverage hook, rotation, procurement with budget, renewals, recommendations."""
    rv, _ = planning_review.current_review(prepared(), YEAR)
    doc = rv.content
    assert {
        "standard_vs_actual",
        "coverage",
        "rotation",
        "procurement",
        "budget",
        "renewals",
        "recommendations",
    } <= doc.keys()
    assert doc["coverage"] == {"available": False, "rows": []}
    [row] = doc["standard_vs_actual"]
    assert (row["level"], row["standard"], row["counted"], row["gap"]) == ("county", 1000, 600, 400)
    assert doc["budget"]["total_fen"] == sum(r["cost_fen"] for r in doc["procurement"]) > 0


def test_coverage_hook_fills_the_section_when_a_provider_is_wired():
    """Until the circle issue lands the hook says not available; with a provider it carries its rows."""
    assert planning_review.coverage_within_circle(None)["available"] is False
    rows = [{"area_code": "101", "area_name": "城关镇", "population_villages": 1, "covered_pct": 100}]
    assert planning_review.coverage_within_circle(lambda: rows, {"101": 7}) == {
        "available": True,
        "rows": [{**rows[0], "population_registered": 7}],
        "reference_norms": False,
    }


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_review_counted_with_reference_norms_says_so_in_every_document(engine, world, tmp_path):
    """A county that gave no circle norms of its own reads, in the signed review's workbook and PDF, that the
    coverage figures are the demo county's reference assumptions; with its own norms nothing is said."""
    rows = [{"area_code": "101", "area_name": "城关镇", "population_villages": 10, "covered_pct": 100}]
    set_standards(engine, [water_standard(world, 1000)], NOW)
    cfg = replace(CFG, time_limit_s=2)
    texts = {}
    for reference in (True, False):
        uow = ReserveUnitOfWork(engine)
        planning_review.prepare_review(
            uow, YEAR, "admin", TODAY, NOW, cfg, lambda: rows, reference_norms=reference
        )
        doc, meta = _doc(lambda: ReserveUnitOfWork(engine))
        assert doc["coverage"]["reference_norms"] is reference
        wb = openpyxl.load_workbook(io.BytesIO(review_documents.to_xlsx(doc, meta)))
        summary = [str(c.value) for row in wb["概要"].iter_rows() for c in row if c.value is not None]
        pdf = tmp_path / f"review-{reference}.pdf"
        pdf.write_bytes(review_documents.to_pdf(doc, meta))
        said = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        texts[reference] = (" ".join(summary), said.replace("\n", ""))
    assert "参考定额" in texts[True][0] and "参考定额" in texts[True][1]
    assert "参考定额" not in texts[False][0] and "参考定额" not in texts[False][1]


def test_workflow_runs_prepared_reviewed_approved_and_freezes_a_signed_snapshot(prepared):
    """Approval by another person stores canonical JSON whose sha256 is recorded; the review is then frozen."""
    planning_review.mark_reviewed(prepared(), YEAR, "plan", NOW)
    snap = planning_review.approve(prepared(), YEAR, "admin2", NOW)
    rv, snaps = planning_review.current_review(prepared(), YEAR)
    assert rv.state.value == "approved" and rv.approver == "admin2" and snaps == [snap]
    assert hashlib.sha256(snap.content.encode()).hexdigest() == snap.sha256
    assert planning_review.canonical(rv.content) == (snap.content, snap.sha256)
    with pytest.raises(ReviewWrongState):
        planning_review.prepare_review(prepared(), YEAR, "admin", TODAY, NOW, CFG)


def test_preparer_cannot_approve_their_own_review(prepared):
    """Four eyes: the approver must not be the preparer; nothing is signed."""
    planning_review.mark_reviewed(prepared(), YEAR, "plan", NOW)
    with pytest.raises(ReviewFourEyes):
        planning_review.approve(prepared(), YEAR, "admin", NOW)
    assert planning_review.current_review(prepared(), YEAR)[1] == []


def test_preparer_cannot_mark_their_own_review_reviewed(prepared):
    """Four eyes at 审核 too: the preparer's own 已审核 is refused (in any letter case); the review stays prepared."""
    preparer = planning_review.current_review(prepared(), YEAR)[0].preparer
    with pytest.raises(ReviewSelfReview):
        planning_review.mark_reviewed(prepared(), YEAR, preparer.upper(), NOW)
    assert planning_review.current_review(prepared(), YEAR)[0].state.value == "prepared"


def test_approval_needs_a_reviewed_document(prepared):
    """prepared → approved directly is refused."""
    with pytest.raises(ReviewWrongState):
        planning_review.approve(prepared(), YEAR, "admin2", NOW)


def test_signed_snapshot_is_append_only(prepared, engine):
    """The frozen version cannot be updated or deleted in the database."""
    planning_review.mark_reviewed(prepared(), YEAR, "plan", NOW)
    planning_review.approve(prepared(), YEAR, "admin2", NOW)
    for sql in ("UPDATE reserve_review_snapshot SET sha256 = 'x'", "DELETE FROM reserve_review_snapshot"):
        with pytest.raises(DBAPIError), engine.begin() as c:
            c.execute(text(sql))


def _doc(prepared):
    rv, _ = planning_review.current_review(prepared(), YEAR)
    return rv.content, {"state": rv.state.value, "preparer": rv.preparer, "reviewer": None, "approver": None}


def test_xlsx_export_opens_with_a_sheet_per_section(prepared):
    """The workbook opens and carries summary, sections and recommendations with Chinese headers."""
    wb = openpyxl.load_workbook(io.BytesIO(review_documents.to_xlsx(*_doc(prepared))))
    assert wb.sheetnames[0] == "概要" and "轮换清单" in wb.sheetnames
    assert wb["保障圈覆盖情况"]["A2"].value.startswith("暂不可用")


def test_summary_counts_short_pairs_not_a_sum_over_units(prepared):
    """Bottles and tents do not add up: the summary names how many area/item pairs fall short, never a
    unit-days total over different items."""
    doc, meta = _doc(prepared)
    wb = openpyxl.load_workbook(io.BytesIO(review_documents.to_xlsx(doc, meta)))
    cells = [str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value is not None]
    assert "未达定额的区域/物资组合数" in cells and "缺口（单位·天）" not in cells
    assert doc["short_keys"] == len({e["key_id"] for e in doc["explanations"]})


def test_pdf_export_embeds_the_cjk_font(prepared):
    """The PDF is a real PDF with the WenQuanYi font embedded (a reader without CJK fonts still shows it)."""
    pdf = review_documents.to_pdf(*_doc(prepared))
    assert pdf.startswith(b"%PDF") and b"+WenQuanYiZenHei" in pdf and b"FontFile2" in pdf


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
def test_pdf_export_renders_with_pdftoppm(prepared, tmp_path):
    """pdftoppm renders page 1 to a PNG: the document is a valid, readable PDF."""
    src = tmp_path / "review.pdf"
    src.write_bytes(review_documents.to_pdf(*_doc(prepared)))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(src), str(tmp_path / "p")],
        check=True,
        timeout=60,
    )
    [png] = list(tmp_path.glob("p*.png"))
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 5000


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_xlsx_export_opens_in_libreoffice(prepared, tmp_path):
    """LibreOffice headless converts the workbook: it is a real spreadsheet, not just a zip."""
    src = tmp_path / "review.xlsx"
    src.write_bytes(review_documents.to_xlsx(*_doc(prepared)))
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "csv",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=True,
        timeout=180,
        capture_output=True,
    )
    out = (tmp_path / "review.csv").read_text(encoding="utf-8", errors="replace")
    assert str(YEAR) in out


@pytest.fixture
def next_year(engine, world):
    """Next year's review: lot OLD (700 bottles) expires in November, before the plan starts on 1 January; no
    agreement partner takes water back."""
    receive(engine, world, world.depot, world.water, "OLD", 700, date(YEAR, 11, 30), NOW)
    receive(engine, world, world.depot, world.water, "NEW", 400, date(YEAR + 2, 6, 30), NOW)
    set_standards(engine, [water_standard(world, 1000)], NOW)
    planning_review.prepare_review(
        ReserveUnitOfWork(engine), YEAR + 1, "admin", TODAY, NOW, replace(CFG, time_limit_s=2)
    )
    rv, _ = planning_review.current_review(ReserveUnitOfWork(engine), YEAR + 1)
    with ReserveUnitOfWork(engine) as uow:
        items = {i.code: (i.name, i.name_en, i.unit) for i in uow.reserve.items()}
    return rv.content, {"state": rv.state.value, "preparer": rv.preparer, "items": items}


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "review.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return out.replace("\n", "")


def _sheet(wb, title) -> list[list[object]]:
    return [[c.value for c in row] for row in wb[title].iter_rows()]


def test_next_years_review_lists_lots_expiring_before_it_starts_and_absent_channels(next_year, world):
    """The signed data carries, as plain values, the lots to rotate now (not in next year's plan) and the
    release channels no item may use."""
    doc, _ = next_year
    assert doc["plan_start"] == f"{YEAR + 1}-01-01"
    assert doc["before_start"] == [
        {
            "area_name": doc["before_start"][0]["area_name"],
            "item_code": world.water,
            "item_name": "瓶装饮用水",
            "unit": "瓶",
            "lot_no": "OLD",
            "qty": 700,
            "expiry": f"{YEAR}-11-30",
        }
    ]
    assert doc["absent_channels"] == ["sell_back"]
    assert planning_review.canonical(doc)  # plain JSON: it can be signed


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_lots_expiring_before_the_plan_and_absent_channels_are_in_the_xlsx_and_pdf(next_year, tmp_path):
    """The workbook has a sheet of the lots to rotate now, with translated headers, and says in its summary which
    channel is not offered; the PDF has the section (with the rotate-now sentence) and the channel's sentence."""
    doc, meta = next_year
    wb = openpyxl.load_workbook(io.BytesIO(review_documents.to_xlsx(doc, meta)))
    head, *rows = _sheet(wb, "计划开始前到期的批次")
    assert head == ["区域", "物资名称", "批次号", "数量", "单位", "有效期至"]
    assert [r[1:] for r in rows] == [["瓶装饮用水", "OLD", 700, "瓶", f"{YEAR}-11-30"]]
    summary = dict((r[0], r[1]) for r in _sheet(wb, "概要")[1:])
    assert "协议超市回购" in summary["未安排的轮出去向"]
    said = _pdf_text(review_documents.to_pdf(doc, meta), tmp_path)
    assert "计划开始前到期的批次" in said and "以下 1 个批次在计划开始" in said
    assert "OLD" in said and "瓶装饮用水" in said and "未安排“协议超市回购”" in said
    assert "sell_back" not in said


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_english_review_names_the_items_and_channels_in_english(next_year, tmp_path):
    """Read in English, the section and the channel sentence name the item and the channel in English."""
    doc, meta = next_year
    current_lang.set("en")  # the conftest puts the language back
    wb = openpyxl.load_workbook(io.BytesIO(review_documents.to_xlsx(doc, meta)))
    head, *rows = _sheet(wb, "Lots expiring before plan start")
    assert head[:3] == ["Area", "Item", "Lot"] and rows[0][1] == "Bottled water"
    said = _pdf_text(review_documents.to_pdf(doc, meta), tmp_path)
    assert "Lots expiring before plan start" in said and "Bottled water" in said
    assert "Sold back to the agreement supermarket" in said and "瓶装饮用水" not in said


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_this_years_review_says_none_expire_before_it_starts(prepared, tmp_path):
    """Planning the current year (from today) no lot falls before the start: the PDF section says none."""
    doc, meta = _doc(prepared)
    assert doc["before_start"] == []
    said = _pdf_text(review_documents.to_pdf(doc, meta), tmp_path)
    assert "计划开始前到期的批次无" in said


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_review_signed_before_the_new_sections_still_renders(next_year, tmp_path):
    """A review signed before `before_start` and `absent_channels` were recorded prints as it was signed: no
    such sheet, section or sentence, and no error."""
    doc, meta = next_year
    old = {k: v for k, v in doc.items() if k not in ("before_start", "absent_channels")}
    wb = openpyxl.load_workbook(io.BytesIO(review_documents.to_xlsx(old, meta)))
    assert "计划开始前到期的批次" not in wb.sheetnames and "轮换清单" in wb.sheetnames
    assert "未安排的轮出去向" not in [r[0] for r in _sheet(wb, "概要")]
    said = _pdf_text(review_documents.to_pdf(old, meta), tmp_path)
    assert "轮换清单" in said and "计划开始前到期的批次" not in said and "协议超市回购" not in said
