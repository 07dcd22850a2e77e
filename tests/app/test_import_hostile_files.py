"""Hostile files uploaded through the pages: the page shows the Chinese refusal and keeps
running; nothing is posted. The import page and the planning (standards) page share the one reader."""

from __future__ import annotations

import pytest

from tests.app.conftest import page, texts
from tests.integration.test_hostile_files import HUGE, SHEET, good_xlsx, lie_about_size, with_cells

FILES = {
    "XFD1048576": (lambda: with_cells(HUGE["value-at-XFD1048576"][0]), ("工作表范围过大", "XFD1048576")),
    "lying-zip-entry": (lambda: lie_about_size(good_xlsx(), SHEET, 5), ("工作簿已损坏", SHEET)),
}


@pytest.mark.parametrize("case", sorted(FILES))
def test_hostile_upload_on_the_import_page_shows_the_chinese_refusal(case, services):
    """Uploading the file to 批量导入 shows the refusal naming the cell or entry, no exception, no
    preview, and the keeper's stock is unchanged."""
    make, words = FILES[case]
    before = services.views.balance("XJK", "1010101")
    at = page("imports", services)
    at.run()
    at.file_uploader(key="imports.file").upload("hostile.xlsx", make()).run()
    assert not at.exception
    errors = texts(at, "error")
    assert any(all(w in e for w in words) for e in errors), errors
    assert len(at.dataframe) == 0  # no preview of a refused file
    assert services.views.balance("XJK", "1010101") == before


def test_hostile_upload_on_the_standards_page_shows_the_chinese_refusal(services):
    """On the planning import: the standards page reads through the same reader and refuses the same way."""
    at = page("standards", services)
    at.run()
    at.file_uploader(key="standards.file").upload("std.xlsx", FILES["XFD1048576"][0]()).run()
    at.button(key="standards.import_button").click().run()
    assert not at.exception
    assert any("工作表范围过大" in e and "XFD1048576" in e for e in texts(at, "error")), texts(at, "error")
