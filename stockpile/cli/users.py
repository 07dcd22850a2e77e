"""`relief user add|grant|revoke|list|init-admin` and `relief writeoff-approve` (trust area).

Every command acts as the user of `relief login` (`cli.login.current_user()`; no default user) and goes through the
same POLICY and audit as the app: only an admin's own login manages users or approves a write-off. `init-admin` (like
`relief init`) needs no login and is refused once any user exists. Passwords are prompted (hidden) or read from
RELIEF_NEW_PASSWORD, never taken as a command-line argument.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from stockpile.bootstrap import build_services
from stockpile.cli.common import as_uuid, uuid_value
from stockpile.cli.login import current_user
from stockpile.config import get_settings
from stockpile.domain.errors import DomainError
from stockpile.i18n import error_text, listed, t

console = Console()
err_console = Console(stderr=True)
user_app = typer.Typer(help="用户与权限 users, roles, depots", no_args_is_help=True)
Depots = Annotated[
    list[str] | None, typer.Option("--depot", help="库点编码，可重复 / depot code, repeatable")
]


def _svc() -> Any:
    return build_services(get_settings())


def _admin() -> str:
    """The logged-in user (the services check that it is an admin)."""
    return current_user()


def _password() -> str:
    env = os.environ.get("RELIEF_NEW_PASSWORD")
    return (
        env if env else str(typer.prompt(t("auth.new_password"), hide_input=True, confirmation_prompt=True))
    )


def _run(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except DomainError as e:
        err_console.print(f"[red]{error_text(e.code, e.params)}[/red]")
        raise typer.Exit(1) from e


@user_app.command("add")
def add(
    username: str,
    role: Annotated[str, typer.Option(help="keeper | dispatcher | planner | admin | informant | province")],
    depot: Depots = None,
) -> None:
    """新增用户 (a keeper needs --depot)."""
    _run(_svc().trust.add_user, _admin(), username, role, _password(), tuple(depot or ()))
    console.print(t("auth.cli_user_added", username=username, role=t(f"role.{role}")))


@user_app.command("grant")
def grant(
    username: str,
    role: Annotated[str | None, typer.Option(help="new role")] = None,
    depot: Depots = None,
) -> None:
    """授权: set the role and/or replace the depot assignments (the user's logins are revoked on a role change)."""
    svc = _svc()
    if role:
        _run(svc.trust.set_role, _admin(), username, role)
    if depot is not None:
        _run(svc.trust.set_sites, _admin(), username, tuple(depot))
    _run(svc.trust.set_active, _admin(), username, True)
    # say what changed: the role in words (never a '-' for a role left as it was), the depots when given
    changed = {(True, True): "", (True, False): "_role", (False, True): "_depots", (False, False): "_none"}
    key = "auth.cli_granted" + changed[(bool(role), depot is not None)]
    console.print(
        t(key, username=username, role=t(f"role.{role}") if role else "", depots=listed(depot or []))
    )


@user_app.command("revoke")
def revoke(username: str) -> None:
    """停用: disable the user; every login ends at once and the next call is denied."""
    _run(_svc().trust.set_active, _admin(), username, False)
    console.print(t("auth.cli_revoked", username=username))


@user_app.command("list")
def list_cmd() -> None:
    """用户列表."""
    tab = Table()
    for col in ("username", "role", "depots", "active", "locked"):
        tab.add_column(t(f"auth.{col}") if col != "username" else t("auth.username"))
    for u in _run(_svc().trust.list_users, _admin()):
        tab.add_row(u.username, t(f"role.{u.role}"), ", ".join(u.site_codes), _yes(u.active), _yes(u.locked))
    console.print(tab)


def create_first_admin(username: str, password: str) -> None:
    """The first admin of an installation (`relief init`, `relief user init-admin`); refused once any user exists."""
    _run(_svc().trust.bootstrap_admin, username, password)


@user_app.command("init-admin")
def init_admin(username: str) -> None:
    """首次运行: create the first admin (refused once any user exists)."""
    create_first_admin(username, _password())
    console.print(t("auth.cli_user_added", username=username, role=t("role.admin")))


def writeoff_approve(proposal_id: Annotated[str, typer.Argument(callback=uuid_value)]) -> None:
    """批准报废 (four-eyes: an admin other than the proposer)."""
    res = _run(_svc().ledger.approve_write_off, as_uuid(proposal_id), _admin())
    console.print(t("auth.cli_approved", posting_id=res.posting_id))


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.command("writeoff-approve")(writeoff_approve)


@user_app.command("link-oidc")
def link_oidc(
    username: str,
    issuer: Annotated[str, typer.Option(help="OIDC issuer (iss), e.g. https://idp.example/realms/county")],
    subject: Annotated[str, typer.Option(help="OIDC subject (sub) of the person's account")],
    email: Annotated[str, typer.Option(help="email, for the admin's overview")] = "",
) -> None:
    """关联统一身份认证账号: the IdP account (iss, sub) may sign in as USERNAME (no auto-provisioning)."""
    _run(_svc().trust.link_identity, _admin(), username, issuer, subject, email)
    console.print(t("auth.cli_linked", username=username, issuer=issuer, subject=subject))


@user_app.command("unlink-oidc")
def unlink_oidc(
    issuer: Annotated[str, typer.Option(help="OIDC issuer (iss)")],
    subject: Annotated[str, typer.Option(help="OIDC subject (sub)")],
) -> None:
    """取消关联: the IdP account can no longer sign in; the linked user's logins end at once."""
    _run(_svc().trust.unlink_identity, _admin(), issuer, subject)
    console.print(t("auth.cli_unlinked", issuer=issuer, subject=subject))


def _yes(flag: bool) -> str:
    """是 / 否 (yes / no), not Python's True / False."""
    return t("review_doc.yes" if flag else "review_doc.no")
