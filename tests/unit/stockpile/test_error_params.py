"""Every domain error raised with keywords fills every placeholder of its sentence: a missing one printed the
template itself ("未知储备库（点）编码：{site_code}", "该单据已处理（{state}）")."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import string
from pathlib import Path

import stockpile
from stockpile.domain.errors import DomainError
from stockpile.i18n import catalogue

ROOT = Path(stockpile.__file__).parent


def _error_classes() -> dict[str, type[DomainError]]:
    found: dict[str, type[DomainError]] = {}
    for info in pkgutil.walk_packages(stockpile.__path__, "stockpile."):
        if (
            ".app" in info.name or ".cli" in info.name
        ):  # pages and commands raise no domain errors of their own
            continue
        for name, obj in vars(importlib.import_module(info.name)).items():
            if inspect.isclass(obj) and issubclass(obj, DomainError):
                found[name] = obj
    return found


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_raised_domain_error_fills_its_sentence() -> None:
    classes, zh, missing = _error_classes(), catalogue("zh"), []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            cls = classes.get(func.id) if isinstance(func, ast.Name) else None
            given = {k.arg for k in node.exc.keywords}
            if cls is None or None in given or getattr(cls, "catalogue_key", None):
                continue  # not a domain error, **params passed on, or a file's own entry
            key = f"errors.{cls.code}"
            lacking = _fields(zh[key]) - given if key in zh else {"(no sentence)"}
            if lacking:
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {cls.code} lacks {sorted(lacking)}")
    assert not missing, "\n".join(missing)


def test_codes_an_error_keeps_read_as_words_whether_raised_or_stored() -> None:
    """A job stores its error as a code and parameters (`error_text`), the CLI and pages catch it raised
    (`domain_error_text`): both say the order's state, the event field and its rule in words, never "shipped"."""
    from stockpile.domain.dispatch import OrderWrongState
    from stockpile.i18n import domain_error_text, error_text

    stored = error_text("order_wrong_state", {"doc_no": "DB-1", "state": "shipped"}, "zh")
    assert stored == domain_error_text(OrderWrongState(doc_no="DB-1", state="shipped"), "zh")
    assert "已发运" in stored and "shipped" not in stored
    assert "shipped" in error_text("order_wrong_state", {"doc_no": "DB-1", "state": "shipped"}, "en")
    event = error_text("bad_event_input", {"field": "code", "value": "a b", "allowed": "event_code"}, "zh")
    assert event == "事件编码“a b”不可用：1–64 个字符，不含空格和控制字符", event
