"""The county workbook's sheets: Chinese sheet names and headers, what each column holds, the drop-down choices.

One description serves the template, the import's checks and the export, so the three can never disagree. A
column's `kind` says how a cell is read (`parse.py`) and written back (`export_rows`):
text · code · int0 (whole number ≥ 0) · pos (whole number > 0) · lon/lat (decimal degrees) · date · bool (是/否)
· choice (a label from `choices`, or the stored value) · packs (箱:24;托:960) · codes (several codes: A01;A02).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

YES_NO = {"是": True, "否": False}
CRS_CHOICES = {"WGS-84": "WGS84", "GCJ-02": "GCJ02", "BD-09": "BD09"}
TOWNSHIP_KINDS = {"乡": "xiang", "镇": "zhen", "场": "chang", "街道": "jiedao"}
# what counties also write (民族乡 and 苏木 are township-level; CGCS2000 is the national datum, within centimetres of
# WGS-84 for a county's map); read as the label, the workbook exported again writes the label
CRS_ALIASES = {
    "CGCS2000": "WGS-84",
    "CGCS-2000": "WGS-84",
    "2000国家大地坐标系": "WGS-84",
    "GPS": "WGS-84",
    "高德": "GCJ-02",
    "腾讯": "GCJ-02",
    "火星坐标": "GCJ-02",
    "百度": "BD-09",
}
TOWNSHIP_ALIASES = {
    "民族乡": "乡",
    "苏木": "乡",
    "民族苏木": "乡",
    "街道办事处": "街道",
    "农场": "场",
    "林场": "场",
    "牧场": "场",
    "盐场": "场",
}
ROLE_ALIASES = {
    "保管": "保管员",
    "仓库保管员": "保管员",
    "调度": "调度员",
    "规划": "规划审查",
    "管理": "管理员",
    "系统管理员": "管理员",
    "信息员": "灾情信息员",
}
SITE_LEVELS = {"县级": "county", "乡镇级": "township", "村级": "village"}
SITE_TYPES = {
    "综合储备库": "depot",
    "储备点": "point",
    "器材库": "equipment_store",
    "队伍营房": "team_base",
    "企业仓库": "enterprise_warehouse",
    "商超": "supermarket",
    "生产企业": "producer",
}
OWNERS = {"政府": "government", "企业": "enterprise", "社会": "social"}
MODES = {"常态": "normal", "应急": "emergency"}
CATEGORIES = {"抢险救援物资": "rescue", "救援队伍保障物资": "team_support", "生活救灾物资": "living_relief"}
OWNERSHIP = {"自有": "own", "合同": "contracted", "征用": "requisitioned"}
BASIS = {"定量": "absolute", "按人口": "per_capita"}
# the sections of road_speeds.toml (`ports.travel.PROFILES`): a van or pickup drives as a car, a lorry as a truck
SPEED_PROFILES = {"小型车": "driving-car", "货车": "driving-hgv", "car": "driving-car", "hgv": "driving-hgv"}


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    header: str
    kind: str = "text"
    required: bool = True
    choices: Mapping[str, object] | None = None
    default: object = None  # the value of a blank optional cell (None: the kind's own blank)
    max_len: int | None = None  # a code's longest form (the database column's width)
    aliases: Mapping[str, str] | None = None  # other names a county writes for a label (苏木 → 乡), read only


@dataclass(frozen=True, slots=True)
class Sheet:
    id: str
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    optional: bool = False

    def column(self, field: str) -> Column:
        return next(c for c in self.columns if c.field == field)


def _c(
    field: str,
    header: str,
    kind: str = "text",
    required: bool = True,
    choices: Mapping[str, object] | None = None,
    default: object = None,
    max_len: int | None = None,
    aliases: Mapping[str, str] | None = None,
) -> Column:
    return Column(field, header, kind, required, choices, default, max_len, aliases)


LON, LAT = _c("lon", "经度", "lon"), _c("lat", "纬度", "lat")
# the widths of the columns the codes are kept in: admin areas (GB/T 2260 + the statistics office's 12 digits),
# demand points of a scenario (villages and shelters share one table), depots
AREA_CODE_LEN, POINT_CODE_LEN, SITE_CODE_LEN = 12, 32, 64

COUNTY = Sheet(
    "county",
    "县情",
    (
        _c("name", "县名"),
        _c("code", "区划代码", "code"),
        _c("bureau", "应急管理局名称"),
        _c("time_zone", "时区"),
        _c("guarantee_minutes", "保障圈时限(分钟)", "pos"),
        _c("initial_relief_hours", "初步救助时限(小时)", "pos"),
        _c("effective_relief_hours", "有效救助时限(小时)", "pos"),
        _c("crs", "坐标系", "choice", choices=CRS_CHOICES, aliases=CRS_ALIASES),
    ),
    ("code",),
)
TOWNSHIPS = Sheet(
    "townships",
    "乡镇",
    (
        _c("code", "乡镇代码", "code", max_len=AREA_CODE_LEN),
        _c("name", "乡镇名称"),
        _c("township_kind", "类型", "choice", choices=TOWNSHIP_KINDS, aliases=TOWNSHIP_ALIASES),
        LON,
        LAT,
        _c("population", "人口", "int0"),
        _c("hazard_weight", "灾害暴露(1-3)", "pos", required=False, default=1),
    ),
    ("code",),
)
VILLAGES = Sheet(
    "villages",
    "村社区",
    (
        _c("code", "村社区代码", "code", max_len=AREA_CODE_LEN),
        _c("parent_code", "所属乡镇代码", "code"),
        _c("name", "名称"),
        LON,
        LAT,
        _c("population", "人口", "int0"),
        _c("hazard_weight", "灾害暴露(1-3)", "pos", required=False, default=1),
    ),
    ("code",),
)
SHELTERS = Sheet(
    "shelters",
    "避难场所",
    (
        _c("code", "场所编码", "code", max_len=POINT_CODE_LEN),
        _c("name", "名称"),
        _c("township_code", "所属乡镇代码", "code"),
        LON,
        LAT,
        _c("capacity_persons", "容纳人数", "int0"),
        _c("level", "级别", required=False),
    ),
    ("code",),
)
SITES = Sheet(
    "sites",
    "储备库点",
    (
        _c("code", "库点编码", "code", max_len=SITE_CODE_LEN),
        _c("name", "名称"),
        _c("admin_level", "级别", "choice", choices=SITE_LEVELS),
        _c("site_type", "类型", "choice", choices=SITE_TYPES),
        _c("owner_type", "权属", "choice", choices=OWNERS),
        _c("owner_name", "权属单位", required=False),
        _c("area_code", "所属区划代码", "code"),
        _c("operating_mode", "运行模式", "choice", required=False, choices=MODES, default="normal"),
        _c("hazard_types", "服务灾种", required=False),
        _c("loading_minutes", "装车时间(分钟/车)", "int0"),
        LON,
        LAT,
    ),
    ("code",),
)
ITEMS = Sheet(
    "items",
    "物资目录",
    (
        _c("code", "物资编码", "code"),
        _c("name_zh", "名称"),
        _c("name_en", "英文名称", required=False),
        _c("base_unit", "基本单位"),
        _c("packs", "包装换算", "packs", required=False),
        _c("unit_weight_g", "单件重量(克)", "int0"),
        _c("unit_volume_cm3", "单件体积(立方厘米)", "int0"),
        _c("shelf_life_days", "保质期(天)", "pos", required=False),
        _c("needs_cold", "冷链", "bool", required=False, choices=YES_NO),
        _c("needs_dry", "防潮", "bool", required=False, choices=YES_NO),
        _c("hazardous", "危险品", "bool", required=False, choices=YES_NO),
        _c("category", "类别", "choice", choices=CATEGORIES),
        _c("price_fen", "单价(分)", "int0", required=False),
    ),
    ("code",),
)
STANDARDS = Sheet(
    "standards",
    "储备定额",
    (
        _c("level", "级别", "choice", choices=SITE_LEVELS),
        _c("area_code", "区划代码(空=该级全部)", "code", required=False),
        _c("item_code", "物资编码", "code"),
        _c("basis", "计算方式", "choice", choices=BASIS),
        _c("qty", "定额数量", "int0", required=False),
        _c("per_1000_per_day", "每千人每日", "int0", required=False),
        _c("sustain_days", "保障天数", "int0", required=False),
        _c("agreement_cap_pct", "协议储备上限(%)", "int0", required=False, default=100),
        _c("source", "依据", required=False),
    ),
    ("level", "area_code", "item_code"),
)
NORMS = Sheet(
    "norms",
    "人均标准",
    (
        _c("item_code", "物资编码", "code"),
        _c("units_per_100", "每百人数量", "pos"),
        _c("per_day", "按日计", "bool", choices=YES_NO),
        _c("priority_only", "仅安置点/医疗点", "bool", required=False, choices=YES_NO),
    ),
    ("item_code",),
)
VEHICLES = Sheet(
    "vehicles",
    "车辆",
    (
        _c("code", "车牌号", max_len=32),
        _c("name", "名称"),
        _c("ownership", "权属", "choice", choices=OWNERSHIP),
        _c("home_site", "所属库点编码", "code"),
        _c("capacity_kg", "载重(千克)", "int0"),
        _c("capacity_dm3", "容积(立方分米)", "int0"),
        _c("cold_boxes", "冷链箱位", "int0", required=False),
        _c("activation_minutes", "启用时间(分钟)", "int0", required=False),
        _c(
            "speed_profile",
            "速度类型",
            "choice",
            required=False,
            choices=SPEED_PROFILES,
            default="driving-hgv",
        ),
        _c("available_hours", "可用时长(小时)", "pos", required=False),
        _c("driver", "司机", required=False),
        _c("driver_phone", "司机电话", required=False),
    ),
    ("code",),
)
AGREEMENTS = Sheet(
    "agreements",
    "协议储备",
    (
        _c("contract", "合同编号", "code"),
        _c("holder", "协议单位库点编码", "code"),
        _c("item_code", "物资编码", "code"),
        _c("agreed_qty", "协议数量", "pos"),
        _c("price_fen", "单价(分)", "int0", required=False),
        _c("lead_time_minutes", "调用时限(分钟)", "int0"),
        _c("valid_from", "有效期起", "date"),
        _c("valid_to", "有效期止", "date"),
        _c("last_verified_on", "最近核查日期", "date", required=False),
        _c("last_verified_qty", "最近核查数量", "int0", required=False),
        _c("contact", "联系人", required=False),
        _c("subsidy_fen", "年度补贴(分)", "int0", required=False),
    ),
    ("contract", "item_code"),
)
CAPACITY = Sheet(
    "capacity",
    "产能储备",
    (
        _c("producer", "生产企业库点编码", "code"),
        _c("item_code", "物资编码", "code"),
        _c("units_per_day", "日产能", "pos"),
        _c("activation_minutes", "启动时间(分钟)", "int0"),
        _c("valid_from", "有效期起", "date"),
        _c("valid_to", "有效期止", "date"),
    ),
    ("producer", "item_code"),
)
TRANSPORT = Sheet(
    "transport",
    "协议运力",
    (
        _c("code", "协议编号", "code"),
        _c("carrier", "承运单位"),
        _c("base_site", "基地库点编码", "code", required=False),
        _c("vehicles", "车辆数", "pos"),
        _c("capacity_kg", "单车载重(千克)", "pos"),
        _c("capacity_dm3", "单车容积(立方分米)", "pos"),
        _c("activation_minutes", "启用时间(分钟)", "int0"),
        _c("valid_from", "有效期起", "date"),
        _c("valid_to", "有效期止", "date"),
        _c("contact", "联系人", required=False),
    ),
    ("code",),
)

ROLES = {
    "保管员": "keeper",
    "调度员": "dispatcher",
    "规划审查": "planner",
    "管理员": "admin",
    "灾情信息员": "informant",
    "省级查看": "province",
}
USERS = Sheet(
    "users",
    "用户",
    (
        _c("username", "用户名"),
        _c("display_name", "姓名", required=False),
        _c("role", "角色", "choice", choices=ROLES, aliases=ROLE_ALIASES),
        _c("sites", "负责库点编码", "codes", required=False),
        _c("townships", "负责乡镇代码", "codes", required=False),
    ),
    ("username",),
    optional=True,
)

SHEETS: tuple[Sheet, ...] = (
    COUNTY,
    TOWNSHIPS,
    VILLAGES,
    SHELTERS,
    SITES,
    ITEMS,
    STANDARDS,
    NORMS,
    VEHICLES,
    AGREEMENTS,
    CAPACITY,
    TRANSPORT,
    USERS,
)
RECORD_SHEETS = SHEETS[:-1]  # written record by record; the 用户 sheet makes accounts (`onboarding/users.py`)
BY_ID = {s.id: s for s in SHEETS}
NOTES_SHEET = "说明"
NOTES = (
    "本工作簿是一个县的全部基础数据：每张表一类记录，第 1 行是表头，从第 2 行起每行一条。",
    "导入是“全部成功或全部不导入”：任何一行有错，都会列出所有错误（表、行、列、值），数据库不做任何改动。",
    "同一文件导入两次不会产生变化；导出后再导入也不会产生变化。",
    "文件中删去的库点、车辆会被停用（不删除）；被出入库、方案或审查引用的记录永远不会被删除。",
    "坐标：十进制度数，坐标系在“县情”表中声明（WGS-84 / GCJ-02 高德腾讯 / BD-09 百度），导入时统一换算为 WGS-84。",
    "本县范围由各乡镇驻地坐标（外扩约 15 公里）确定，范围外的点会被指出所在行。",
    "带下拉框的列请从下拉框中选择；编码列请设为“文本”格式，避免 Excel 转成科学计数法。",
    "“用户”表可选：导入时新建的账号没有密码，系统为每个新账号生成一次性的初始设置码（只显示一次），"
    "用户首次登录时用它设置自己的密码；已有账号的密码不变。保管员须填负责库点，灾情信息员须填负责乡镇，"
    "多个编码用分号隔开。导出的工作簿不含任何密码。",
    "车辆的速度类型（小型车/货车）决定行驶时间，可用时长限制一次调度的在途小时数，司机和电话印在调拨单上。",
    "乡镇边界（可选）不在本工作簿中：另用乡镇面图层导出的 GeoJSON 文件与工作簿一起导入，按乡镇代码或名称对应。",
)


def label_of(column: Column, value: object) -> object:
    """The workbook's text for a stored value (the first label of a choice, 是/否, the packs string)."""
    if value is None:
        return None
    if column.choices is not None:
        for label, v in column.choices.items():
            if v == value:
                return label
        return value
    if column.kind == "codes":
        return ";".join(value)  # type: ignore[arg-type]
    if column.kind == "packs":
        return ";".join(f"{u}:{f}" for u, f in value)  # type: ignore[attr-defined]
    return value
