"""Dispatch orders (调拨单) per vehicle as xlsx (openpyxl) and PDF (reportlab, embedded CJK font), derived from the
order as stored: bureau name from the county settings, order number, plate and driver, stops in order with ETAs,
items by name with lot, quantity and unit, the green-channel pass text, receipt and signature lines.

The PDF embeds WenQuanYi Zen Hei (Debian `fonts-wqy-zenhei`, subfont 0) so Chinese text prints on any machine.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from stockpile import clock
from stockpile.domain.dispatch import stop_numbers
from stockpile.i18n import aside, label_sep, listed, t
from stockpile.i18n import format as fmt

CJK_FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
CJK_FONT = "WenQuanYiZenHei"
COLUMNS = ("no", "kind", "place", "eta", "item", "lot", "qty", "shipped", "unit")


class Sheet(Protocol):
    """What the writers read of an order (dispatch.orders.OrderSheet)."""

    header: dict[str, Any]
    lines: list[dict[str, Any]]
    depots: list[dict[str, Any]]
    receipt: list[dict[str, Any]]
    shipments: list[dict[str, Any]]


class FontMissing(RuntimeError):
    """The CJK font is not installed (apt-get install -y fonts-wqy-zenhei)."""


def _font() -> str:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        if not CJK_FONT_PATH.exists():
            raise FontMissing(str(CJK_FONT_PATH))
        pdfmetrics.registerFont(TTFont(CJK_FONT, str(CJK_FONT_PATH), subfontIndex=0))
    return CJK_FONT


def _when(v: Any) -> str:
    return "" if v is None else fmt.when(v)


def _item(r: Mapping[str, Any]) -> str:
    """An order line's item in the reader's language (its Chinese name where the county gave no English one)."""
    return fmt.name_in(r["item_name"], r.get("item_name_en"))


def _vehicle(h: Mapping[str, Any]) -> str:
    """The truck by its name with its code (江渚镇皮卡（XZ10-01）); a contracted vehicle, which has no name in the
    fleet list, by its code."""
    code, name = str(h.get("vehicle", "")), str(h.get("vehicle_name") or "")
    return aside(name, code) if name and name != code else code


def _state(h: Mapping[str, Any]) -> str:
    """The state in words; a superseded order names the plan that replaced it (its orders' number prefix)."""
    state = t(f"order.state.{h['state']}")
    new = h.get("superseded_by")
    return aside(state, t("order.cli.superseded_by", plan=f"DD{new.hex[:8].upper()}")) if new else state


def header_rows(h: Mapping[str, Any], depots: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(label, value) pairs of the order header, in Chinese words (state never as a code)."""
    none = t("order.doc.not_recorded")
    driver = " ".join(x for x in (h.get("driver", ""), h.get("driver_phone", "")) if x) or none
    parts = listed(_part(d) for d in depots)
    return [
        (t("order.doc.doc_no"), str(h["doc_no"])),
        (t("order.doc.scenario"), aside(str(h.get("scenario_name", "")), str(h.get("scenario", "")))),
        (t("order.doc.vehicle"), _vehicle(h)),
        (t("order.doc.plate"), str(h.get("plate") or none)),
        (t("order.doc.driver"), driver),
        (t("order.doc.state"), _state(h)),
        (t("order.doc.confirmed"), f"{_when(h.get('confirmed_at'))}  {h.get('confirmed_by', '')}"),
        (t("order.doc.depots"), parts or "—"),
    ]


def _part(d: Mapping[str, Any]) -> str:
    """A depot part in words; a part that loaded less than it held says so (已发运（部分 6/10）)."""
    text = f"{d['site_name']}({d['site']}) {t('order.state.' + d['state'])}"
    if d.get("shipped_qty") is not None and d["shipped_qty"] < d["planned_qty"]:
        text += t("order.doc.part_short", shipped=d["shipped_qty"], planned=d["planned_qty"])
    return text


def shipment_rows(shipments: Sequence[Mapping[str, Any]]) -> list[str]:
    """One sentence per item a depot loaded less of than it held: depot, item, shipped/planned, reason, note."""
    return [
        f"{t('order.doc.loading_short')}{label_sep()}{r['site_name']} {_item(r)} {fmt.num(r['shipped'])}/"
        f"{fmt.num(r['planned'])} {r['unit']}"
        f" {t('order.short_reason.' + r['reason']) if r['reason'] else ''} {r['note']}".rstrip()
        for r in shipments
        if r["shipped"] < r["planned"]
    ]


def line_rows(lines: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """Stops in order: the stop number counts places, so several items of one stop share it."""
    out = []
    for stop, ln in zip(stop_numbers(lines), lines, strict=True):
        out.append(
            [
                str(stop),
                t(f"dispatch.stop.{ln['kind']}"),
                f"{ln['place_name']}({ln['place_code']})",
                clock.local(ln["eta"]).strftime("%m-%d %H:%M"),
                _item(ln),
                str(ln.get("lot_no") or "—"),
                str(ln["qty"]),
                "—" if ln.get("shipped") is None else str(ln["shipped"]),
                str(ln["unit"]),
            ]
        )
    return out


def receipt_rows(h: Mapping[str, Any], receipt: Sequence[Mapping[str, Any]]) -> list[str]:
    if not receipt:
        return []
    rows = [f"{t('order.doc.received_by')}{label_sep()}{h.get('received_by', '')}  {t('order.doc.received_at')}"
            f"{label_sep()}{_when(h.get('delivered_at'))}"]  # fmt: skip
    for r in receipt:
        if r["received"] < r["planned"]:
            rows.append(
                f"{t('order.doc.shortage')}{label_sep()}{r['place_code']} {_item(r)} "
                f"{r['received']}/{r['planned']} {r['reason']}"
            )
    return rows


def order_xlsx(sheet: Sheet, bureau: str) -> bytes:
    """One sheet: bureau and title, the header, one row per stop line, receipt, green channel, signatures."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = t("order.doc.title")[:31]
    ws.append([bureau])
    ws.append([t("order.doc.title")])
    for k, v in header_rows(sheet.header, sheet.depots):
        ws.append([k, v])
    ws.append([])
    ws.append([t(f"order.doc.col_{c}") for c in COLUMNS])
    for r in line_rows(sheet.lines):
        ws.append([int(r[0]), *r[1:6], int(r[6]), int(r[7]) if r[7].isdigit() else r[7], r[8]])
    ws.append([])
    for line in [*shipment_rows(sheet.shipments), *receipt_rows(sheet.header, sheet.receipt)]:
        ws.append([line])
    ws.append([t("order.doc.green_channel_title"), t("order.doc.green_channel")])
    ws.append([t("order.doc.signatures")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def order_pdf(sheet: Sheet, bureau: str) -> bytes:
    """A4 landscape order with the CJK font embedded."""
    font = _font()
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=20)
    body = ParagraphStyle("b", fontName=font, fontSize=10, leading=13)
    story: list[Any] = [Paragraph(bureau, body), Paragraph(t("order.doc.title"), title), Spacer(1, 6)]
    story += [Paragraph(f"{k}{label_sep()}{v}", body) for k, v in header_rows(sheet.header, sheet.depots)]
    story.append(Spacer(1, 8))
    table = Table([[t(f"order.doc.col_{c}") for c in COLUMNS], *line_rows(sheet.lines)], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ]
        )
    )
    story += [table, Spacer(1, 10)]
    story += [Paragraph(line, body) for line in shipment_rows(sheet.shipments)]
    story += [Paragraph(line, body) for line in receipt_rows(sheet.header, sheet.receipt)]
    story += [
        Paragraph(f"{t('order.doc.green_channel_title')}{label_sep()}{t('order.doc.green_channel')}", body),
        Spacer(1, 16),
        Paragraph(t("order.doc.signatures"), body),
    ]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=landscape(A4), title=str(sheet.header["doc_no"])).build(story)
    return buf.getvalue()


def orders_zip(docs: Iterable[tuple[str, bytes, bytes]]) -> bytes:
    """One zip of every order's xlsx and PDF (doc number, xlsx, pdf)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for doc, xlsx, pdf in docs:
            z.writestr(f"{doc}.xlsx", xlsx)
            z.writestr(f"{doc}.pdf", pdf)
    return buf.getvalue()
