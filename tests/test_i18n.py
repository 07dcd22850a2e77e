"""Both catalogues carry the same keys, and every error code the domain can raise has a message."""

from __future__ import annotations

import inspect

from stockpile.domain import errors
from stockpile.i18n import catalogue, t


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


def test_every_invalid_command_reason_reads_as_a_sentence():
    """Each InvalidCommand reason raised in the code has its own sentence in both languages, not the raw code."""
    import re
    from pathlib import Path

    from stockpile.i18n import error_text

    root = Path(__file__).resolve().parents[1] / "stockpile"
    reasons = {
        m.group(1)
        for f in root.rglob("*.py")
        for m in re.finditer(r'InvalidCommand\(reason="(\w+)"', f.read_text(encoding="utf-8"))
    }
    assert {"identity_linked", "weak_password", "sign"} <= reasons
    missing = [r for r in reasons if f"errors.invalid.{r}" not in catalogue("zh")]
    assert missing == []
    zh = error_text("invalid_command", {"reason": "identity_linked", "subject": "u-7"}, "zh")
    assert zh == "该统一身份（u-7）已绑定到其他用户。"
    assert error_text("invalid_command", {"reason": "identity_linked", "subject": "u-7"}, "en").endswith(
        "already linked to another user."
    )
    assert error_text("invalid_command", {"reason": "new_reason"}, "zh") == "指令无效：new_reason"


def test_durations_read_as_hours_and_minutes_rounded_down():
    """7 h 59 min 40 s is 7:59, never 8:00 beside a "< 8 h" target."""
    from stockpile.i18n import fmt_hm

    assert fmt_hm(7 * 3600 + 59 * 60 + 40) == "7:59"
    assert fmt_hm(8 * 3600) == "8:00" and fmt_hm(0) == "0:00" and fmt_hm(26 * 3600 + 300) == "26:05"


def test_codes_an_error_carries_are_printed_as_words() -> None:
    """A request's status, a scenario's kind, a lost race on a reservation: words in both languages, not the
    codes ("已审批过（approved，…）", "是实战（live）", "已处理（{state}）")."""
    from stockpile.domain.dispatch import NotADrill
    from stockpile.domain.errors import AlreadyResolved
    from stockpile.domain.events import RequestAlreadyDecided
    from stockpile.i18n import domain_error_text

    decided = RequestAlreadyDecided(request=1, status="partly", by="wang")
    assert "部分批准" in domain_error_text(decided, "zh") and "partly" not in domain_error_text(decided, "zh")
    assert "Partly approved" in domain_error_text(decided, "en")
    assert "刚被他人处理" in domain_error_text(AlreadyResolved(state="concurrent", reservation_id="r"), "zh")
    assert "实战" in domain_error_text(NotADrill(scenario="S", kind="live"), "zh")


def test_every_action_the_audit_log_records_has_a_name_in_both_languages() -> None:
    """The admin's audit log shows actions as words (提交后台作业, not run_job): every POLICY action and every
    action a use case audits by name (``audit_ok(uow, actor, "add_user", …)``) has ``action_name.*``."""
    import ast
    from pathlib import Path

    from stockpile.trust.policy import POLICY

    actions = {action for _, action in POLICY}
    for path in Path(errors.__file__).resolve().parents[1].rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = getattr(node, "func", None)
            name = getattr(called, "attr", getattr(called, "id", ""))
            args = getattr(node, "args", [])
            if name == "audit_ok" and len(args) >= 3 and isinstance(args[2], ast.Constant):
                actions.add(str(args[2].value))
    assert len(actions) > 40
    for lang in ("zh", "en"):
        names = catalogue(lang)
        assert sorted(a for a in actions if f"action_name.{a}" not in names) == [], lang


def test_a_thing_an_error_names_reads_by_name_with_its_code_the_readers_way() -> None:
    """An item or place an error names (`errors.named`) reads by its name in the reader's language with its code
    in the reader's brackets: 「瓶装饮用水（1020101）」, "Bottled water (1020101)"; a list of them with the reader's
    separator; no English name falls back to the Chinese one, no code to the bare name."""
    from stockpile.i18n import worded_value

    water = errors.named("瓶装饮用水", "1020101", "Bottled water")
    village = errors.named("张家村", "530102001")
    assert worded_value(water, "zh") == "瓶装饮用水（1020101）"
    assert worded_value(water, "en") == "Bottled water (1020101)"
    assert worded_value([water, village], "en") == "Bottled water (1020101), 张家村 (530102001)"
    assert worded_value([errors.named("张家村")], "zh") == "张家村"
    assert worded_value(errors.named("", "X1"), "en") == "X1"
