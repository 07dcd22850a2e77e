"""The app on a database it cannot use: a clear sentence, no traceback, no file created."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def _app(monkeypatch, url: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    st.cache_resource.clear()  # app.py caches its services per process: one database per test here
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    return at


def test_app_on_a_missing_database_file_says_so_and_creates_nothing(monkeypatch, tmp_path):
    db = tmp_path / "county.db"
    at = _app(monkeypatch, f"sqlite:///{db}")
    assert not at.exception
    assert "数据库文件不存在" in at.error[0].value
    assert not db.exists()


def test_app_on_a_database_without_tables_says_run_init(monkeypatch, tmp_path):
    db = tmp_path / "empty.db"
    sqlite3.connect(db).close()
    at = _app(monkeypatch, f"sqlite:///{db}")
    assert not at.exception
    assert "relief init" in at.error[0].value


def test_app_on_a_corrupt_database_says_so(monkeypatch, tmp_path):
    db = tmp_path / "corrupt.db"
    db.write_bytes(b"this is not a database" * 200)
    at = _app(monkeypatch, f"sqlite:///{db}")
    assert not at.exception
    assert "损坏" in at.error[0].value


def test_demo_note_only_in_a_demo_database(monkeypatch, demo_url, tmp_path):
    at = _app(monkeypatch, demo_url)
    assert not at.exception
    assert any("虚构" in c.value for c in at.sidebar.caption)


def test_no_fictional_data_note_in_a_real_installation(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from stockpile.cli.main import app

    url = f"sqlite:///{tmp_path / 'county.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    res = CliRunner().invoke(app, ["init", "chief"], env={"RELIEF_NEW_PASSWORD": "Shangyou-Flood-Desk-2027"})
    assert res.exit_code == 0, res.output
    at = _app(monkeypatch, url)
    assert not at.exception and not at.error
    assert not any("虚构" in c.value for c in at.sidebar.caption)
