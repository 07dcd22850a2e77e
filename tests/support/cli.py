"""Log the `relief` CLI in for a test: the CLI acts only as the user of `relief login`.

`tests/conftest.py` points RELIEF_SESSION_FILE at a per-test file, so a login here never touches the developer's own.
"""

from __future__ import annotations

from typer.testing import CliRunner

from stockpile.demo.builder import DEMO_PASSWORDS


def demo_password(username: str) -> str:
    """The demo county's password of a demo account (docs/trust.md)."""
    return DEMO_PASSWORDS["keeper"] if username.startswith("keeper") else DEMO_PASSWORDS[username]


def login_as(username: str, password: str | None = None) -> str:
    """`relief login USERNAME` with the password from RELIEF_PASSWORD (the demo one unless given), as a script
    would; returns the command's output."""
    from stockpile.cli.main import app

    res = CliRunner().invoke(
        app, ["login", username], env={"RELIEF_PASSWORD": password or demo_password(username)}
    )
    assert res.exit_code == 0, res.output
    return res.output
