"""The 请调函 (a county's request to the city for relief materials) as PDF (reportlab, WenQuanYi Zen Hei embedded,
like the other documents) and xlsx (openpyxl): bureau, title, number, addressee, the request, the item table,
signature lines, the seal line and the date."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from stockpile.adapters.documents.dispatch import _font
from stockpile.reports.city_requests import Letter


def letter_pdf(letter: Letter) -> bytes:
    """A4 portrait: the letter as a bureau prints it, the CJK font embedded."""
    font = _font()
    head = ParagraphStyle("h", fontName=font, fontSize=12, leading=16, alignment=TA_CENTER)
    title = ParagraphStyle("t", fontName=font, fontSize=20, leading=26, alignment=TA_CENTER)
    body = ParagraphStyle("b", fontName=font, fontSize=11, leading=18, firstLineIndent=22)
    plain = ParagraphStyle("p", fontName=font, fontSize=11, leading=18)
    right = ParagraphStyle("r", fontName=font, fontSize=11, leading=18, alignment=TA_RIGHT)
    story: list[Any] = [
        Paragraph(letter.bureau, head),
        Paragraph(letter.title, title),
        Paragraph(letter.number, head),
        Spacer(1, 10),
        Paragraph(letter.addressee, plain),
        *(Paragraph(p, body) for p in letter.paragraphs[:-1]),
        Spacer(1, 6),
    ]
    table = Table([list(r) for r in letter.table], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 10),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ]
        )
    )
    story += [table, Spacer(1, 8), Paragraph(letter.paragraphs[-1], body), Spacer(1, 24)]
    story.append(Paragraph("　　".join(letter.signatures), plain))
    story += [Spacer(1, 24), *(Paragraph(c, right) for c in letter.closing)]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, title=letter.number).build(
        story
    )
    return buf.getvalue()


def letter_xlsx(letter: Letter) -> bytes:
    """One sheet in reading order: bureau, title, number, addressee, the request, the table, signatures, seal."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = letter.title[:31]
    for line in (letter.bureau, letter.title, letter.number, letter.addressee, *letter.paragraphs[:-1]):
        ws.append([line])
    ws.append([])
    for row in letter.table:
        ws.append(list(row))
    ws.append([])
    ws.append([letter.paragraphs[-1]])
    ws.append(list(letter.signatures))
    for line in letter.closing:
        ws.append([line])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
