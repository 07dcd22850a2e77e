"""`relief login | logout | whoami`: the CLI acts only as the user who logged in (docs/trust.md).

`relief login` checks the password with the app's own login (Argon2id, lockout, audit) and gets a server-side session
(`login_session`: only the token's sha256 is stored; it ends at `cli_session_hours`, at logout, or when the user is
disabled, changes password or role). The token is kept for this OS user in a file only they may read (0600 in a 0700
folder): `RELIEF_SESSION_FILE`, else `$XDG_CONFIG_HOME/relief/session.json`, else `~/.config/relief/session.json`.
Scripts pass the token in `RELIEF_SESSION_TOKEN` instead (`relief login --print-token`, password from
`RELIEF_PASSWORD`). Every command that reads or changes county data calls `current_user()`: without a valid login it
stops with a clear message and exit code 3. There is no default user.

An account the county workbook made has no password yet: its one-time setup code typed as the password leads to
choosing one (hidden prompt twice, or RELIEF_NEW_PASSWORD), and the user is logged in with it (`trust/first_login.py`).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from stockpile import clock
from stockpile.cli.exitcodes import ExitCode
from stockpile.config import get_settings
from stockpile.domain.errors import DomainError
from stockpile.i18n import error_text, t
from stockpile.trust.users import PasswordNotSet

console = Console()
err_console = Console(stderr=True)


def session_file() -> Path:
    """Where this OS user's CLI login is kept; one file per county (`session.CODE.json`) when a county is chosen,
    since each county's database has its own users and sessions."""
    if env := os.environ.get("RELIEF_SESSION_FILE"):
        path = Path(env)
    else:
        base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        path = Path(base) / "relief" / "session.json"
    county = get_settings().county
    return path.with_name(f"{path.stem}.{county}{path.suffix}") if county else path


def _svc() -> Any:
    from stockpile.bootstrap import build_services

    return build_services(get_settings())


def _refuse(key: str, **params: Any) -> typer.Exit:
    err_console.print(f"[red]{t(key, **params)}[/red]")
    return typer.Exit(ExitCode.NOT_LOGGED_IN)


def _stored_token() -> str | None:
    """The token from RELIEF_SESSION_TOKEN or the session file (refused if others may read the file)."""
    if env := os.environ.get("RELIEF_SESSION_TOKEN"):
        return env.strip()
    path = session_file()
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    if st.st_mode & 0o077 or st.st_uid != os.getuid():
        raise _refuse("login.file_too_open", path=str(path))
    try:
        return str(json.loads(path.read_text(encoding="utf-8"))["token"])
    except (ValueError, KeyError, TypeError):
        return None


def current_actor() -> Any:
    """The logged-in user (`Actor`: username, role, depot ids) as stored now; exits with code 3 without a valid
    login (none, expired, logged out, revoked by a password or role change or by deactivation)."""
    token = _stored_token()
    if not token:
        raise _refuse("login.required")
    who = _svc().trust.session_user(token)
    if who is None:
        raise _refuse("login.expired")
    return who


def current_user() -> str:
    """The username every CLI command acts as (and whose depot scope it reads with)."""
    return str(current_actor().username)


def _write_session(path: Path, data: dict[str, str]) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.chmod(tmp, stat.S_IRUSR | stat.S_IWUSR)  # also when the file existed with wider bits
    os.replace(tmp, path)


def login(
    username: Annotated[str | None, typer.Argument(help="用户名 (default: prompt)")] = None,
    print_token: Annotated[
        bool, typer.Option("--print-token", help="只输出令牌（供脚本设 RELIEF_SESSION_TOKEN），不写文件")
    ] = False,
) -> None:
    """登录: password from a hidden prompt or RELIEF_PASSWORD; the login is kept for this OS user only."""
    name = (username or str(typer.prompt(t("auth.username")))).strip()
    password = os.environ.get("RELIEF_PASSWORD") or str(typer.prompt(t("auth.password"), hide_input=True))
    try:
        try:
            login = sign_in(name, password, store=not print_token)
        except PasswordNotSet:
            login = _first_password(name, password, store=not print_token)
    except DomainError as e:
        err_console.print(f"[red]{error_text(e.code, e.params)}[/red]")
        raise typer.Exit(ExitCode.NOT_LOGGED_IN) from e
    if print_token:
        typer.echo(login.token)
        return
    path = session_file()
    until = clock.format_dt(login.expires_at)
    console.print(
        t("login.ok", user=login.username, role=t(f"role.{login.role}"), until=until, path=str(path))
    )


def sign_in(name: str, password: str, store: bool = True) -> Any:
    """The app's login for the CLI (DomainError when refused); `store`: kept in the session file, replacing (and
    revoking) the one there. The database and the file are the chosen county's."""
    login = _svc().trust.login(name, password, hours=get_settings().cli_session_hours, channel="cli")
    if store:
        _store(login)
    return login


def _store(login: Any) -> None:
    path = session_file()
    _revoke_previous(path)
    _write_session(
        path, {"token": login.token, "username": login.username, "expires_at": login.expires_at.isoformat()}
    )


def _first_password(name: str, setup_code: str, store: bool) -> Any:
    """First login of an account the county workbook made: the setup code was right, so the user chooses a
    password now (hidden prompt twice, or RELIEF_NEW_PASSWORD for scripts) and is logged in with it."""
    console.print(t("login.first_intro", user=name))
    new = os.environ.get("RELIEF_NEW_PASSWORD")
    if not new:
        new = str(typer.prompt(t("login.first_new"), hide_input=True))
        if new != str(typer.prompt(t("login.first_repeat"), hide_input=True)):
            err_console.print(f"[red]{t('login.first_mismatch')}[/red]")
            raise typer.Exit(ExitCode.NOT_LOGGED_IN)
    hours = get_settings().cli_session_hours
    login = _svc().trust.set_first_password(name, setup_code, new, hours=hours, channel="cli")
    if store:
        _store(login)
    return login


def stored_user() -> Any:
    """The chosen county's logged-in user (`Actor`), or None: no login there, or it ended."""
    token = _stored_token()
    return _svc().trust.session_user(token) if token else None


def _revoke_previous(path: Path) -> None:
    """A new login replaces the file's earlier one: that earlier session is revoked on the server, not left open."""
    try:
        old = str(json.loads(path.read_text(encoding="utf-8"))["token"])
    except (OSError, ValueError, KeyError, TypeError):
        return
    _svc().trust.logout(old)


def logout() -> None:
    """退出登录: the server-side login is revoked and the session file removed."""
    token = _stored_token()
    if token:
        _svc().trust.logout(token)
    session_file().unlink(missing_ok=True)
    console.print(t("login.logged_out"))


def whoami() -> None:
    """当前登录用户."""
    who = current_actor()
    console.print(t("login.whoami", user=who.username, role=t(f"role.{who.role}")))


def register(app: typer.Typer) -> None:
    app.command("login")(login)
    app.command("logout")(logout)
    app.command("whoami")(whoami)
