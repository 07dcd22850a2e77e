"""Outgoing requests to the city as a person reads them: the shortfall per item, the list of requests and the
请调函 letter itself (the bureau, the number, the addressee, why, what, by when, signature lines). Pure: records in,
translated tables and text out; the documents adapter prints the letter as PDF and xlsx."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from stockpile import clock
from stockpile.domain.city_requests import CityRequest, Shortfall
from stockpile.i18n import format as fmt
from stockpile.i18n import t
from stockpile.reports.registers import Items, item_text


@dataclass(frozen=True)
class Letter:
    """A 请调函 ready to print: every field already in the reader's language."""

    bureau: str
    title: str
    number: str
    addressee: str
    paragraphs: tuple[str, ...]
    table: tuple[tuple[str, ...], ...]  # the header row first
    signatures: tuple[str, ...]
    closing: tuple[str, ...]  # the bureau (seal) and the date, right-aligned


def _unit(items: Items, code: str) -> str:
    return items.get(code, ("", "", ""))[2]


def shortfall_table(rows: Sequence[Shortfall], items: Items) -> pd.DataFrame:
    """Per item: approved and not yet delivered, free stock, already asked of the city, still short."""
    cols = ("item", "approved", "on_hand", "asked", "short")
    data = [
        (
            item_text(items, s.item_code),
            fmt.qty(s.approved, _unit(items, s.item_code)),
            fmt.qty(s.on_hand, _unit(items, s.item_code)),
            fmt.qty(s.asked, _unit(items, s.item_code)),
            fmt.qty(s.short, _unit(items, s.item_code)),
        )
        for s in rows
    ]
    return pd.DataFrame(data, columns=[t(f"city.col_{c}") for c in cols])


def lines_text(r: CityRequest, items: Items) -> str:
    return "；".join(
        f"{item_text(items, ln.item_code)} {fmt.qty(ln.qty, _unit(items, ln.item_code))}" for ln in r.lines
    )


def requests_table(rows: Sequence[CityRequest], items: Items) -> pd.DataFrame:
    """The requests to the city: number, event, what, reason, needed-by, who and when."""
    cols = ("number", "event", "lines", "reason", "needed_by", "by", "at")
    data = [
        (
            r.number,
            r.event_code,
            lines_text(r, items),
            r.reason,
            fmt.when(r.needed_by) if r.needed_by else t("city.asap"),
            r.created_by,
            fmt.when(r.created_at),
        )
        for r in rows
    ]
    return pd.DataFrame(data, columns=[t(f"city.col_{c}") for c in cols])


def letter(r: CityRequest, event_name: str, bureau: str, items: Items) -> Letter:
    """The letter: bureau, title, number, addressee, the request (event, reason, needed-by), the item table and
    the signature lines, dated the day it was recorded."""
    needed = fmt.when(r.needed_by) if r.needed_by else t("city.asap")
    header = (t("city.col_no"), t("city.col_item"), t("city.col_unit"), t("city.col_qty"))
    table = [header] + [
        (str(i), item_text(items, ln.item_code), _unit(items, ln.item_code), fmt.num(ln.qty))
        for i, ln in enumerate(r.lines, 1)
    ]
    day = clock.local(r.created_at).date().isoformat() if r.created_at else ""
    return Letter(
        bureau=bureau,
        title=t("city.letter_title"),
        number=r.number,
        addressee=t("city.addressee", to=r.recipient or t("city.recipient_default")),
        paragraphs=(
            t("city.letter_body", event=event_name, code=r.event_code, n=len(r.lines)),
            t("city.letter_reason", reason=r.reason),
            t("city.letter_needed", needed=needed),
            t("city.letter_close"),
        ),
        table=tuple(table),
        signatures=(t("city.sign_handler"), t("city.sign_checker"), t("city.sign_issuer")),
        closing=(t("city.seal", bureau=bureau), day),
    )


def letter_filename(r: CityRequest, ext: str) -> str:
    """A file name without the brackets a file system may dislike: 请调函-2026-3.pdf."""
    created = r.created_at.year if r.created_at else 0
    serial = r.number.rsplit("〕", 1)[-1].rstrip("号") if "〕" in r.number else str(r.id)
    return f"{t('city.letter_title')}-{created}-{serial}.{ext}"
