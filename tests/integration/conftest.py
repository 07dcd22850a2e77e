"""Fixtures shared by the CLI tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def cli_db(tmp_path: Path, demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo county that `relief` commands in this test use (DATABASE_URL); nobody logged in."""
    path = tmp_path / "cli.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    return path
