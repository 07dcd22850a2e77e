"""Master-data import: the item catalogue and sites, checked row by row, all or nothing."""

from __future__ import annotations

import pytest

from stockpile.bootstrap import build_services
from stockpile.config import Settings
from tests.conftest import NOW
from tests.integration.test_imports import xlsx

ITEM_HEAD = [
    "物资编码",
    "名称",
    "英文名称",
    "基本单位",
    "类别",
    "单件重量(克)",
    "单件体积(立方厘米)",
    "保质期(天)",
    "冷链",
    "单价(分)",
    "包装换算",
]
SITE_HEAD = [
    "库点编码",
    "名称",
    "行政级别",
    "类型",
    "权属",
    "所属区划",
    "经度",
    "纬度",
    "坐标系",
    "装车时间(分钟)",
]


@pytest.fixture
def svc(db_url, world):
    return build_services(Settings(database_url=db_url))


def test_item_catalogue_import_adds_items_with_packs(svc):
    rows = [
        ["1010501", "睡袋", "Sleeping bag", "个", "生活救灾物资", 1800, 9000, "", "否", 9000, "箱:10"],
        ["1020105", "矿泉水(1.5L)", "Water 1.5 L", "瓶", "living_relief", 1550, 1700, 365, "否", 300, ""],
    ]
    rep = svc.imports.import_file(xlsx(rows, head=ITEM_HEAD), "items.xlsx", "admin", now=NOW)
    assert rep.ok and rep.accepted == 2
    items = svc.views.items().set_index("code")
    assert items.loc["1010501", "name_zh"] == "睡袋" and items.loc["1020105", "shelf_life_days"] == 365


def test_an_item_catalogue_in_traditional_characters_is_recognised_and_names_kept_as_typed(svc):
    """Headers 「物資編碼」「基本單位」… and the category 「生活救災物資」 in Traditional characters: the file is read as
    the item catalogue (not as ledger movements), and the names are stored as typed. Brackets typed full-width
    (「單件重量（克）」) are the template's too."""
    import opencc

    s2t = opencc.OpenCC("s2t")
    rows = [["1010501", "睡袋", "Sleeping bag", "個", "生活救災物資", 1800, 9000, "", "否", 9000, "箱:10"]]
    head = [
        s2t.convert(h).replace("(", "（").replace(")", "）") for h in ITEM_HEAD
    ]  # brackets typed in Chinese
    assert "基本單位" in head and "單件重量（克）" in head
    rep = svc.imports.import_file(xlsx(rows, head=head), "items.xlsx", "admin", now=NOW)
    assert rep.ok and rep.accepted == 1, rep.errors
    items = svc.views.items().set_index("code")
    assert items.loc["1010501", "base_unit"] == "個" and items.loc["1010501", "category"] == "living_relief"
    assert items.loc["1010501", "unit_weight_g"] == 1800


def test_bad_item_rows_are_all_reported_and_nothing_is_added(svc):
    rows = [
        ["101050", "睡袋", "", "个", "生活救灾物资", 1800, 9000, "", "否", 9000, ""],
        ["4010101", "X", "", "个", "生活救灾物资", 1, 1, "", "否", 1, ""],
        ["1010502", "Y", "", "个", "未知类别", -1, 1, "", "否", 1, "箱:1"],
    ]
    before = len(svc.views.items())
    rep = svc.imports.import_file(xlsx(rows, head=ITEM_HEAD), "bad-items.xlsx", "admin", now=NOW)
    got = {(e.row, e.column, e.code) for e in rep.errors}
    assert (2, "物资编码", "item_code_not_7_digits") in got
    assert (3, "物资编码", "item_code_bad_level") in got
    assert (4, "类别", "invalid_choice") in got and (4, "单件重量(克)", "qty_not_positive") in got
    assert (4, "包装换算", "invalid_pack") in got
    assert len(svc.views.items()) == before


def test_site_import_converts_gcj02_and_rejects_swapped_or_null_island(svc):
    good = [
        "XZ-NEW",
        "新建储备点",
        "township",
        "point",
        "government",
        "360499101",
        115.95,
        29.55,
        "GCJ-02",
        10,
    ]
    swapped = ["XZ-B", "反了", "township", "point", "government", "360499101", 29.55, 115.95, "", 10]
    null = ["XZ-C", "零点", "township", "point", "government", "360499101", 0, 0, "", 10]
    rep = svc.imports.import_file(xlsx([good, swapped, null], head=SITE_HEAD), "sites.xlsx", "admin", now=NOW)
    codes = {(e.row, e.code) for e in rep.errors}
    assert codes == {(3, "geo_swapped"), (4, "geo_null_island")}
    rep = svc.imports.import_file(xlsx([good], head=SITE_HEAD), "sites-ok.xlsx", "admin", now=NOW)
    assert rep.ok
    site = svc.views.sites().set_index("code").loc["XZ-NEW"]
    assert 0.001 < abs(site["lon"] - 115.95) < 0.01  # GCJ-02 → WGS-84 shifts by a few hundred metres


def test_only_an_admin_may_import_master_data(svc):
    """Master data is the admin's; a keeper's import is denied and audited, nothing added."""
    from stockpile.domain.errors import PermissionDenied

    rows = [["1010501", "睡袋", "Sleeping bag", "个", "生活救灾物资", 1800, 9000, "", "否", 9000, ""]]
    before = len(svc.views.items())
    with pytest.raises(PermissionDenied):
        svc.imports.import_file(xlsx(rows, head=ITEM_HEAD), "items.xlsx", "keeper1", now=NOW)
    assert len(svc.views.items()) == before
