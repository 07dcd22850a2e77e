"""Titled tables as a Chinese PDF (reportlab, the WenQuanYi Zen Hei font embedded, like the review): the
information publication and any page that exports what it shows. The frames arrive with their headers and cells
already in the reader's language."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from stockpile.adapters.documents.review import _register_font, _table


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    return str(v)


def tables_pdf(
    title: str, sheets: Mapping[str, pd.DataFrame], notes: Sequence[str] = (), empty: str = "—"
) -> bytes:
    """A4: the title, `notes` (one paragraph each), then each frame under its name; an empty frame shows `empty`."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = _register_font()
    h1 = ParagraphStyle("h1", fontName=font, fontSize=16, leading=22, spaceAfter=8)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    story: list[Any] = [Paragraph(title, h1), *(Paragraph(n, body) for n in notes)]
    for name, df in sheets.items():
        story.append(Paragraph(name, h2))
        if df.empty:
            story.append(Paragraph(empty, body))
            continue
        rows = [[str(c) for c in df.columns]] + [[_cell(v) for v in r] for r in df.itertuples(index=False)]
        story.append(_table(rows, font))
    story.append(Spacer(1, 12))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, title=title).build(story)
    return buf.getvalue()
