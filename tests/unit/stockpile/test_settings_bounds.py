"""Every number of the settings is bounded (stockpile/config.py): a value out of range is a settings error that names
the variable the administrator set and says what is wrong in the catalogue's words, in the CLI (exit code 2, nothing
done) and on the app's first page (never Streamlit's redacted exception). Before, `RELIEF_SOLVE_TIME_LIMIT_S=500`
broke the dispatch page's 1-300 s input, `RELIEF_SITING_TIME_LIMIT_S=inf` and a zero speed reached the solvers."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from stockpile.cli.main import app
from stockpile.config import settings_errors
from stockpile.i18n import settings_text

ROOT = Path(__file__).resolve().parents[3]

BAD = [
    ("RELIEF_SOLVE_TIME_LIMIT_S", "0", "RELIEF_SOLVE_TIME_LIMIT_S: 须不小于 1"),
    ("RELIEF_SOLVE_TIME_LIMIT_S", "500", "RELIEF_SOLVE_TIME_LIMIT_S: 须不大于 300"),
    ("RELIEF_SOLVE_TIME_LIMIT_S", "abc", "RELIEF_SOLVE_TIME_LIMIT_S: 须为整数"),
    ("RELIEF_SITING_TIME_LIMIT_S", "inf", "RELIEF_SITING_TIME_LIMIT_S: 须为有限的数"),
    ("RELIEF_SITING_TIME_LIMIT_S", "nan", "RELIEF_SITING_TIME_LIMIT_S: 须为有限的数"),
    ("RELIEF_SPEED_CAR_KMH", "0", "RELIEF_SPEED_CAR_KMH: 须大于 0"),
    ("RELIEF_DETOUR_FACTOR", "0.5", "RELIEF_DETOUR_FACTOR: 须不小于 1"),
    ("RELIEF_GUARANTEE_SECONDS", "-60", "RELIEF_GUARANTEE_SECONDS: 须大于 0"),
    ("RELIEF_RELIEF_TARGETS_SECONDS", "[]", "RELIEF_RELIEF_TARGETS_SECONDS: 至少需要 1 项"),
    ("RELIEF_RELIEF_TARGETS_SECONDS", "[-5]", "RELIEF_RELIEF_TARGETS_SECONDS[0]: 须大于 0"),
    ("RELIEF_ORS_MAX_ATTEMPTS", "0", "RELIEF_ORS_MAX_ATTEMPTS: 须不小于 1"),
    ("RELIEF_CLI_SESSION_HOURS", "48", "RELIEF_CLI_SESSION_HOURS: 须不大于 12"),
    ("RELIEF_IMPORT_MAX_ROWS", "0", "RELIEF_IMPORT_MAX_ROWS: 须不小于 1"),
    ("RELIEF_TIMEZONE", "Mars/Base", "RELIEF_TIMEZONE: unknown time zone 'Mars/Base'"),
    # pydantic-settings' own error, not pydantic's (it was a traceback)
    ("RELIEF_RELIEF_TARGETS_SECONDS", "notjson", "RELIEF_RELIEF_TARGETS_SECONDS: 不是有效的 JSON"),
]


@pytest.mark.parametrize(("var", "value", "words"), BAD, ids=[f"{v}={x}" for v, x, _ in BAD])
def test_a_setting_out_of_range_is_named_with_what_is_wrong(monkeypatch, var, value, words) -> None:
    monkeypatch.setenv(var, value)
    errors = settings_errors()
    assert errors and words in settings_text(errors), settings_text(errors)
    assert "至少需要" not in settings_text(errors) or value == "[]"  # the item's error, not pydantic's echo


def test_the_default_settings_are_valid_and_english_is_the_switch(monkeypatch) -> None:
    assert settings_errors() == []
    monkeypatch.setenv("RELIEF_SOLVE_TIME_LIMIT_S", "500")
    assert settings_text(settings_errors(), "en") == "RELIEF_SOLVE_TIME_LIMIT_S: must be at most 300"


def test_the_cli_refuses_to_run_on_a_setting_out_of_range(monkeypatch) -> None:
    monkeypatch.setenv("RELIEF_SPEED_HGV_KMH", "-40")
    res = CliRunner().invoke(app, ["stock"])
    assert res.exit_code == 2, res.output
    assert "配置有误，未执行：RELIEF_SPEED_HGV_KMH: 须大于 0" in res.output
    assert "Traceback" not in res.output
    monkeypatch.setenv("RELIEF_RELIEF_TARGETS_SECONDS", "[-5]")  # brackets are text, not the console's markup
    res = CliRunner().invoke(app, ["stock"])
    assert res.exit_code == 2 and "RELIEF_RELIEF_TARGETS_SECONDS[0]: 须大于 0" in res.output, res.output


def test_the_app_says_which_setting_is_wrong_on_its_first_page(monkeypatch) -> None:
    monkeypatch.setenv("RELIEF_SITING_TIME_LIMIT_S", "inf")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "配置有误，未执行：RELIEF_SITING_TIME_LIMIT_S: 须为有限的数（不能是 inf 或 nan）"
    ]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"qty": 0}, "必须大于 0"),  # form_errors.greater_than: the form's own words, without the bound
        ({"from_site_code": "A", "to_site_code": "A"}, "调出和调入不能是同一库点"),  # a validator's own code
        ({"qty": "很多"}, "数量必须是整数"),  # the quantity's own validator
    ],
)
def test_a_form_error_and_a_setting_error_read_through_one_mapping(fields, words) -> None:
    """The forms (``form_errors``) and the settings (``settings_errors``) put pydantic's errors into words through
    one function: a type's sentence, a validator's code, pydantic's own sentence (its prefix dropped) where the
    catalogue has none."""
    from pydantic import ValidationError

    from stockpile.i18n import validation_text
    from stockpile.schemas.commands import TransferCmd

    good = {
        "client_id": "00000000-0000-4000-8000-000000000001",
        "actor": "keeper",
        "occurred_at": "2026-12-06T08:00:00+08:00",
        **{"from_site_code": "A", "to_site_code": "B", "item_code": "TENT", "qty": 1},
    }
    with pytest.raises(ValidationError) as e:
        TransferCmd.model_validate({**good, **fields})
    assert [validation_text(err, "form_errors") for err in e.value.errors()] == [words]
    assert validation_text(e.value.errors()[0], "form_errors", "en") != words  # the English switch
    unknown = {"type": "value_error", "msg": "Value error, no such thing", "loc": ("x",)}
    assert validation_text(unknown, "form_errors") == "no such thing"
    assert validation_text({"type": "less_than_equal", "ctx": {"le": 300}, "msg": ""}, "settings_errors") == (
        "须不大于 300"
    )
