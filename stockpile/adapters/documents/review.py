"""Annual storage-plan review (年度储备计划审查) as documents: xlsx (XlsxWriter, one sheet per section) and a
Chinese PDF (reportlab, the WenQuanYi Zen Hei font embedded so any reader shows the Chinese text).

Input is the plain review content (JSON-able dict) plus the workflow metadata (state, people, sha256).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from stockpile.adapters.files.exporters import to_xlsx as frames_to_xlsx
from stockpile.i18n import format as fmt
from stockpile.i18n import t
from stockpile.reports.review_text import absent_channel_texts, recommendation_text

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
FONT_NAME = "WQYZenHei"

SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "standard_vs_actual",
        "review_doc.standard_vs_actual",
        ("level", "item_code", "item_name", "unit", "areas", "standard", "counted", "gap", "areas_short"),
    ),
    (  # the circle's village sum and shelters beside the county workbook's registered figure, labelled
        "coverage",
        "review_doc.coverage",
        ("area_name", "population_villages", "population_shelters", "population_registered", "covered_pct"),
    ),
    (
        "rotation",
        "review_doc.rotation",
        ("date", "area_name", "item_name", "lot_no", "qty", "channel", "cost_fen"),
    ),
    (  # planning a later year: lots gone by 1 January, to rotate now under this year's plan
        "before_start",
        "review_doc.before_start",
        ("area_name", "item_name", "lot_no", "qty", "unit", "expiry"),
    ),
    (
        "procurement",
        "review_doc.procurement",
        ("date", "area_name", "item_name", "qty", "arrival", "cost_fen"),
    ),
    (
        "renewals",
        "review_doc.renewals",
        ("contract_code", "holder_name", "valid_to", "lines", "agreed_value_fen"),
    ),
)


LATER_SECTIONS = frozenset({"before_start"})  # added after reviews were first signed: an older one has none


def _sections(doc: Mapping[str, Any]) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """The sections the document carries: one signed before a section existed is printed without it."""
    return tuple(s for s in SECTIONS if s[0] not in LATER_SECTIONS or s[0] in doc)


def _headers() -> dict[str, str]:
    from stockpile.i18n import catalogue, current_lang

    return {k[4:]: v for k, v in catalogue(current_lang.get()).items() if k.startswith("col.")}


ENUMS = {"level": "scope", "channel": "channel", "action": "action"}


def _rows(doc: Mapping[str, Any], key: str, items: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """A section's rows with enumerations (level, channel, action) translated, money in 元 (numbers), shares
    with %, and items named as ``items`` (code → (name in the reader's language, unit)) names them."""
    v = doc.get(key)
    rows = list(v.get("rows", [])) if key == "coverage" and isinstance(v, dict) else list(v or [])
    return [_named({k: _value(k, x) for k, x in r.items()}, items or {}) for r in rows]


def _items(meta: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """meta["items"] (code → (Chinese name, English name, unit)) as code → (name in the reader's language, unit)."""
    return {c: (fmt.name_in(zh, en), unit) for c, (zh, en, unit) in (meta.get("items") or {}).items()}


def _named(row: dict[str, Any], items: Mapping[str, Any]) -> dict[str, Any]:
    known = items.get(str(row.get("item_code") or ""))
    return {**row, "item_name": known[0]} if known and "item_name" in row else row


LEGACY_COVERAGE = ("area_name", "population", "covered_pct")  # reviews signed before the population split


def _columns(key: str, cols: tuple[str, ...], rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """A section's columns; a coverage section signed before the split keeps its one population column."""
    if key == "coverage" and rows and "population" in rows[0] and "population_villages" not in rows[0]:
        return list(LEGACY_COVERAGE)
    return list(cols)


def _value(col: str, x: Any) -> Any:
    if col in ENUMS and x:
        return t(f"{ENUMS[col]}.{x}")
    if col.endswith("_fen") and not fmt.blank(x):
        return round(int(x) / 100, 2)
    if col.endswith("_pct") and not fmt.blank(x):
        return fmt.pct_points(x)
    if col == "lot_no":
        return fmt.lot_text(x)
    return x


def _cell(col: str, x: Any) -> str:
    """A printed cell: thousands separators, 元 with two decimals, at most two decimals."""
    if fmt.blank(x) or x == "":
        return ""
    if col.endswith("_fen"):
        return fmt.num(x, decimals=2) if isinstance(x, float) else fmt.yuan_amount(x)
    if isinstance(x, bool) or not isinstance(x, int | float):
        return str(x)
    return fmt.num(x, decimals=2)


def summary_rows(doc: Mapping[str, Any], meta: Mapping[str, Any]) -> list[tuple[str, str]]:
    b = doc.get("budget", {})
    return [
        (t("review_doc.year"), str(doc.get("year", ""))),
        (t("review_doc.state"), t(f"review_state.{meta.get('state', 'prepared')}")),
        (t("review_doc.preparer"), str(meta.get("preparer") or "")),
        (t("review_doc.reviewer"), str(meta.get("reviewer") or "")),
        (t("review_doc.approver"), str(meta.get("approver") or "")),
        (t("review_doc.plan_start"), str(doc.get("plan_start", ""))),
        (
            t("review_doc.holds_standard"),
            t("review_doc.yes") if doc.get("holds_standard") else t("review_doc.no"),
        ),
        # bottles and tents do not add up: the summary counts the area/item pairs short (details per pair follow)
        (t("review_doc.short_keys"), fmt.num(doc.get("short_keys", 0))),
        (t("review_doc.budget_total"), fmt.yuan_amount(int(b.get("total_fen", 0)))),
        (t("review_doc.sha256"), str(meta.get("sha256") or t("review_doc.unsigned"))),
        *_reference_norms_row(doc),
    ]


def _reference_norms_row(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The circle's figures counted with the program's reference norms say so where the document is read."""
    if not doc.get("coverage", {}).get("reference_norms"):
        return []
    return [(t("review_doc.coverage_norms"), t("review_doc.coverage_reference_norms"))]


def to_xlsx(doc: Mapping[str, Any], meta: Mapping[str, Any]) -> bytes:
    """One workbook: summary, each section, recommendations; translated headers."""
    channels = [(t("review_doc.absent_channels"), s) for s in absent_channel_texts(doc)]
    sheets: dict[str, pd.DataFrame] = {
        t("review_doc.summary"): pd.DataFrame(
            [*summary_rows(doc, meta), *channels], columns=["item", "value"]
        ),
    }
    items = _items(meta)
    for key, title, cols in _sections(doc):
        rows = _rows(doc, key, items)
        if key == "coverage" and not doc.get("coverage", {}).get("available"):
            rows = [{"area_name": t("review_doc.coverage_not_available")}]
        sheets[t(title)] = pd.DataFrame(rows, columns=_columns(key, cols, rows))
    sheets[t("review_doc.recommendations")] = pd.DataFrame(
        [{"item": recommendation_text(r, items)} for r in doc.get("recommendations", [])], columns=["item"]
    )
    headers = {**_headers(), "item": t("review_doc.item"), "value": t("review_doc.value")}
    return frames_to_xlsx(sheets, headers)


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        if not CJK_FONT.exists():
            raise RuntimeError(f"CJK font missing: {CJK_FONT} (apt-get install fonts-wqy-zenhei)")
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(CJK_FONT), subfontIndex=0))
    return FONT_NAME


def _table(rows: Sequence[Sequence[Any]], font: str, widths: list[float] | None = None) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    tbl = Table([[str("" if c is None else c) for c in r] for r in rows], colWidths=widths, repeatRows=1)
    tbl.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return tbl


def to_pdf(doc: Mapping[str, Any], meta: Mapping[str, Any], max_rows: int = 200) -> bytes:
    """A4 PDF in Chinese with the CJK font embedded; long sections are cut at `max_rows` with a note."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = _register_font()
    h1 = ParagraphStyle("h1", fontName=font, fontSize=16, leading=22, spaceAfter=8)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    heads = _headers()
    story: list[Any] = [
        Paragraph(t("review_doc.title", year=doc.get("year", "")), h1),
        _table(
            [[t("review_doc.item"), t("review_doc.value")], *summary_rows(doc, meta)],
            font,
            [50 * mm, 120 * mm],
        ),
    ]
    items = _items(meta)
    for key, title, cols in _sections(doc):
        story.append(Paragraph(t(title), h2))
        rows = _rows(doc, key, items)
        if key == "rotation":  # a channel no item may use is said where releases are listed
            story += [Paragraph(s, body) for s in absent_channel_texts(doc)]
        if key == "before_start" and rows:
            story.append(
                Paragraph(t("rotation.before_start", n=len(rows), start=doc.get("plan_start", "")), body)
            )
        if key == "coverage" and not doc.get("coverage", {}).get("available"):
            story.append(Paragraph(t("review_doc.coverage_not_available"), body))
            continue
        if key == "coverage" and doc["coverage"].get("reference_norms"):
            story.append(Paragraph(t("review_doc.coverage_reference_norms"), body))
        if not rows:
            story.append(Paragraph(t("review_doc.none"), body))
            continue
        shown = _columns(key, cols, rows)
        data = [[heads.get(c, c) for c in shown]] + [
            [_cell(c, r.get(c)) for c in shown] for r in rows[:max_rows]
        ]
        story.append(_table(data, font))
        if len(rows) > max_rows:
            story.append(Paragraph(t("review_doc.truncated", n=len(rows) - max_rows), body))
    story.append(Paragraph(t("review_doc.recommendations"), h2))
    for r in doc.get("recommendations", []) or [{"code": "none"}]:
        story.append(Paragraph("· " + recommendation_text(r, items), body))
    story.append(Spacer(1, 12))
    buf = io.BytesIO()
    SimpleDocTemplate(
        buf,
        pagesize=A4,
        title=t("review_doc.title", year=doc.get("year", "")),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
    ).build(story)
    return buf.getvalue()
