"""Import page: preview, row errors with row/column/value, GB18030 and identical-row confirmations, one commit
even when clicked twice. Export page: xlsx with Chinese headers and printable PDFs."""

from __future__ import annotations

import io
import zipfile

from streamlit.testing.v1 import AppTest

from tests.app.conftest import page, texts
from tests.conftest import RECENT

HEADER = "业务类型,库点编码,物资编码,批次号,数量,有效期至,发生时间\n"


def flow(svc, data: bytes, name: str = "rows.csv") -> AppTest:
    def script(data: bytes, name: str) -> None:
        from stockpile.app.pages.import_flow import import_flow

        import_flow(data, name)

    at = AppTest.from_function(script, args=(data, name), default_timeout=60)
    at.session_state["services"] = svc
    at.session_state["user"] = "keeper_demo"  # as app.py puts the acting user in the session
    at.session_state["role"] = "keeper"
    at.run()
    return at


def test_good_file_is_previewed_then_imported_once(services):
    """A clean file shows a preview, imports on click, and a second click says it was already imported."""
    before = services.views.balance("XJK", "1010101")
    data = (HEADER + f"入库,XJK,1010101,IMP-1,10,,{RECENT}\n").encode()
    at = flow(services, data)
    assert not at.exception and len(at.dataframe) == 1  # the preview
    at.button(key="imports.submit").click().run()
    assert "导入成功" in texts(at, "success")[0]
    at.button(key="imports.submit").click().run()
    assert any("未重复写入" in w for w in texts(at, "warning"))
    assert services.views.balance("XJK", "1010101") == before + 10


def test_row_errors_name_row_column_and_value_and_nothing_is_written(services):
    """Every bad cell is listed with its row, column and value; no row of the file is posted."""
    before = services.views.balance("XJK", "1010101")
    data = (HEADER + f"入库,XJK,1010101,IMP-2,10,,{RECENT}\n入库,XJK,9999999,IMP-3,1.5,,{RECENT}\n").encode()
    at = flow(services, data)
    at.button(key="imports.submit").click().run()
    assert any("发现" in e for e in texts(at, "error"))
    errors = at.dataframe[1].value
    assert list(errors.columns) == ["行", "列", "值", "问题"]
    assert {("3", "数量", "1.5")} <= {(str(r), c, v) for r, c, v in errors[["行", "列", "值"]].values}
    assert services.views.balance("XJK", "1010101") == before


def test_gb18030_file_needs_a_tick_before_import(services):
    """A GBK/GB18030 CSV is read but only imported once the keeper confirms the Chinese looks right."""
    before = services.views.balance("XJK", "1010101")
    data = (HEADER + f"入库,XJK,1010101,IMP-4,3,,{RECENT}\n").encode("gb18030")
    at = flow(services, data)
    assert len(at.checkbox) == 1 and "GB18030" in at.checkbox[0].label
    at.button(key="imports.submit").click().run()
    assert services.views.balance("XJK", "1010101") == before
    at.checkbox[0].check()
    at.button(key="imports.submit").click().run()
    assert not at.exception
    assert services.views.balance("XJK", "1010101") == before + 3


def test_identical_rows_need_a_tick_before_import(services):
    """Two identical rows are posted only after the keeper confirms they are really two receipts."""
    before = services.views.balance("XJK", "1010101")
    row = f"入库,XJK,1010101,IMP-5,2,,{RECENT}\n"
    at = flow(services, (HEADER + row + row).encode())
    at.button(key="imports.submit").click().run()
    assert any("勾选" in w for w in texts(at, "warning"))
    assert services.views.balance("XJK", "1010101") == before
    at.checkbox[0].check()
    at.button(key="imports.submit").click().run()
    assert services.views.balance("XJK", "1010101") == before + 4


def test_hostile_file_is_refused_with_a_message(services):
    """A file that is not xlsx/CSV (binary) is refused before any row is read, as a message."""
    at = flow(services, b"\x00\x01\x02binary" * 10, "x.xlsx")
    assert not at.exception and at.error


def test_import_page_offers_the_template(demo_services):
    """The import page offers an xlsx template whose sheet is 导入 with the Chinese headers."""
    tpl = demo_services.imports.import_template()
    with zipfile.ZipFile(io.BytesIO(tpl)) as z:
        assert "导入" in z.read("xl/workbook.xml").decode()
        assert "业务类型" in z.read("xl/sharedStrings.xml").decode()
    table = demo_services.read_table(tpl, "t.xlsx")
    assert table.header[:5] == ["业务类型", "库点编码", "物资编码", "批次号", "数量"]


def test_export_builds_an_xlsx_with_chinese_headers(demo_services):
    """生成 Excel → a workbook with Chinese sheet names and headers, offered for download."""
    at = page("exports", demo_services)
    at.run()
    at.button(key="exports.make").click().run()
    assert not at.exception
    data = at.session_state["exports.xlsx"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "按批次明细" in z.read("xl/workbook.xml").decode()
        assert "库点名称" in z.read("xl/sharedStrings.xml").decode()


def test_vouchers_and_count_sheet_are_pdfs_with_an_embedded_cjk_font(demo_services):
    """入库单/出库单/调拨单 and 盘点表 are PDFs that embed the CJK TrueType font."""
    for kind in ("receipt", "issue", "transfer"):
        pid = demo_services.reads.recent_postings((kind,), 1, actor="admin")["posting_id"].iloc[0]
        pdf = demo_services.reads.voucher_pdf(pid, actor="admin")
        assert pdf.startswith(b"%PDF") and b"FontFile2" in pdf
    sheet = demo_services.reads.count_sheet_pdf("XJK", actor="admin")
    assert sheet.startswith(b"%PDF") and b"FontFile2" in sheet
