"""Both catalogues carry the same keys, and every error code the domain can raise has a message."""

from __future__ import annotations

import inspect

from i18n import catalogue, t
from stockpile.domain import errors


def test_zh_and_en_catalogues_have_the_same_keys():
    assert set(catalogue("zh")) == set(catalogue("en"))


def test_every_domain_error_code_has_a_message():
    codes = {
        c.code for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.DomainError)
    }
    codes.discard("file_rejected")  # carries its own code per instance (import_errors.*)
    missing = [c for c in codes if f"errors.{c}" not in catalogue("zh")]
    assert missing == []


def test_translation_fills_parameters_and_switches_language():
    assert t("errors.unknown_item", "zh", item_code="9") == "未知物资编码：9"
    assert t("errors.unknown_item", "en", item_code="9") == "Unknown item code: 9"
