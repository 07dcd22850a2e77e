"""A second county for tests, written as its workbook: 上犹县 (GB/T 2260 360724, Ganzhou, Jiangxi).

Township names are the county's real ones; every code below the county's, every coordinate (around 25.8 N,
114.5 E, inside the county's real area), population, depot, vehicle and agreement is invented for the test.
`sheets()` gives header + rows per sheet so a test can break one cell; `xlsx()` writes them with openpyxl.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook

COUNTY = "360724"
TOWNSHIPS = (  # name, kind, lon, lat, population (coordinates and populations invented)
    ("东山镇", "镇", 114.540, 25.790, 62000),
    ("陡水镇", "镇", 114.410, 25.810, 18000),
    ("社溪镇", "镇", 114.600, 25.870, 24000),
    ("营前镇", "镇", 114.270, 25.920, 26000),
    ("寺下镇", "镇", 114.470, 25.700, 15000),
    ("梅水乡", "乡", 114.640, 25.760, 11000),
)


def _town(i: int) -> str:
    return f"{COUNTY}{100 + i:03d}"


def sheets(today: date) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The workbook as header and rows per sheet (a test may change any cell before writing it)."""
    y0, y1 = today - timedelta(days=100), today + timedelta(days=265)
    towns = [[_town(i), n, k, lon, lat, pop, 1] for i, (n, k, lon, lat, pop) in enumerate(TOWNSHIPS, 1)]
    villages = []
    for i, (n, _, lon, lat, pop) in enumerate(TOWNSHIPS, 1):
        for j in range(3):
            code = f"{_town(i)}{200 + j:03d}"
            villages.append(
                [
                    code,
                    _town(i),
                    f"{n[:2]}{'一二三'[j]}村",
                    lon + 0.01 * (j + 1),
                    lat - 0.008 * j,
                    pop // 6,
                    2,
                ]
            )
    return {
        "县情": (
            [
                "县名",
                "区划代码",
                "应急管理局名称",
                "时区",
                "保障圈时限(分钟)",
                "初步救助时限(小时)",
                "有效救助时限(小时)",
                "坐标系",
            ],
            [["上犹县", COUNTY, "上犹县应急管理局", "Asia/Shanghai", 60, 8, 10, "WGS-84"]],
        ),
        "乡镇": (["乡镇代码", "乡镇名称", "类型", "经度", "纬度", "人口", "灾害暴露(1-3)"], towns),
        "村社区": (["村社区代码", "所属乡镇代码", "名称", "经度", "纬度", "人口", "灾害暴露(1-3)"], villages),
        "避难场所": (
            ["场所编码", "名称", "所属乡镇代码", "经度", "纬度", "容纳人数", "级别"],
            [
                ["SY-SH01", "东山镇中心小学应急避难场所", _town(1), 114.545, 25.795, 1500, "县级"],
                ["SY-SH02", "营前镇文化广场应急避难场所", _town(4), 114.275, 25.925, 800, "乡镇级"],
            ],
        ),
        "储备库点": (
            [
                "库点编码",
                "名称",
                "级别",
                "类型",
                "权属",
                "权属单位",
                "所属区划代码",
                "运行模式",
                "服务灾种",
                "装车时间(分钟/车)",
                "经度",
                "纬度",
            ],
            [
                [
                    "SY-XJK",
                    "上犹县救灾物资储备库",
                    "县级",
                    "综合储备库",
                    "政府",
                    "上犹县应急管理局",
                    COUNTY,
                    "常态",
                    "flood,fire",
                    20,
                    114.545,
                    25.785,
                ],
                [
                    "SY-XZ04",
                    "营前镇应急物资储备点",
                    "乡镇级",
                    "储备点",
                    "政府",
                    "营前镇人民政府",
                    _town(4),
                    "常态",
                    "flood",
                    10,
                    114.272,
                    25.918,
                ],
                [
                    "SY-CS",
                    "上犹县某超市(协议储备)",
                    "县级",
                    "商超",
                    "企业",
                    "某超市",
                    COUNTY,
                    "常态",
                    "",
                    15,
                    114.536,
                    25.792,
                ],
            ],
        ),
        "物资目录": (
            [
                "物资编码",
                "名称",
                "英文名称",
                "基本单位",
                "包装换算",
                "单件重量(克)",
                "单件体积(立方厘米)",
                "保质期(天)",
                "冷链",
                "防潮",
                "危险品",
                "类别",
                "单价(分)",
            ],
            [
                [
                    "1010101",
                    "帐篷",
                    "Tent",
                    "顶",
                    "",
                    25000,
                    120000,
                    "",
                    "否",
                    "是",
                    "否",
                    "生活救灾物资",
                    150000,
                ],
                [
                    "1020101",
                    "瓶装水",
                    "Bottled water",
                    "瓶",
                    "箱:24",
                    560,
                    600,
                    540,
                    "否",
                    "否",
                    "否",
                    "生活救灾物资",
                    150,
                ],
                [
                    "1010201",
                    "棉被",
                    "Quilt",
                    "床",
                    "包:10",
                    2500,
                    30000,
                    "",
                    "否",
                    "是",
                    "否",
                    "生活救灾物资",
                    8000,
                ],
            ],
        ),
        "储备定额": (
            [
                "级别",
                "区划代码(空=该级全部)",
                "物资编码",
                "计算方式",
                "定额数量",
                "每千人每日",
                "保障天数",
                "协议储备上限(%)",
                "依据",
            ],
            [["县级", COUNTY, "1010101", "定量", 300, 0, 0, 0, "测试"]],
        ),
        "人均标准": (
            ["物资编码", "每百人数量", "按日计", "仅安置点/医疗点"],
            [["1020101", 300, "是", "否"], ["1010201", 100, "否", "否"]],
        ),
        "车辆": (
            [
                "车牌号",
                "名称",
                "权属",
                "所属库点编码",
                "载重(千克)",
                "容积(立方分米)",
                "冷链箱位",
                "启用时间(分钟)",
            ],
            [["赣B-SY001", "县库厢式货车", "自有", "SY-XJK", 8000, 30000, 0, 0]],
        ),
        "协议储备": (
            [
                "合同编号",
                "协议单位库点编码",
                "物资编码",
                "协议数量",
                "单价(分)",
                "调用时限(分钟)",
                "有效期起",
                "有效期止",
                "最近核查日期",
                "最近核查数量",
                "联系人",
            ],
            [["SY-XY-01", "SY-CS", "1020101", 20000, 150, 120, y0, y1, "", "", "王经理"]],
        ),
        "产能储备": (
            ["生产企业库点编码", "物资编码", "日产能", "启动时间(分钟)", "有效期起", "有效期止"],
            [],
        ),
        "协议运力": (
            [
                "协议编号",
                "承运单位",
                "基地库点编码",
                "车辆数",
                "单车载重(千克)",
                "单车容积(立方分米)",
                "启用时间(分钟)",
                "有效期起",
                "有效期止",
                "联系人",
            ],
            [["SY-YL-01", "上犹县某物流公司", "SY-XJK", 4, 8000, 30000, 90, y0, y1, "李经理"]],
        ),
    }


def xlsx(book: dict[str, tuple[list[str], list[list[Any]]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, (header, rows) in book.items():
        ws = wb.create_sheet(name)
        ws.append(header)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def boundaries(half: float = 0.03, keyed_by: str = "XZQDM") -> dict[str, Any]:
    """Township outlines as a bureau's GeoJSON export (a square around each seat, keyed like the land survey's
    layers: XZQDM the code, XZQMC the name); a test may spoil any feature before `json.dumps`."""
    features = []
    for i, (name, _, lon, lat, _) in enumerate(TOWNSHIPS, 1):
        ring = [
            [lon - half, lat - half],
            [lon + half, lat - half],
            [lon + half, lat + half],
            [lon - half, lat + half],
            [lon - half, lat - half],
        ]
        props = {"XZQDM": _town(i), "XZQMC": name} if keyed_by == "XZQDM" else {"XZQMC": name}
        features.append(
            {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        )
    return {"type": "FeatureCollection", "features": features}
