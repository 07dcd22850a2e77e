"""Helpers every page uses: the services handle, pickers, locale formats, tables, errors, post-once. UI only."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from stockpile import clock
from stockpile.domain.errors import DomainError, ExistsWithDifferent
from stockpile.i18n import aside, catalogue, current_lang, domain_error_text, set_lang, t, validation_text
from stockpile.i18n import format as fmt

# map labels: bitmap glyphs of a CJK font (crisp small Chinese); pydeck passes a string prop through only when
# quoted (else it becomes an accessor expression)
CJK_FONT = '\'"Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", sans-serif\''
STATUS_BG = {"expired": "background-color: #f8d0d0", "near": "background-color: #fde9c4"}


def services() -> Any:
    """The Services object app.py put into session state (fakes or a temp database in AppTest).

    Also applies the session's language (st.session_state["lang"], set by app.py's switch) to this script run.
    """
    set_lang(st.session_state.get("lang", "zh"))
    return st.session_state["services"]


_NAV = re.compile(r"^# nav: (.*)$", re.M)


def nav_meta(page_file: str | Path) -> dict[str, str]:
    """A page's `# nav:` header as a dict (roles, order, title, icon, section, default); empty without one.

    The one reader of the header: app.py builds the navigation from it and ``guard`` checks the role with it.
    """
    m = _NAV.search(Path(page_file).read_text(encoding="utf-8")[:600])
    return dict(kv.split("=", 1) for kv in m.group(1).split()) if m else {}


def page_roles(page_file: str | Path) -> frozenset[str]:
    """The roles a page's `# nav:` header names."""
    roles = nav_meta(page_file).get("roles")
    return frozenset(roles.split(",")) if roles else frozenset()


def guard(page_file: str) -> None:
    """A page opened by a role it is not for (a forced URL, a crafted session) shows the guard and stops
    before any service call. The role is the one app.py re-reads from the login on every rerun; the services
    re-check it anyway."""
    set_lang(st.session_state.get("lang", "zh"))
    if st.session_state.get("role", "guest") not in page_roles(page_file):
        st.error(t("auth.forbidden"))
        st.stop()


def current_user() -> str:
    """Who posts: the logged-in user (or the demo user of the picked role in demo mode); every use case re-checks
    the user's role and depots in the database, so this is an identity, not a permission."""
    return str(st.session_state.get("user") or "")


def lang() -> str:
    return current_lang.get()


# ---- locale formats ----------------------------------------------------------------------------------------
def fmt_num(n: Any) -> str:
    """Integers with thousands separators (both locales; i18n.format, Babel)."""
    return "" if _blank(n) else fmt.num(n)


def fmt_date(d: date | None) -> str:
    if d is None or _blank(d):
        return ""
    return f"{d.year}年{d.month}月{d.day}日" if lang() == "zh" else d.strftime("%d %b %Y").lstrip("0")


def fmt_dt(dt: datetime | None) -> str:
    """A timestamp in the county's time zone, formatted for the locale."""
    if dt is None or _blank(dt):
        return ""
    local = clock.local(dt)
    return f"{fmt_date(local.date())} {local:%H:%M}"


# ---- tables ------------------------------------------------------------------------------------------------
def _blank(v: Any) -> bool:
    return v is None or bool(pd.isna(v))


def cell_date(d: Any) -> str:
    """A date in a table cell: ISO (GB/T 7408) in Chinese, "13 Dec 2026" in English."""
    if _blank(d):
        return "—"
    return str(d.isoformat() if lang() == "zh" else d.strftime("%d %b %Y").lstrip("0"))


def _localise(view: pd.DataFrame, names: list[str]) -> dict[str, Any]:
    """Per-column display formats (``names``: the data's column names, by position); timestamps move to the
    county's zone (values stay sortable); money held in 分 (``*_fen``) reads in 元, shares (``*_pct``) with %,
    other numbers with thousands separators and at most two decimals (i18n.format)."""
    out: dict[str, Any] = {}
    for col, name in zip(view.columns, names, strict=True):
        s = view[col].dropna()
        first = s.iloc[0] if len(s) else None
        if isinstance(first, datetime) or str(view[col].dtype).startswith("datetime64"):
            view[col] = (
                pd.to_datetime(view[col], utc=True).dt.tz_convert(clock.county_tz()).dt.tz_localize(None)
            )
            out[col] = fmt.when  # county time, as in sentences
        elif isinstance(first, date):
            out[col] = cell_date
        elif name.endswith("_fen") and pd.api.types.is_numeric_dtype(view[col].dtype):
            out[col] = fmt.yuan_amount
        elif name.endswith("_pct") and pd.api.types.is_numeric_dtype(view[col].dtype):
            out[col] = fmt.pct_points
        elif pd.api.types.is_integer_dtype(view[col].dtype):
            out[col] = fmt.num
        elif pd.api.types.is_float_dtype(view[col].dtype):
            out[col] = lambda v: fmt.num(v, decimals=2)
    return out


def show_table(
    df: pd.DataFrame,
    columns: list[str] | None = None,
    translate: dict[str, str] | None = None,
    status_col: str | None = None,
    key: str | None = None,
) -> None:
    """A dataframe with translated headers and enum values, locale formats, rows tinted by expiry status; the
    columns shown are `columns` (in that order), or all of the frame's when None."""
    if df.empty:
        st.info(t("stock.empty"))
        return
    shown = list(df.columns) if columns is None else [c for c in columns if c in df.columns]
    view = user_names(items_in_lang(df)[shown].reset_index(drop=True))
    status = list(df[status_col]) if status_col and status_col in df.columns else None
    known = catalogue("zh")
    for col, prefix in (translate or {}).items():  # a value the section does not know is shown as it is
        if col in view.columns:
            view[col] = [
                (t(f"{prefix}.{v}") if f"{prefix}.{v}" in known else v)
                if v == v and v not in (None, "")
                else ""
                for v in view[col]
            ]
    if "lot_no" in view.columns:  # a lot the plan would buy reads 待采购批次 7, not new:buy:7
        view["lot_no"] = [fmt.in_words("lot_no", v) for v in view["lot_no"]]
    names = [str(c) for c in view.columns]
    view.columns = [t(f"col.{c}") for c in view.columns]
    formats = _localise(view, names)
    for col in view.columns:  # the grid shows nulls as "None" whatever the Styler says: blank them as text
        if view[col].isna().any():
            show = formats.pop(col, lambda v: "—" if _blank(v) else str(v))
            view[col] = [show(v) for v in view[col]]
    styler = view.style.format(formats, na_rep="—")
    if status is not None:
        styles = [STATUS_BG.get(s, "") for s in status]
        styler = styler.apply(lambda row: [styles[row.name]] * len(row), axis=1)
    st.dataframe(styler, hide_index=True, width="stretch", key=key)


def status_legend() -> None:
    st.caption(t("app.legend", days=90))


# ---- errors ------------------------------------------------------------------------------------------------
def show_error(e: DomainError) -> None:
    st.error(domain_error_text(e))  # a refused file in the import page's words, as the CLI prints it


def show_validation(e: ValidationError) -> None:
    """Pydantic errors as one message per field, in the catalogue's words."""
    for err in e.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        text = validation_text(err, "form_errors")
        st.error(t("app.field_error", field=t(f"form.{field}"), message=text))


# ---- pickers -----------------------------------------------------------------------------------------------
def site_table(mine: bool = True) -> pd.DataFrame:
    """Sites (small read, never cached in pages); by default only the depots the services let the user see
    (the scope is decided in the service, not here). `mine=False`: the county's site list (master
    data), e.g. a transfer's destination."""
    svc = services()
    sites: pd.DataFrame = svc.reads.my_sites(current_user()) if mine else svc.views.sites()
    return sites


def user_names(df: pd.DataFrame, column: str = "actor") -> pd.DataFrame:
    """The actor column as people typed their user names (postings keep them in capitals)."""
    if df.empty or column not in df.columns:
        return df
    names = services().views.user_names()
    return df.assign(**{column: [names.get(str(a).upper(), a) for a in df[column]]})


def item_table() -> pd.DataFrame:
    items: pd.DataFrame = services().views.items()
    return items


def site_picker(label: str, key: str, exclude: str | None = None, mine: bool = True) -> str:
    """A depot (government or 代储 site) by code, shown as name; by default one of the user's own depots."""
    sites = site_table(mine)
    sites = sites[~sites["site_type"].isin(["supermarket", "producer"])]
    level = {"province": 0, "city": 1, "county": 2, "township": 3, "village": 4}
    sites = sites.assign(_l=[level.get(x, 9) for x in sites["admin_level"]], _d=sites["site_type"] != "depot")
    sites = sites.sort_values(["_l", "_d", "code"])  # the county depot first, then the township points
    codes = [c for c in sites["code"] if c != exclude]
    names = dict(zip(sites["code"], sites["name"], strict=True))
    return str(st.selectbox(label, codes, format_func=lambda c: aside(names[c], c), key=key))


def item_picker(label: str, key: str, codes: list[str] | None = None) -> str:
    items = item_table()
    names = item_names()
    units = dict(zip(items["code"], items["base_unit"], strict=True))
    opts = codes if codes is not None else list(items["code"])
    v = st.selectbox(
        label, opts, format_func=lambda c: f"{c} {names.get(c, '')}（{units.get(c, '')}）", key=key
    )
    return "" if v is None else str(v)


def unit_picker(item: str, key: str) -> tuple[str, int]:
    """The unit the quantity is entered in (base unit or a pack such as 箱) and its factor to base units."""
    units = services().item_units.of(item) if item else []
    if len(units) <= 1:
        return (units[0][0] if units else item_unit(item)), 1
    base = units[0][0]
    factors = dict(units)
    label = {u: u if f == 1 else t("form.pack", unit=u, factor=f, base=base) for u, f in units}
    unit = st.selectbox(t("form.unit"), list(factors), format_func=lambda u: label[u], key=key)
    return str(unit), factors[unit]


def item_unit(code: str) -> str:
    items = item_table()
    match = items[items["code"] == code]
    return str(match["base_unit"].iloc[0]) if len(match) else ""


def item_names() -> dict[str, str]:
    """Item code → its name in the reader's language; the Chinese name where the county gave no English one."""
    items = item_table()
    return {
        c: fmt.name_in(zh, en if isinstance(en, str) and en.strip() else None, lang())
        for c, zh, en in zip(items["code"], items["name_zh"], items["name_en"], strict=True)
    }


def items_in_lang(df: pd.DataFrame) -> pd.DataFrame:
    """A read model's frame with its item names in the reader's language (the read models carry 中文名)."""
    if lang() == "zh" or df.empty or "item_name" not in df.columns or "item_code" not in df.columns:
        return df
    names = item_names()
    return df.assign(
        item_name=[names.get(c, n) for c, n in zip(df["item_code"], df["item_name"], strict=True)]
    )


def item_name(code: str) -> str:
    """One item's name in the reader's language (reads the item table: in a loop, use ``item_words``)."""
    return item_names().get(code, code)


def item_words() -> dict[str, tuple[str, str]]:
    """Item code → (name in the reader's language, base unit), read once for a loop over lines."""
    words: dict[str, tuple[str, str]] = services().registers.namer().words(lang())
    return words


def when_inputs(key: str) -> datetime:
    """Occurred-at: date and time entered in the county's time zone (defaults to now), returned as an aware datetime."""
    now = clock.now().replace(second=0, microsecond=0)
    c1, c2 = st.columns(2)
    d = c1.date_input(t("form.occurred_on"), value=now.date(), key=f"{key}.date", format="YYYY-MM-DD")
    tm = c2.time_input(t("form.occurred_time"), value=now.time(), key=f"{key}.time", step=300)
    return datetime.combine(d or now.date(), tm or time(0, 0), tzinfo=clock.county_tz())


def voucher_file_name(title: str, doc_no: Any, posting_id: uuid.UUID) -> str:
    """``title-单据号.pdf``; a character no file system takes (/ \\ : * ? " < > |, spaces) becomes _, and a voucher
    without a 单据号 takes its posting's short id."""
    tag = re.sub(r'[\\/:*?"<>|\s]+', "_", str(doc_no or "").strip())[:64].strip("_")
    return f"{title}-{tag or str(posting_id)[:8]}.pdf"


# ---- post exactly once -------------------------------------------------------------------------------------
class OnceForm:
    """Double-submit guard: the client id is made when the form renders and kept in session state; it is
    deleted after a successful post (and the form's widgets get a new generation). A second click on the old
    button hits a widget that no longer exists; a rerun that races a post replays the same id and the ledger
    answers with the first result, shown as "already posted"."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.gen: int = st.session_state.setdefault(f"{name}.gen", 0)
        self.client_id: uuid.UUID = st.session_state.setdefault(f"{name}.client_id", uuid.uuid4())
        self.submitted = False

    def key(self, field: str) -> str:
        """Widget key that resets after each successful post."""
        return f"{self.name}.{field}.{self.gen}"

    def submit(self, label: str) -> bool:
        self.submitted = bool(st.button(label, key=self.key("submit"), type="primary"))
        return self.submitted

    def post(
        self, build: Callable[[uuid.UUID], Any], run: Callable[[Any], Any], done: Callable[[Any], str]
    ) -> Any:
        """Build the command with this form's client id, post it under a spinner, flash the outcome."""
        try:
            cmd = build(self.client_id)
            with st.spinner(t("app.posting")):
                res = run(cmd)
        except ValidationError as e:
            show_validation(e)
            return None
        except ExistsWithDifferent as e:
            show_error(e)
            self._next()
            return None
        except DomainError as e:
            show_error(e)
            return None
        message = t("app.already_posted") if getattr(res, "replayed", False) else done(res)
        st.session_state[f"{self.name}.flash"] = (message, getattr(res, "replayed", False))
        st.session_state[f"{self.name}.last"] = res
        st.session_state[f"{self.name}.last_cmd"] = cmd
        self._next()
        st.rerun()
        return res  # pragma: no cover - st.rerun() does not return

    def _next(self) -> None:
        del st.session_state[f"{self.name}.client_id"]
        st.session_state[f"{self.name}.gen"] = self.gen + 1

    def voucher_file(self, kind: str, res: Any) -> str:
        """The printed voucher's file name: its title in the reader's language and the 单据号 the keeper typed
        (入库单-RK-001.pdf), the posting's short id where none was typed; safe as a file name."""
        doc = getattr(st.session_state.get(f"{self.name}.last_cmd"), "doc_no", "")
        return voucher_file_name(t(f"doc.{kind}_title"), doc, res.posting_id)

    def flash(self) -> Any:
        """Show (once) the outcome of the last post; returns the last result (for print buttons)."""
        found = st.session_state.pop(f"{self.name}.flash", None)
        if found:
            message, replayed = found
            (st.warning if replayed else st.success)(message)
        return st.session_state.get(f"{self.name}.last")
