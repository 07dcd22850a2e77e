"""String catalogue: zh-CN is the source of truth, English the switch. Code uses keys: t("stock.title").

Missing keys fall back to zh-CN, then to the key itself, so a missing translation never crashes a page; a test checks
that both catalogues have the same keys.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LANGS = {"zh": "zh_CN.toml", "en": "en.toml"}
current_lang: ContextVar[str] = ContextVar("current_lang", default="zh")


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = str(v)
    return out


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The main catalogue plus every fragment `stockpile/i18n/fragments/<lang>/*.toml` (one per feature area)."""
    out = _flatten(tomllib.loads((HERE / LANGS[lang]).read_text(encoding="utf-8")))
    for frag in sorted((HERE / "fragments" / lang).glob("*.toml")):
        out.update(_flatten(tomllib.loads(frag.read_text(encoding="utf-8"))))
    return out


def set_lang(lang: str) -> None:
    current_lang.set(lang if lang in LANGS else "zh")


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """Translate `key` into the current (or given) language and fill `{params}`."""
    lang = lang or current_lang.get()
    text = catalogue(lang).get(key) or catalogue("zh").get(key) or key
    try:
        return text.format(**params) if params else text
    except (KeyError, IndexError, ValueError):
        return text


def error_text(code: str, params: dict[str, Any] | None = None, lang: str | None = None) -> str:
    """The message for a domain error code (`errors.<code>`); an invalid command with a known ``reason`` gets
    that reason's own sentence (`errors.invalid.<reason>`) instead of the code."""
    params = dict(params or {})
    reason = params.get("reason")
    if f"errors.{code}_reason.{reason}" in catalogue(
        "zh"
    ):  # a refusal's reason code in words (e.g. not_json)
        params["reason"] = t(f"errors.{code}_reason.{reason}", lang)
    params = _worded(code, params, lang)
    if code == "invalid_command" and f"errors.invalid.{reason}" in catalogue("zh"):
        return t(f"errors.invalid.{reason}", lang, **params)
    role_may = str(params.get("role", "")) in str(params.get("allowed_roles", "")).split(",")
    if code == "permission_denied" and params.get("site") and (role_may or not params.get("role")):
        # say which depot and what the user may do instead; a role that may not do it at any depot (a planner
        # picking an order) is told so below, not that the depot is not assigned
        return t("errors.permission_denied_site", lang, **params)
    if code == "permission_denied" and params.get("allowed_roles") and params.get("role"):
        action = str(params.get("action", ""))  # who may, and why not you
        return t(
            "errors.permission_denied_role",
            lang,
            roles=("、" if (lang or current_lang.get()) == "zh" else " or ").join(
                t(f"role.{r}", lang) for r in str(params["allowed_roles"]).split(",")
            ),
            action=t(f"action_name.{action}", lang) if f"action_name.{action}" in catalogue("zh") else action,
            role=t(f"role.{params['role']}", lang),
        )
    return t(f"errors.{code}", lang, **params)


def problem_text(code: str, params: Any = None, lang: str | None = None) -> str:
    """The reason for a county-workbook problem: its own sentence, else the import's sentence for the same code."""
    key = f"county_errors.{code}" if f"county_errors.{code}" in catalogue("zh") else f"import_errors.{code}"
    return t(key, lang, **{k: worded_value(v, lang) for k, v in dict(params or {}).items()})


def column_name(header: str, lang: str | None = None) -> str:
    """A county-workbook column as a message names it to the reader (`county.header.<header>`): 「乡镇代码」 in
    Chinese, "Township code" in English; a header the template does not have (the county's own) as it is."""
    key = f"county.header.{header}"
    return t(key, lang) if header and key in catalogue("zh") else header


def column_where(header: str, lang: str | None = None) -> str:
    """The column a problem is in: its name in the reader's words, with the workbook's own header beside it when
    they differ (an English reader finds the cell under 「乡镇代码」 in the workbook)."""
    name = column_name(header, lang)
    return name if name == header else aside(name, header, lang)


# (parameter, error code, catalogue section): values an error carries as codes, printed as words
_WORDED = (
    ("state", "order_wrong_state", "order.state"),
    ("state", "already_resolved", "resolved_state"),  # a reservation's, transfer's or proposal's
    ("status", "request_already_decided", "request_status"),
    ("kind", "scenario_not_drill", "scenario_kind"),
    ("field", "bad_event_input", "event_field"),  # a label
    ("allowed", "bad_event_input", "event_allowed"),  # its rule, "1–64 个字符，不含空格"
)


def _worded(code: str, params: dict[str, Any], lang: str | None) -> dict[str, Any]:
    """``params`` with every value ``code`` keeps as a code (a state, a kind, a field) in the reader's words; a
    value already in words is left as it is."""
    out = {k: worded_value(v, lang) for k, v in params.items()}
    for param, error, section in _WORDED:
        if code == error and f"{section}.{out.get(param)}" in catalogue("zh"):
            out[param] = t(f"{section}.{out[param]}", lang)
    return out


def worded_value(value: Any, lang: str | None = None) -> Any:
    """A message's value as the reader reads it: a thing named for a person (`stockpile.domain.errors.named`: a
    mapping with ``name``, maybe ``name_en`` and ``code``) as its name in the reader's language with its code in
    brackets the reader's way (「瓶装饮用水（1020101）」, "Bottled water (1020101)"); several values listed with
    the reader's separator; any other value as it is."""
    if isinstance(value, Mapping) and "name" in value:
        from stockpile.i18n.format import name_in  # the one "English name, else Chinese" rule

        name = name_in(str(value["name"]), value.get("name_en"), lang)
        code = str(value.get("code") or "")
        return aside(name, code, lang) if code and code != name else name
    if isinstance(value, list | tuple):
        return listed((worded_value(v, lang) for v in value), lang)
    return value


def listed(parts: Iterable[Any], lang: str | None = None) -> str:
    """Several values in a row with the reader's list separator: 「、」 in Chinese, ", " in English."""
    return t("fmt.list_sep", lang).join(str(p) for p in parts)


def label_sep(lang: str | None = None) -> str:
    """Between a label and its value: 「：」 in Chinese, ": " in English."""
    return t("fmt.label_sep", lang)


def aside(text: str, note: str, lang: str | None = None) -> str:
    """A value with a note in brackets, the reader's way: 「text（note）」 in Chinese, "text (note)" in English."""
    return t("fmt.aside", lang, text=text, note=note)


def domain_error_text(e: Any, lang: str | None = None) -> str:
    """A domain error as one sentence, the same in the app and the CLI: an error naming its own catalogue entry
    (``catalogue_key``: a refused file, `import_errors.<code>`) reads as that entry, any other as `error_text`."""
    key = getattr(e, "catalogue_key", None)
    params = dict(getattr(e, "params", {}) or {})
    return (
        t(key, lang, **_worded(getattr(e, "code", ""), params, lang))
        if key
        else error_text(e.code, params, lang)
    )


def row_message(code: str, params: Mapping[str, Any] | None = None, lang: str | None = None) -> str:
    """A file row's error in words: a cell rule (`import_errors.<code>`) or else a ledger rule (`errors.<code>`)."""
    key = f"import_errors.{code}"
    return (
        t(key, lang, **dict(params or {}))
        if key in catalogue("zh")
        else error_text(code, dict(params or {}), lang)
    )


def row_error_text(e: Any, lang: str | None = None) -> str:
    """A file row's error (`.row`, `.column`, `.value`, `.code`, `.params`) as one sentence naming the cell; the
    import, standards and candidate readers of the app and the CLI all print it so."""
    message = row_message(e.code, getattr(e, "params", None), lang)
    if not e.column and not e.value:  # a whole row (after an empty one, ragged): no empty 列“”，值“”
        return t("import.row_error_row", lang, row=e.row, message=message)
    return t("import.row_error", lang, row=e.row, column=e.column, value=e.value, message=message)


def fmt_hm(seconds: int | float) -> str:
    """A duration as h:mm, minutes rounded down (7 h 59 min 40 s → "7:59"), so it never reads as on the next
    hour while still under it."""
    minutes = int(seconds // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def fmt_int(n: int | float | None) -> str:
    return "" if n is None or n != n else f"{int(n):,}"


def validation_text(err: Mapping[str, Any], section: str, lang: str | None = None) -> str:
    """One pydantic error in the catalogue's words: ``<section>.<type>`` filled with its bounds (``{ge}``, ``{le}``,
    ...), or for a validator's own refusal (type ``value_error``) ``<section>.<its message>``; pydantic's own
    sentence where the catalogue has neither. The forms' messages (``form_errors``) and the settings'
    (``settings_errors``) are both read through here."""
    msg = str(err.get("msg", "")).removeprefix("Value error, ")
    kind = str(err.get("type", ""))
    key = f"{section}.{msg if kind == 'value_error' else kind}"
    ctx = dict(err.get("ctx") or {})
    if kind == "literal_error" and isinstance(ctx.get("expected"), str):
        ctx["expected"] = _choices(ctx["expected"], lang)
    return t(key, lang, **ctx) if key in catalogue("zh") else msg


def _choices(expected: str, lang: str | None) -> str:
    """pydantic's list of allowed values ("'zh' or 'en'", "'a', 'b' or 'c'": English words) joined in the
    reader's language ('zh'、'en'); as pydantic wrote it when it names no quoted value."""
    values = re.findall(r"'[^']*'|\"[^\"]*\"", expected)
    return t("settings_words.choice_separator", lang).join(values) if values else expected


def settings_text(errors: Iterable[Mapping[str, Any]], lang: str | None = None) -> str:
    """Invalid settings (pydantic's errors) as one line a person reads: each as the variable the administrator sets
    (``RELIEF_SOLVE_TIME_LIMIT_S``) and what is wrong with it (``validation_text``: "须不小于 1")."""
    errors = list(errors)
    locs = [tuple(str(p) for p in err.get("loc", ())) for err in errors]
    parts = []
    for err, loc in zip(errors, locs, strict=True):
        if any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs):
            continue  # a list whose item is named wrong: the item says it (pydantic adds "too short" after it)
        name = "RELIEF_" + loc[0].upper() + "".join(f"[{p}]" for p in loc[1:]) if loc else ""
        parts.append(f"{name}: {validation_text(err, 'settings_errors', lang)}")
    return "; ".join(parts)
