"""The CLI's help in the catalogue's language (zh-CN, English with ``--lang en``): every command's help is the
catalogue entry ``cli_help."<command path>"`` ("relief" for the program itself, "order list" for a subcommand) and
every parameter's ``cli_help."<command path>:<parameter>"`` (fragments ``cli_help.toml``). The texts in the code
(docstrings, ``help=``) are for developers; a command or parameter without an entry keeps its text there (a test
requires an entry in both languages for each one).

The language is known before any help is shown: ``language_of`` reads ``--lang`` from the command line itself, since
click prints a help (an eager option) while it parses, before the app's callback runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from typer._click.core import Context

from stockpile.i18n import catalogue, t

SECTION = "cli_help"


def language_of(args: Sequence[str]) -> str | None:
    """The value of ``--lang`` (``--lang en`` or ``--lang=en``) before any ``--``; None when it is not given."""
    for i, arg in enumerate(args):
        if arg == "--":
            return None
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
    return None


def entries(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Every help the command tree shows, as (catalogue key under ``SECTION``, the command or parameter)."""
    key = " ".join(path) or "relief"
    yield key, command
    for param in command.params:
        if getattr(param, "help", None) is not None or f"{SECTION}.{key}:{param.name}" in catalogue("zh"):
            yield f"{key}:{param.name}", param
    for name, sub in getattr(command, "commands", {}).items():
        yield from entries(sub, (*path, name))


def localise(command: Any, lang: str) -> None:
    """Put the catalogue's help in ``lang`` on the command tree of ``command`` (the program's click group), in place
    (the tree is built afresh for every run of the program)."""
    known = catalogue("zh")
    for key, obj in entries(command):
        if f"{SECTION}.{key}" not in known:
            continue
        obj.help = t(f"{SECTION}.{key}", lang)
        if hasattr(obj, "short_help"):
            obj.short_help = None  # the list of commands shows the first sentence of the help
    for _key, obj in entries(command):
        if hasattr(obj, "get_help_option"):  # a command: its --help (click makes it once, then keeps it)
            option = obj.get_help_option(Context(obj))
            if option is not None:
                option.help = t("cli_chrome.help_option", lang)
