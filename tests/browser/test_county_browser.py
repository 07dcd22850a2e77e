"""The admin's county page in headless Debian Chromium: download-free round trip of the county workbook as a bureau
does it: upload a workbook (the demo county's own export with one new account in its 用户 sheet and a driver on a
truck), see the preview of what changes, confirm, and see the new account's one-time setup code."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from stockpile.bootstrap import build_services
from stockpile.config import Settings
from tests.browser.test_app_browser import choose, idle, no_exception

pytestmark = pytest.mark.browser


def _edited_export(demo_url: str) -> bytes:
    """The demo county's export (what the app's database copy holds) with a keeper account and a driver added."""
    svc = build_services(Settings(database_url=demo_url))
    wb = load_workbook(io.BytesIO(svc.onboarding.export_workbook("admin")))
    depot = wb["储备库点"].cell(row=2, column=1).value
    users = wb["用户"]
    users.append(["keeper_browser", "浏览器测试保管员", "保管员", depot, None])
    trucks = wb["车辆"]
    header = [c.value for c in trucks[1]]
    trucks.cell(row=2, column=header.index("司机") + 1, value="钟师傅")
    trucks.cell(row=2, column=header.index("司机电话") + 1, value="13907970001")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_admin_uploads_previews_and_commits_the_county_workbook(browser, app_url, demo_url, shots, tmp_path):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    book = tmp_path / "县情工作簿.xlsx"
    book.write_bytes(_edited_export(demo_url))
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(app_url)
        page.wait_for_selector('[data-testid="stSidebar"]')
        idle(page)
        choose(page, "角色", "管理员")
        page.locator('[data-testid="stSidebarNavLink"]:has(span[label="县情数据"])').first.click()
        page.get_by_text("县情工作簿").first.wait_for()
        idle(page)
        page.locator('input[type="file"]').first.set_input_files(str(book))
        page.get_by_text("将要进行的改动").first.wait_for()
        idle(page)
        no_exception(page)
        expect(page.get_by_text("预览（未写入）", exact=False).first).to_be_visible(timeout=60_000)
        page.screenshot(path=str(shots / "county-preview.png"), full_page=True)
        page.get_by_role("button", name="确认导入").click()
        page.get_by_text("已导入").first.wait_for()
        idle(page)
        no_exception(page)
        expect(page.get_by_text("初始设置码只显示这一次", exact=False).first).to_be_visible(timeout=60_000)
        page.screenshot(path=str(shots / "county-committed.png"), full_page=True)
    finally:
        ctx.close()
