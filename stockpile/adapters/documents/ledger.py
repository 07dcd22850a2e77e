"""Printable documents: 入库单 / 出库单 / 调拨单 of one posting and the 盘点表 of a site, as PDF with an embedded CJK
TrueType font (Debian fonts-wqy-zenhei), plus the xlsx import template.

The font is embedded (subset) so a PDF prints the same on any machine; if the TTF is absent the built-in
STSong-Light CID font is used (not embedded: the reader must have an Asian font pack).
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import Engine, select

from stockpile import clock
from stockpile.adapters.db.engine import readonly
from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.auth import user_name_of
from stockpile.adapters.repos.county import bureau_name
from stockpile.adapters.repos.ledger import TRANSIT_CODE
from stockpile.i18n import format as fmt
from stockpile.i18n import t
from stockpile.schemas import MOVEMENT_COLUMNS

FONT_FILES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
FONT_NAME = "WQYZenHei"
FALLBACK_FONT = "STSong-Light"
TITLES = {"receipt": "doc.receipt_title", "issue": "doc.issue_title", "transfer": "doc.transfer_title"}


def cjk_font(paths: Sequence[Path] = FONT_FILES) -> str:
    """Register the first CJK TTF found (subfont 0 of the .ttc) and return its name; else the CID fallback."""
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    for p in paths:
        if p.exists():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(p), subfontIndex=0))
            return FONT_NAME
    if FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


@dataclass
class Voucher:
    """What a 入库单/出库单/调拨单 prints: header fields and one line per (item, lot)."""

    posting_id: uuid.UUID
    kind: str
    occurred_at: datetime
    actor: str
    doc_no: str
    event_tag: str
    remark: str
    site: str
    to_site: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(
        default_factory=list
    )  # item_code, item_name, unit, lot_no, expiry, qty


class Documents:
    """Reads a posting or a site's lots and renders them to PDF (A4, embedded CJK font)."""

    def __init__(self, engine: Engine, to_xlsx: Callable[..., bytes] | None = None) -> None:
        self.engine = readonly(engine)
        self.to_xlsx = to_xlsx

    # ---- reads -----------------------------------------------------------------------------------------------
    def recent_postings(
        self, kinds: Sequence[str], limit: int = 50, site_codes: Collection[str] | None = None
    ) -> pd.DataFrame:
        """Latest postings of these kinds with their site and line count (newest first); with `site_codes`,
        only postings with a leg at one of these depots."""
        p, m, s = orm.PostingRow, orm.MovementRow, orm.SiteRow
        q = (
            select(p.id, p.kind, p.occurred_at, p.doc_no, p.actor, s.name.label("site_name"), m.qty)
            .join(m, m.posting_id == p.id)
            .join(s, s.id == m.site_id)
            .where(p.kind.in_(list(kinds)), s.code != TRANSIT_CODE)
            .order_by(p.occurred_at.desc(), m.seq)
            .limit(limit * 20)
        )
        if site_codes is not None:
            q = q.where(s.code.in_(list(site_codes)))
        with self.engine.connect() as c:
            rows = c.execute(q).all()
        out: dict[uuid.UUID, dict[str, Any]] = {}
        for r in rows:
            d = out.setdefault(
                r.id,
                {
                    "posting_id": r.id,
                    "kind": r.kind,
                    "occurred_at": r.occurred_at,
                    "doc_no": r.doc_no,
                    "actor": r.actor,
                    "site_name": r.site_name,
                    "lines": 0,
                    "qty": 0,
                },
            )
            d["lines"] += 1
            d["qty"] += abs(r.qty)
        cols = ["posting_id", "kind", "occurred_at", "doc_no", "actor", "site_name", "lines", "qty"]
        return pd.DataFrame(list(out.values())[:limit], columns=cols)

    def bureau(self, lang: str = "zh") -> str:
        """The bureau printed on every document: the county's own (县情), else the catalogue's demo bureau."""
        return bureau_name(self.engine) or t("app.county", lang)

    def voucher(self, posting_id: uuid.UUID) -> Voucher:
        p, m, s, i, lt = orm.PostingRow, orm.MovementRow, orm.SiteRow, orm.ItemRow, orm.LotRow
        with self.engine.connect() as c:
            head = c.execute(select(p).where(p.id == posting_id)).one_or_none()
            if head is None:
                raise KeyError(str(posting_id))
            legs = c.execute(
                select(
                    s.code,
                    s.name,
                    i.code,
                    i.name_zh,
                    i.base_unit,
                    lt.lot_no,
                    lt.expiry,
                    m.qty,
                    m.kind,
                    i.name_en,
                )
                .join(s, s.id == m.site_id)
                .join(i, i.id == m.item_id)
                .join(lt, lt.id == m.lot_id)
                .where(m.posting_id == posting_id, s.code != TRANSIT_CODE)
                .order_by(m.seq)
            ).all()
            to_site = ""
            if head.kind == "transfer":
                tr = c.execute(
                    select(s.name)
                    .join(orm.TransferRow, orm.TransferRow.to_site_id == s.id)
                    .where(orm.TransferRow.id == posting_id)
                ).scalar()
                to_site = tr or ""
            actor = user_name_of(c, head.actor)
        return Voucher(
            posting_id=head.id,
            kind=head.kind,
            occurred_at=head.occurred_at,
            actor=actor,
            doc_no=head.doc_no,
            event_tag=head.event_tag,
            remark=head.remark,
            site=legs[0][1] if legs else "",
            to_site=to_site,
            payload=json.loads(head.payload or "{}"),
            lines=[
                {
                    "item_code": r[2],
                    "item_name": r[3],
                    "item_name_en": r[9] or "",
                    "unit": r[4],
                    "lot_no": r[5],
                    "expiry": r[6],
                    "qty": abs(r[7]),
                }
                for r in legs
            ],
        )

    # ---- PDFs --------------------------------------------------------------------------------------------------
    def voucher_pdf(self, posting_id: uuid.UUID, lang: str = "zh") -> bytes:
        """入库单 / 出库单 / 调拨单: header, one line per lot, total, signature boxes."""
        v = self.voucher(posting_id)
        title = t(TITLES.get(v.kind, "doc.posting_title"), lang)
        meta = [
            (t("doc.doc_no", lang), v.doc_no or t("transfer.no_doc_no", lang)),  # footer: the posting id
            (t("doc.date", lang), fmt.when(v.occurred_at, lang)),
            (t("doc.site", lang), v.site + (f" → {v.to_site}" if v.to_site else "")),
            (t("doc.actor", lang), v.actor),
        ]
        for key in ("supplier", "inspector", "purpose"):
            if v.payload.get(key):
                meta.append((t(f"form.{key}", lang), _value_text(key, v.payload[key], lang)))
        if v.event_tag:
            meta.append((t("col.event_tag", lang), v.event_tag))
        if v.remark:
            meta.append((t("col.remark", lang), v.remark))
        head = [t(f"col.{c}", lang) for c in ("item_code", "item_name", "lot_no", "expiry", "qty", "unit")]
        body = [
            [
                ln["item_code"],
                fmt.name_in(ln["item_name"], ln["item_name_en"], lang),
                ln["lot_no"],
                _d(ln["expiry"]),
                f"{ln['qty']:,}",
                ln["unit"],
            ]
            for ln in v.lines
        ]
        total = ["", t("doc.total", lang), "", "", f"{sum(ln['qty'] for ln in v.lines):,}", ""]
        signs = [t(f"doc.sign_{k}", lang) for k in ("keeper", "checker", "head")]
        return _render(title, meta, head, [*body, total], signs, str(v.posting_id), lang, self.bureau(lang))

    def count_sheet_pdf(self, site_code: str, lang: str = "zh", on: date | None = None) -> bytes:
        """盘点表: every lot at the site with its book quantity; 实盘数量 and 差异 left blank for the count."""
        on = on or clock.today()
        b, s, i, lt = orm.StockBalanceRow, orm.SiteRow, orm.ItemRow, orm.LotRow
        with self.engine.connect() as c:
            site = c.execute(select(s.name).where(s.code == site_code)).scalar()
            rows = c.execute(
                select(i.code, i.name_zh, lt.lot_no, lt.expiry, b.on_hand, i.base_unit, i.name_en)
                .join(s, s.id == b.site_id)
                .join(i, i.id == b.item_id)
                .join(lt, lt.id == b.lot_id)
                .where(s.code == site_code, b.on_hand != 0)
                .order_by(i.code, lt.expiry, lt.lot_no)
            ).all()
        if site is None:
            raise KeyError(site_code)
        title = t("doc.count_title", lang)
        named = f"{site} ({site_code})" if lang == "en" else f"{site}（{site_code}）"
        meta = [(t("doc.site", lang), named), (t("doc.date", lang), on.isoformat())]
        head = [
            t(f"col.{c}", lang) for c in ("item_code", "item_name", "lot_no", "expiry", "on_hand", "unit")
        ]
        head += [t("doc.counted", lang), t("doc.variance", lang)]
        body = [
            [r[0], fmt.name_in(r[1], r[6], lang), r[2], _d(r[3]), f"{r[4]:,}", r[5], "", ""] for r in rows
        ]
        signs = [t(f"doc.sign_{k}", lang) for k in ("counter", "keeper", "head")]
        return _render(
            title, meta, head, body, signs, f"{site_code} {on.isoformat()}", lang, self.bureau(lang)
        )

    # ---- xlsx template -----------------------------------------------------------------------------------------
    def import_template(self, lang: str = "zh") -> bytes:
        """Sheet 导入 with the accepted headers and two example rows (a receipt and an issue)."""
        if self.to_xlsx is None:
            raise RuntimeError("no xlsx writer")
        cols = [aliases[0] for aliases in MOVEMENT_COLUMNS.values()]
        example = [
            ["入库", "XJK", "1010101", "L2026-001", 20, "", "", "", "2026-11-01 09:00", "RK-001"],
            ["出库", "XJK", "1010101", "", 5, "", "", "", "2026-11-02 10:30", "CK-001"],
        ]
        rows = [dict(zip(cols, r + [""] * (len(cols) - len(r)), strict=True)) for r in example]
        for r in rows:
            r["用途"] = "救灾" if r["业务类型"] == "出库" else ""
        return self.to_xlsx({"导入": pd.DataFrame(rows, columns=cols)}, {})


def _d(v: Any) -> str:
    return v.isoformat() if isinstance(v, date) else ""


def _value_text(key: str, value: Any, lang: str) -> str:
    return t(f"purpose.{value}", lang) if key == "purpose" else str(value)


def _render(
    title: str,
    meta: list[tuple[str, str]],
    head: list[str],
    body: list[list[str]],
    signs: list[str],
    footer: str,
    lang: str,
    bureau: str,
) -> bytes:
    font = cjk_font()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author=bureau,
    )
    h1 = ParagraphStyle("h1", fontName=font, fontSize=18, leading=24, alignment=1, spaceAfter=6)
    small = ParagraphStyle("s", fontName=font, fontSize=9, leading=12)
    cell = ParagraphStyle("c", fontName=font, fontSize=9, leading=11)
    story: list[Any] = [Paragraph(bureau, small), Paragraph(title, h1)]
    pairs = [[Paragraph(f"{k}：{v}", small) for k, v in meta[i : i + 2]] for i in range(0, len(meta), 2)]
    pairs = [p + [Paragraph("", small)] * (2 - len(p)) for p in pairs]
    story += [Table(pairs, colWidths=[90 * mm, 90 * mm]), Spacer(1, 4 * mm)]
    data = [head] + [[Paragraph(str(x), cell) for x in row] for row in body]
    table = Table(data, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [table, Spacer(1, 10 * mm)]
    story.append(Table([[f"{s}：________________" for s in signs]], colWidths=[60 * mm] * len(signs)))
    story[-1].setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 10)]))
    printed = clock.now()
    story += [
        Spacer(1, 6 * mm),
        Paragraph(f"{footer} · {t('doc.printed', lang)} {printed:%Y-%m-%d %H:%M}", small),
    ]
    doc.build(story)
    return buf.getvalue()
