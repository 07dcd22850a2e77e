"""The product installs as a wheel that works on its own: resources and the app ship in the package.

The full check — build, install into a fresh venv, run `relief db upgrade|demo|stock|app` in an empty folder — is
`scripts/wheel_check.sh`, run by `.ci/run`. These tests guard the parts cheaply on every `make test`.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from stockpile.cli.setup import APP_SETTINGS, app_command

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_migrations_catalogues_resources_and_the_app(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("relief_stockpile-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "stockpile/resources/migrations/env.py",
        "stockpile/resources/migrations/script.py.mako",
        "stockpile/resources/migrations/versions/0001_ledger_ledger.py",
        "stockpile/resources/demo_county.xlsx",
        "stockpile/resources/coverage_norms.toml",
        "stockpile/resources/reserve_planning.toml",
        "stockpile/i18n/zh_CN.toml",
        "stockpile/i18n/fragments/zh/app.toml",
        "stockpile/app/run.py",
        "stockpile/app/main.py",
        "stockpile/app/pages/login.py",
        "stockpile/app/pages/common.py",
    ):
        assert needed in names, needed
    # nothing at the top level of site-packages but our two packages (no `i18n`, `app_pages` or `migrations`)
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"stockpile", "optimizer"}, tops


def test_relief_app_runs_the_packaged_entry_with_the_repository_settings():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    repo = {f"{section}.{k}": str(v).lower() for section, opts in cfg.items() for k, v in opts.items()}
    repo.pop("server.address")  # `relief app --host` sets it
    assert repo == APP_SETTINGS
    args = app_command("127.0.0.1", 8765)
    script = Path(args[4])
    assert script == ROOT / "stockpile" / "app" / "run.py" and script.is_file()
    assert "--server.port=8765" in args and "--server.address=127.0.0.1" in args


def test_the_packaged_entry_renders_the_login_page(demo_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "stockpile" / "app" / "run.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert at.title and at.title[0].value == "登录"
