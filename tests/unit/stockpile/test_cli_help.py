"""The CLI's help is the catalogue's, in zh-CN by default and in English with ``--lang en`` (stockpile/cli/help_text.py):
every command and every parameter with a help has an entry in both languages, and nothing in the catalogue names a
command or parameter that no longer exists."""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from stockpile.cli.help_text import SECTION, entries, language_of
from stockpile.cli.main import app
from stockpile.i18n import catalogue

runner = CliRunner()
CJK = re.compile(r"[\u4e00-\u9fff]")


def _keys() -> list[str]:
    return [key for key, _ in entries(typer.main.get_command(app))]


def test_every_command_and_parameter_has_help_in_both_languages() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    missing = [k for k in _keys() if f"{SECTION}.{k}" not in zh or f"{SECTION}.{k}" not in en]
    assert not missing, missing
    not_chinese = [k for k in _keys() if not CJK.search(zh[f"{SECTION}.{k}"])]
    assert not not_chinese, not_chinese
    # English may quote a file's Chinese column headers, but is English prose
    not_english = [k for k in _keys() if not re.search(r"[A-Za-z]{3}", en[f"{SECTION}.{k}"])]
    assert not not_english, not_english


def test_the_catalogue_names_no_command_that_is_gone() -> None:
    known = set(_keys())
    stale = [k for k in catalogue("zh") if k.startswith(f"{SECTION}.") and k[len(SECTION) + 1 :] not in known]
    assert not stale, stale


@pytest.mark.parametrize(
    ("args", "lang"),
    [(["--help"], "zh"), (["--lang", "en", "--help"], "en"), (["stock", "--help"], "zh"),
     (["--lang", "en", "stock", "--help"], "en"), (["--lang=en", "order", "list", "--help"], "en")],
)  # fmt: skip
def test_help_is_shown_in_the_language_asked_for(args: list[str], lang: str) -> None:
    res = runner.invoke(app, args, terminal_width=400)
    assert res.exit_code == 0, res.output
    path = " ".join(a for a in args if not a.startswith("-") and a != "en") or "relief"
    first = catalogue(lang)[f"{SECTION}.{path}"].split("。")[0].split(". ")[0]
    assert " ".join(first.split()[:4]) in " ".join(res.output.split())


def test_the_language_is_read_from_the_command_line_before_parsing() -> None:
    assert language_of(["--lang", "en", "stock"]) == "en"
    assert language_of(["--lang=en"]) == "en"
    assert language_of(["stock", "--", "--lang", "en"]) is None
    assert language_of(["stock"]) is None
    res = runner.invoke(app, ["--lang", "xx", "--help"])  # an unknown language is zh-CN, never a crash
    assert res.exit_code == 0 and CJK.search(res.output)


def test_whole_numbers_in_full_width_digits_read_as_ascii_and_nothing_else_changes() -> None:
    from stockpile.cli.click_text import ascii_numbers

    typed = ["--affected", "１２０", "--qty=２０", "－５", "1２", "10", "--need", "1010101=２０"]
    assert ascii_numbers(typed) == [
        "--affected",
        "120",
        "--qty=20",
        "-5",
        "12",
        "10",
        "--need",
        "1010101=２０",
    ]
    # names, codes with letters, other scripts' digits and decimals are the options' to take or refuse
    kept = ["帐篷１", "１a", "٣", "²", "１．５", "--lang=en", "-x=１", "="]
    assert ascii_numbers(kept) == kept


def test_relief_language_is_the_language_without_lang_and_a_bad_one_is_named(tmp_path) -> None:
    """RELIEF_LANGUAGE (README) was read by no one: the CLI spoke Chinese whatever it said."""
    env = {"RELIEF_LANGUAGE": "en", "DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    assert "Relief materials" in runner.invoke(app, ["--help"], env=env).output
    out = runner.invoke(app, ["event", "list"], env=env)  # the callback's words: no such database file
    assert out.exit_code != 0 and "The database file does not exist" in " ".join(out.output.split()), (
        out.output
    )
    out = runner.invoke(app, ["--lang", "zh", "event", "list"], env=env)  # --lang wins
    assert "数据库文件不存在" in "".join(out.output.split()), out.output
    out = runner.invoke(app, ["event", "list"], env={**env, "RELIEF_LANGUAGE": "xx"})
    assert out.exit_code == 2 and "RELIEF_LANGUAGE" in out.output, out.output


def test_a_refused_setting_reads_wholly_in_the_clis_language(tmp_path) -> None:
    """RELIEF_LANGUAGE=fr was refused as "须为 'zh' or 'en' 之一": pydantic's English "or" inside the Chinese sentence;
    the values allowed are joined in the CLI's language."""
    env = {"RELIEF_LANGUAGE": "fr", "DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    out = runner.invoke(app, ["event", "list"], env=env)
    said = " ".join(out.output.split())
    assert out.exit_code == 2 and "RELIEF_LANGUAGE: 须为 'zh'、'en' 之一" in said and " or " not in said, said
    out = runner.invoke(app, ["--lang", "en", "event", "list"], env=env)
    said = " ".join(out.output.split())
    assert out.exit_code == 2 and "RELIEF_LANGUAGE: must be one of 'zh', 'en'" in said, said


def test_codes_typed_in_full_width_forms_read_as_ascii_and_words_are_kept() -> None:
    """A token of nothing but ASCII and full-width forms (a code typed in full-width mode) reads as ASCII, as the
    files read codes; a token with a Chinese character in it (a name, a reason) is kept as typed."""
    from stockpile.cli.click_text import ascii_codes

    typed = ["--depot", "ＸＪＫ", "ＦＬ１", "--need", "１０１０１０１=２０", "--site=ＸＪＫ", "XZ01"]
    assert ascii_codes(typed) == ["--depot", "XJK", "FL1", "--need", "1010101=20", "--site=XJK", "XZ01"]
    kept = ["帐篷１", "（全角）", "演练ＦＬ１", "٣", "", "--lang=en"]
    assert ascii_codes(kept) == kept


def test_spaces_around_a_code_are_dropped_and_words_are_kept() -> None:
    """A code pasted with its cell's space ("532399102200 ", an ideographic space around ＸＪＫ) is the code, as the
    files read a cell; a name with Chinese in it, or text with a space inside, is kept as typed."""
    from stockpile.cli.click_text import trimmed_codes

    typed = ["--to", "532399102200 ", "--to= X1 ", "\u3000ＸＪＫ\u3000", "5:1020101=880\t", "XZ01"]
    assert trimmed_codes(typed) == ["--to", "532399102200", "--to=X1", "ＸＪＫ", "5:1020101=880", "XZ01"]
    kept = ["李村长 ", " ", "", "partial: more tomorrow ", "--lang=en"]
    assert trimmed_codes(kept) == kept
