"""Dispatch orders (调拨单) per vehicle as xlsx (openpyxl) and PDF (reportlab, embedded CJK font).

The PDF embeds WenQuanYi Zen Hei (Debian `fonts-wqy-zenhei`, subfont 0) so Chinese text prints on any machine.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from stockpile import clock

CJK_FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
CJK_FONT = "WenQuanYiZenHei"
HEADERS = ("序号", "作业", "类型", "地点", "物资编码", "物资名称", "数量", "单位", "预计时间")
KIND_ZH = {"pickup": "装货", "delivery": "卸货"}


class FontMissing(RuntimeError):
    """The CJK font is not installed (apt-get install -y fonts-wqy-zenhei)."""


def _font() -> str:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        if not CJK_FONT_PATH.exists():
            raise FontMissing(str(CJK_FONT_PATH))
        pdfmetrics.registerFont(TTFont(CJK_FONT, str(CJK_FONT_PATH), subfontIndex=0))
    return CJK_FONT


def _rows(lines: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    return [
        [
            str(ln["line_no"]),
            str(ln["job"]),
            KIND_ZH.get(str(ln["kind"]), str(ln["kind"])),
            f"{ln['place_name']}({ln['place_code']})",
            str(ln["item_code"]),
            str(ln["item_name"]),
            str(ln["qty"]),
            str(ln["unit"]),
            clock.local(ln["eta"]).strftime("%m-%d %H:%M"),
        ]
        for ln in lines
    ]


def order_xlsx(header: Mapping[str, str], lines: Sequence[Mapping[str, Any]]) -> bytes:
    """One sheet: the order header (单号, 车辆, 方案) then one row per stop line."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "调拨单"
    ws.append(["调拨单"])
    for k, v in header.items():
        ws.append([k, v])
    ws.append([])
    ws.append(list(HEADERS))
    for r in _rows(lines):
        ws.append([int(r[0]), *r[1:6], int(r[6]), *r[7:]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def order_pdf(header: Mapping[str, str], lines: Sequence[Mapping[str, Any]]) -> bytes:
    """A4 landscape order with the CJK font embedded."""
    font = _font()
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=20)
    body = ParagraphStyle("b", fontName=font, fontSize=10, leading=13)
    story: list[Any] = [Paragraph("应急物资调拨单", title), Spacer(1, 6)]
    story += [Paragraph(f"{k}：{v}", body) for k, v in header.items()]
    story.append(Spacer(1, 8))
    table = Table([list(HEADERS), *_rows(lines)], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 16),
        Paragraph("调度员：__________  保管员：__________  驾驶员：__________", body),
    ]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=landscape(A4), title="调拨单").build(story)
    return buf.getvalue()
