"""The county registry (RELIEF_COUNTIES_FILE): code → database, by the shared server or named per county."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from stockpile.config import Settings, choose_county, get_settings, read_counties

REGISTRY = """
server = "postgresql+psycopg://relief@db.example:5432/"
[counties.360724]
name = "上犹县"
[counties.360401]
name = "甲县"
database_url = "postgresql+psycopg://relief@other.example/jia"
"""


@pytest.fixture
def registry(tmp_path, monkeypatch):
    path = tmp_path / "counties.toml"
    path.write_text(REGISTRY, encoding="utf-8")
    monkeypatch.setenv("RELIEF_COUNTIES_FILE", str(path))
    monkeypatch.delenv("RELIEF_COUNTY", raising=False)
    yield path
    choose_county(None)


def test_counties_by_server_or_own_url(registry):
    got = {c.code: (c.name, c.database_url) for c in read_counties(registry)}
    assert got == {
        "360401": ("甲县", "postgresql+psycopg://relief@other.example/jia"),
        "360724": ("上犹县", "postgresql+psycopg://relief@db.example:5432/relief_360724"),
    }


def test_a_chosen_county_replaces_database_url(registry, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///elsewhere.db")
    assert Settings(county="360724").database_url.endswith("/relief_360724")
    monkeypatch.setenv("RELIEF_COUNTY", "360401")
    assert get_settings().database_url.endswith("/jia")
    choose_county("360724")  # `relief --county` wins over the environment
    assert get_settings().database_url.endswith("/relief_360724")
    choose_county(None)
    assert get_settings().database_url.endswith("/jia")


def test_unknown_county_or_no_registry_is_a_settings_error(registry, monkeypatch):
    with pytest.raises(ValidationError, match="360401, 360724"):
        Settings(county="999999")
    monkeypatch.delenv("RELIEF_COUNTIES_FILE")
    with pytest.raises(ValidationError, match="RELIEF_COUNTIES_FILE"):
        Settings(county="360724")
    assert Settings().county == ""


@pytest.mark.parametrize("text", ["counties = 5\n", '[counties]\n360724 = "上犹县"\n'])
def test_a_registry_of_the_wrong_shape_is_a_settings_error(registry, text):
    """`counties = 5` or a county that is not a table: a sentence naming the file (was a TypeError)."""
    registry.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=r"\[counties.CODE\] tables"):
        Settings(county="360724")
