"""The page audit: every text a user reads on a rendered page (AppTest), and the rules it must keep.

A finding is a text that shows the machinery instead of the words: a catalogue key, an English enum value on a
Chinese page, an internal id, a time with a UTC offset, a float with more than two decimals. The enum values are
read from the code (every ``StrEnum`` in stockpile and optimizer, every ``IN (...)`` check constraint of the
schema), not listed by hand.
"""

from __future__ import annotations

import enum
import importlib
import io
import json
import pkgutil
import re
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from typing import Any

import pandas as pd
from sqlalchemy import CheckConstraint
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from stockpile.i18n import catalogue

KEY_LIKE = re.compile(r"^[a-z_]+(\.[a-z_0-9]+)+$")
KEY_IN_TEXT = re.compile(r"(?<![\w.])([a-z_]+(?:\.[a-z_0-9]+)+)(?![\w.])")
FILE_NAME = re.compile(r"\.(xlsx|pdf|csv|toml|py)$")
IDS = {
    "uuid fragment": re.compile(
        r"(?<![0-9A-Za-z])(?=[0-9A-F]*[A-F])(?=[0-9A-F]*\d)[0-9A-F]{8}(?![0-9A-Za-z])"
    ),
    "uuid": re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    "seat id": re.compile(r"\bseat:\S+"),
    "lot placeholder": re.compile(r"\bnew:[a-z_]+:\d+"),
    "job id": re.compile(r"\bp\d+-\d+-\d+-\d+\b"),
    "item code × qty": re.compile(r"(?<!\d)\d{7}\s*×\s*\d"),
    "user name in capitals": re.compile(r"(?<![A-Za-z0-9])[A-Z]{3,}_[A-Z0-9_]+(?![A-Za-z0-9])"),
}
OFFSET = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z\b|[+-]\d{2}:?\d{2}\b)|\bUTC\b")
LONG_FLOAT = re.compile(r"(?<![\d.])\d+\.\d{3,}(?![\d.])")


@cache
def enum_values() -> frozenset[str]:
    """Every enum value the code knows: StrEnum members, the schema's ``IN (...)`` lists and the audit log's
    actions and outcomes."""
    import optimizer
    import stockpile
    from stockpile.adapters.orm.ledger import Base

    for pkg in (stockpile, optimizer):
        for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if mod.name.startswith(("stockpile.app", "stockpile.resources")):
                continue  # pages and entry scripts run when imported; migrations need alembic's context
            importlib.import_module(mod.name)

    def subclasses(c: type) -> Iterator[type]:
        for s in c.__subclasses__():
            yield s
            yield from subclasses(s)

    values = {
        str(m.value)
        for c in subclasses(enum.StrEnum)
        if c.__module__.split(".")[0] in ("stockpile", "optimizer")
        for m in c  # type: ignore[attr-defined]
    }
    for table in Base.metadata.tables.values():
        for con in table.constraints:
            if isinstance(con, CheckConstraint):
                for group in re.findall(r"IN \(([^)]*)\)", str(con.sqltext)):
                    values.update(re.findall(r"'([^']*)'", group))
    from stockpile.trust.policy import POLICY

    values.update(
        action for _, action in POLICY
    )  # the audit log's actions (run_job, add_user …) and outcomes
    values.update(("ok", "authz_denied", "login_failed", "login", "logout", "add_user", "set_role"))
    return frozenset(v for v in values if re.fullmatch(r"[a-z][a-z_]+", v))


def _frame_texts(el: Any) -> Iterator[str]:
    """Headers and cells of a dataframe as shown: the Styler's display values when it has them."""
    proto = el.proto.arrow_data
    shown: pd.DataFrame | None = None
    if proto.HasField("styler") and proto.styler.display_values:
        shown = dataframe_util.convert_arrow_bytes_to_pandas_df(proto.styler.display_values)
    raw = el.value
    config = json.loads(el.proto.columns or "{}")  # column_config: a label replaces the column's name
    labelled = {k.removeprefix("name:") for k, v in config.items() if isinstance(v, dict) and v.get("label")}
    yield from (str(c) for c in raw.columns if str(c) not in labelled)
    frame = shown if shown is not None else raw
    for col in frame.columns:
        for v in frame[col]:
            if v is None or (isinstance(v, float) and v != v):
                continue
            yield f"{v:.6f}" if isinstance(v, float) and v != round(v, 2) else str(v)
    yield from re.findall(r'"label":\s*"([^"]*)"', el.proto.columns or "")


VALUE_KINDS = frozenset(
    {
        "markdown",
        "caption",
        "title",
        "header",
        "subheader",
        "text",
        "metric",
        "toast",
        "error",
        "warning",
        "info",
        "success",
    }
)


def shown_texts(at: AppTest) -> list[tuple[str, str]]:
    """(element type, text) for every text the user reads on the page."""
    out: list[tuple[str, str]] = []
    for node in at._tree:
        kind = str(getattr(node, "type", ""))
        if kind in ("dataframe", "arrow_data_frame", "table"):
            out += [(kind, s) for s in _frame_texts(node)]
            continue
        attrs = ["label", "placeholder", "help"]
        attrs += ["value"] if kind in VALUE_KINDS else []
        attrs += ["delta"] if kind == "metric" else []
        for attr in attrs:
            try:
                v = getattr(node, attr, None)
            except Exception:  # an element without that proto field
                continue
            if isinstance(v, str) and v.strip():
                out.append((f"{kind}.{attr}", v))
        if kind in ("selectbox", "multiselect", "radio", "select_slider", "button_group"):
            out += [(f"{kind}.option", str(o)) for o in node.options]
    return out


def xlsx_texts(data: bytes) -> list[tuple[str, str]]:
    """Every non-empty cell of a workbook, as (sheet, text): exports are read too."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    out = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for v in row:
                if v is None or v == "":
                    continue
                if isinstance(v, datetime):  # a date cell: Excel shows it by the cell's format
                    continue
                text = f"{v:.6f}" if isinstance(v, float) and v != round(v, 2) else str(v)
                out.append((f"xlsx {sheet.title}", text))
    return out


def session_xlsx_texts(at: AppTest) -> list[tuple[str, str]]:
    """The workbooks a page made and keeps for its download button."""
    out: list[tuple[str, str]] = []
    for v in at.session_state.values():
        if isinstance(v, bytes) and v[:2] == b"PK":
            out += xlsx_texts(v)
    return out


def widget_findings(at: AppTest, lang: str) -> list[str]:
    """Streamlit's own English placeholder on a Chinese page: a multiselect without ``placeholder=``, or a
    select box with nothing chosen and no placeholder."""
    if lang != "zh":
        return []
    out = []
    for node in at._tree:
        kind = getattr(node, "type", "")
        if kind == "multiselect" and not node.proto.placeholder.strip():
            out.append(f"streamlit text: multiselect {node.label!r} shows 'Choose options'")
        if kind == "selectbox" and node.value is None and not node.proto.placeholder.strip():
            out.append(f"streamlit text: selectbox {node.label!r} shows 'Choose an option'")
    return out


CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_PHRASE = re.compile(r"[A-Za-z]+(?: [A-Za-z()]+){2,}")


def _enum_words(text: str, enums: frozenset[str], names: frozenset[str]) -> list[str]:
    """Enum values standing alone in a Chinese text. A user name is what the user typed, and an English phrase
    (an item's English name, three words or more without Chinese) is data, not an untranslated value."""
    if not CJK.search(text) and ENGLISH_PHRASE.search(text):
        return []
    words = re.findall(r"(?<![A-Za-z0-9_\-])[a-z][a-z_]+(?![A-Za-z0-9_\-])", text)
    return [w for w in words if w in enums and w not in names]


def text_findings(
    texts: list[tuple[str, str]],
    lang: str,
    user_names: frozenset[str] = frozenset(),
    chinese_items: frozenset[str] = frozenset(),
) -> list[str]:
    """The findings of ``texts``; ``chinese_items``: the Chinese names of items that have an English one, a
    finding on an English page."""
    keys = set(catalogue("zh")) | set(catalogue("en"))
    sections = {k.split(".", 1)[0] for k in keys}
    enums = enum_values()
    out: list[str] = []
    for where, text in texts:
        s = text.strip()
        found: list[str] = []
        if (KEY_LIKE.match(s) and not FILE_NAME.search(s)) or s in keys:
            found.append("catalogue key")
        else:
            found += [
                "catalogue key"
                for m in KEY_IN_TEXT.findall(s)
                if (m in keys or m.split(".", 1)[0] in sections) and not FILE_NAME.search(m)
            ][:1]
        if lang == "zh":
            found += [f"English enum {w!r}" for w in _enum_words(s, enums, user_names)]
        else:
            found += [f"Chinese item name {n!r}" for n in chinese_items if n in s][:1]
        found += [name for name, rx in IDS.items() if rx.search(s)]
        if OFFSET.search(s):
            found.append("time with offset")
        if LONG_FLOAT.search(s):
            found.append("float with more than two decimals")
        out += [f"{f} | {where} | {s[:120]}" for f in found]
    return out
