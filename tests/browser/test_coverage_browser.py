"""The coverage page in headless Debian Chromium against `streamlit run app.py` on a temp copy of the demo county.

Own minimal fixture (the app area owns tests/browser/conftest.py). Skips when /usr/bin/chromium or playwright is
missing, unless REQUIRE_BROWSER=1. Never runs `playwright install`. Screenshot: the `shots` test output.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.streamlit_app import require_browser, serve_app


@pytest.fixture(scope="module")
def coverage_app(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a free 127.0.0.1 port, DATABASE_URL = a temp copy of the demo database."""
    require_browser()
    tmp = tmp_path_factory.mktemp("coverage-browser")
    shutil.copy(demo_url.removeprefix("sqlite:///"), tmp / "demo.db")
    env = {
        "DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}",
        "RELIEF_ROLE_PICKER": "1",
        "RELIEF_ORS_ENABLED": "0",
        "RELIEF_MATRIX_CACHE_DIR": str(tmp / "cache"),
    }
    with serve_app(tmp, env) as url:
        yield url


@pytest.mark.browser
def test_coverage_page_renders_in_headless_chromium(coverage_app: str, browser, shots: Path) -> None:  # type: ignore[no-untyped-def]
    """The page draws its title, figures, the offline map canvas and the uncovered table, with no exception."""
    from playwright.sync_api import expect

    if True:  # one Playwright per test session: the shared `browser` fixture (tests/browser/conftest.py)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        try:
            page.goto(f"{coverage_app}/coverage", wait_until="domcontentloaded")
            page.get_by_text("1小时保障圈（按库存测算）").first.wait_for(timeout=60_000)
            page.get_by_text("未覆盖的村和避难场所").first.wait_for(timeout=60_000)
            page.locator("canvas").first.wait_for(state="attached", timeout=30_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(shots / "coverage.png"), full_page=True)
            assert page.locator('[data-testid="stException"]').count() == 0
            expect(page.get_by_text("需保障点").first).to_be_visible(timeout=60_000)
        finally:
            page.close()


@pytest.mark.browser
def test_a_candidate_file_with_bad_rows_is_named_row_by_row_and_a_good_one_enables_siting(  # type: ignore[no-untyped-def]
    coverage_app: str, browser, shots: Path, tmp_path: Path
) -> None:
    """Siting what-if: an uploaded candidate list with swapped and duplicate rows shows each row's error and the
    run button stays disabled; the corrected file shows no error and the button is enabled."""
    from playwright.sync_api import expect

    bad = tmp_path / "候选点.csv"
    bad.write_text("编码,名称,经度,纬度\nC1,候选甲,29.75,115.80\nC1,候选乙,116.05,29.75\n", encoding="utf-8")
    good = tmp_path / "候选点-改.csv"
    good.write_text("编码,名称,经度,纬度\nC1,候选甲,115.80,29.75\nC2,候选乙,116.05,29.75\n", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    try:
        page.goto(f"{coverage_app}/coverage", wait_until="domcontentloaded")
        page.get_by_text("选址推演（新增储备点）").first.click(timeout=60_000)
        run = page.get_by_role("button", name="计算选址")
        run.wait_for(timeout=60_000)
        upload = (
            page.locator('[data-testid="stFileUploader"]')
            .filter(has_text="候选点")
            .locator('input[type="file"]')
        )
        upload.set_input_files(str(bad))
        page.get_by_text("候选点文件有 2 处错误").first.wait_for(timeout=60_000)
        expect(page.get_by_text("第 2 行，列“经度”").first).to_be_visible()
        expect(page.get_by_text("经纬度似乎填反了").first).to_be_visible()
        expect(page.get_by_text("编码在文件中重复").first).to_be_visible()
        expect(run).to_be_disabled()
        page.screenshot(path=str(shots / "coverage-bad-candidates.png"), full_page=True)
        upload.set_input_files(str(good))
        expect(page.get_by_text("候选点文件有").first).to_have_count(0, timeout=60_000)
        expect(run).to_be_enabled(timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()
