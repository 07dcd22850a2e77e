"""The command line's own words in the CLI's language (catalogue section ``cli_chrome``): the Options / Arguments /
Commands panels, "Show this message and exit.", "Try 'relief stock --help' for help." and the usage errors
("Missing argument 'site'.", "No such option: --nope", "Invalid value for '--k': …").

typer (0.29) prints these from its own copy of click, in English: its panel titles and notes are module constants
of ``typer.rich_utils`` and ``typer.core`` asks gettext for a few words (``use`` sets both), the help option's text
is set on each command (``help_text.localise``), and a usage error is rewritten in the catalogue's words before
typer prints it (``usage_error``, called by the program's group). "Usage:" stays as it is: typer's highlighter
keys on it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import typer.core
import typer.rich_utils
from pydantic import ValidationError
from typer._click import exceptions as click_errors

from stockpile.i18n import t, validation_text

SECTION = "cli_chrome"
# typer.rich_utils constant → catalogue key
CONSTANTS = {
    "DEPRECATED_STRING": "deprecated_prefix",
    "DEFAULT_STRING": "default",
    "ENVVAR_STRING": "env_var",
    "REQUIRED_LONG_STRING": "required",
    "ARGUMENTS_PANEL_TITLE": "arguments",
    "OPTIONS_PANEL_TITLE": "options",
    "COMMANDS_PANEL_TITLE": "commands",
    "ERRORS_PANEL_TITLE": "error",
    "ABORTED_TEXT": "aborted",
    "RICH_HELP": "try_help",
}
# typer.core's gettext msgids → catalogue key (the same words in its plain, non-rich help)
MSGIDS = {
    "(dynamic)": "dynamic",
    "Aborted!": "aborted",
    "default: {default}": "default_plain",
    "required": "required_plain",
    "env var: {var}": "env_var_plain",
}
_EXTRA = re.compile(r"^Got unexpected extra argument(?:\(s\)|s)? \((?P<args>.*)\)$", re.S)
_COMMAND = re.compile(r"^No such command (?P<name>'.*?')\.?(?: Did you mean (?P<names>.+)\?)?$", re.S)
_NEEDS = re.compile(r"^Option (?P<name>'[^']*') requires (an argument|(?P<n>\d+) arguments)\.$")
_NO_VALUE = re.compile(r"^Option (?P<name>'[^']*') does not take a value\.$")


def _each_value(args: list[str], plain: Callable[[str], str]) -> list[str]:
    """The command line with ``plain`` applied to every token, or to the value of an option written ``--opt=value``."""
    out = []
    for arg in args:
        name, eq, value = arg.partition("=")
        out.append(f"{name}={plain(value)}" if eq and arg.startswith("--") else plain(arg))
    return out


# a code with spaces around it as pasted from a sheet or typed in quotes ("532399102200 ", "　ＸＪＫ"): the code
# part is ASCII or full-width forms, without a space inside
_PADDED_CODE = re.compile(r"\s*([\x21-\x7e\uff01-\uff5e]+)\s*")


def trimmed_codes(args: list[str]) -> list[str]:
    """The command line with the spaces around every code-like token (or an option's ``=value``) dropped:
    ``--to "532399102200 "`` is the place 532399102200, as the import files read a cell. Only a token of one word of
    ASCII or full-width forms changes, so a name or a free text with Chinese in it, or with a space inside, is kept
    as typed; an English word typed with a space after it (``--reason "damaged "``) loses only that space."""

    def plain(value: str) -> str:
        m = _PADDED_CODE.fullmatch(value)
        return m[1] if m else value

    return _each_value(args, plain)


# a whole number typed on a Chinese keyboard in full-width mode: ＋／－ and ０-９ (ASCII mixed in allowed)
_FULL_WIDTH_NUMBER = re.compile(r"[+\-＋－]?[0-9０-９]+")
_TO_ASCII = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")


def ascii_numbers(args: list[str]) -> list[str]:
    """The command line with every whole number typed in full-width digits (``--affected １２０``,
    ``--qty=２０``) in ASCII digits, as the files read them, so that click's integer options take it. Only a token
    (or an option's ``=value``) that is a number and nothing else changes; names, codes with letters and other
    scripts' digits ("٣", "²") are left for the option to take or refuse."""

    def plain(value: str) -> str:
        full = _FULL_WIDTH_NUMBER.fullmatch(value) and value != value.translate(_TO_ASCII)
        return value.translate(_TO_ASCII) if full else value

    return _each_value(args, plain)


# a code typed on a Chinese keyboard in full-width mode: ＸＪＫ, ＦＬ１, １０１０１０１=２０ (ASCII mixed in allowed)
_FULL_WIDTH_CODE = re.compile(r"[\x21-\x7e\uff01-\uff5e]*[\uff01-\uff5e][\x21-\x7e\uff01-\uff5e]*")


def ascii_codes(args: list[str]) -> list[str]:
    """The command line with every token written in full-width ASCII forms (``--depot ＸＪＫ``, ``ＦＬ１``,
    ``--need １０１０１０１=２０``) read as ASCII (NFKC), as the import files read codes, so that a full-width code is the
    ASCII one. Only a token (or an option's ``=value``) of nothing but ASCII and full-width forms changes: a name or
    a reason with a Chinese character in it is kept as typed."""

    def plain(value: str) -> str:
        return unicodedata.normalize("NFKC", value) if _FULL_WIDTH_CODE.fullmatch(value) else value

    return _each_value(args, plain)


def text(key: str, lang: str | None = None, **params: Any) -> str:
    return t(f"{SECTION}.{key}", lang, **params)


def use(lang: str) -> None:
    """Speak ``lang`` in typer's panel titles and notes from now on (set again on every run of the program)."""
    for constant, key in CONSTANTS.items():
        setattr(typer.rich_utils, constant, text(key, lang))

    def gettext(message: str) -> str:
        key = MSGIDS.get(message)
        return t(f"{SECTION}.{key}", lang) if key else message

    typer.core._ = gettext  # type: ignore[attr-defined]


def usage_error(e: Any, lang: str | None = None) -> Any:
    """A usage error (typer's click) in the catalogue's words; the same object when it is none of the known ones."""
    ctx = getattr(e, "ctx", None)
    if isinstance(e, click_errors.NoSuchOption):
        said = text("no_such_option", lang, name=e.option_name)
        if e.possibilities:
            said += " " + text("possible_options", lang, names=", ".join(sorted(e.possibilities)))
        return click_errors.UsageError(said, ctx)
    if isinstance(e, click_errors.MissingParameter):
        param = e.param
        hint = _hint(e)
        kind = e.param_type or (param.param_type_name if param else "parameter")
        return click_errors.UsageError(text(f"missing_{kind}", lang, hint=hint), ctx)
    if isinstance(e, click_errors.BadParameter):
        hint = _hint(e)
        key = "bad_value_for" if hint else "bad_value"
        message = e.message
        cause = e.__cause__  # typer reads a value with pydantic: say "须为数字", not pydantic's English
        if isinstance(cause, ValidationError):
            message = "；".join(validation_text(err, "settings_errors", lang) for err in cause.errors())
        return click_errors.UsageError(text(key, lang, hint=hint, message=message), ctx)
    if type(e) in (click_errors.UsageError, click_errors.BadOptionUsage):
        m = _COMMAND.match(e.message)
        if m:
            said = text("no_such_command", lang, name=m["name"])
            if m["names"]:
                said += " " + text("did_you_mean", lang, names=m["names"])
            return click_errors.UsageError(said, ctx)
        for pattern, key in (
            (_EXTRA, "extra_arguments"),
            (_NEEDS, "needs_value"),
            (_NO_VALUE, "takes_no_value"),
        ):
            m = pattern.match(e.message)
            if m:
                return click_errors.UsageError(text(key, lang, **m.groupdict()), ctx)
    return e


def _hint(e: Any) -> str:
    """The parameter a usage error names, as click shows it ('--k', 'site', '--k' / '-k')."""
    if e.param_hint is not None:
        return e.param_hint if isinstance(e.param_hint, str) else " / ".join(repr(x) for x in e.param_hint)
    return str(e.param.get_error_hint()) if e.param is not None else ""
