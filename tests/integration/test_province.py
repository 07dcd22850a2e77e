"""A province on one server: two counties, each its own database on one PostgreSQL server, chosen with
`relief --county CODE` from the registry (RELIEF_COUNTIES_FILE). A keeper of county A never sees county B: logins,
sessions and stock live in each county's own database."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, make_url, text, update
from typer.testing import CliRunner

from stockpile.adapters.db.engine import create_schema, make_engine
from stockpile.adapters.orm.auth import UserRow
from stockpile.adapters.repos.passwords import Argon2Hasher
from stockpile.bootstrap import build_services
from stockpile.cli.main import app
from stockpile.config import Settings
from stockpile.domain.errors import DomainError
from stockpile.schemas import ReceiptCmd
from tests.conftest import TEST_NOW, pg_url_or_skip
from tests.support.factory import seed_minimal, seed_users

pytestmark = pytest.mark.postgres
runner = CliRunner()
COUNTIES = {"360401": ("甲县", "LOT-A", 10), "360402": ("乙县", "LOT-B", 7)}
PASSWORD = {"360401": "Gan-county-one-2026", "360402": "Gan-county-two-2026"}
PROVINCE_PASSWORD = "Province-reader-2026"  # the same reader, granted by each county in its own database


def _fresh_database(server_url: str, name: str) -> str:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _seed_county(url: str, code: str, extra_users: dict[str, tuple[str, tuple[str, ...]]]) -> None:
    engine = make_engine(url)
    create_schema(engine)
    seed_minimal(engine)  # with the test users (keeper1 keeps D-COUNTY)
    if extra_users:
        seed_users(engine, extra_users)
    with engine.begin() as c:  # each county's keeper1 has its own password
        c.execute(update(UserRow).values(password_hash=Argon2Hasher().hash(PASSWORD[code])))
        c.execute(
            update(UserRow)
            .where(UserRow.username == "prov")
            .values(password_hash=Argon2Hasher().hash(PROVINCE_PASSWORD))
        )
    engine.dispose()
    _, lot, qty = COUNTIES[code]
    svc = build_services(Settings(database_url=url))
    svc.ledger.record_receipt(
        ReceiptCmd(
            client_id=uuid.uuid4(),
            actor="keeper1",
            occurred_at=TEST_NOW - timedelta(hours=1),
            site_code="D-COUNTY",
            item_code="1020101",
            lot_no=lot,
            qty=qty,
            expiry=date(2099, 1, 1),
        )
    )


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """Two county databases on the test server and the registry naming them (by the server URL)."""
    server = make_url(pg_url_or_skip()).set(database="postgres").render_as_string(hide_password=False)
    lines = [f'server = "{server.rsplit("/", 1)[0]}"']
    for code, (name, _, _) in COUNTIES.items():
        url = _fresh_database(server, f"relief_{code}")
        _seed_county(url, code, {"prov": ("province", ())})
        lines += [f"[counties.{code}]", f'name = "{name}"']
    path = tmp_path_factory.mktemp("province") / "counties.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def registry(province, monkeypatch):
    monkeypatch.setenv("RELIEF_COUNTIES_FILE", str(province))
    monkeypatch.delenv("RELIEF_COUNTY", raising=False)
    return province


def _relief(*args: str, **env: str):
    return runner.invoke(app, list(args), env=env or None)


def test_county_list_names_both_without_a_login(registry):
    res = _relief("county", "list")
    assert res.exit_code == 0, res.output
    assert "360401" in res.output and "乙县" in res.output and "relief_360402" in res.output


def test_an_unknown_county_is_a_sentence_not_a_traceback(registry):
    res = _relief("--county", "999999", "stock")
    assert res.exit_code == 2
    assert "999999" in res.output and "360401" in res.output
    assert "Traceback" not in res.output


def test_a_keeper_of_county_a_never_sees_county_b(registry):
    """keeper1 of 甲县 logs in there and reads 甲县's stock only; in 乙县 the login does not exist (own session file,
    own session table) and 甲县's password is not 乙县's keeper1's."""
    ok = _relief("--county", "360401", "login", "keeper1", RELIEF_PASSWORD=PASSWORD["360401"])
    assert ok.exit_code == 0, ok.output
    mine = _relief("--county", "360401", "stock")
    assert mine.exit_code == 0, mine.output
    assert "LOT-A" in mine.output and "LOT-B" not in mine.output
    other = _relief("--county", "360402", "stock")
    assert other.exit_code == 3 and "LOT-B" not in other.output
    token = _relief(
        "--county", "360401", "login", "keeper1", "--print-token", RELIEF_PASSWORD=PASSWORD["360401"]
    )
    smuggled = _relief("--county", "360402", "stock", RELIEF_SESSION_TOKEN=token.output.strip())
    assert smuggled.exit_code == 3 and "LOT-B" not in smuggled.output
    wrong = _relief("--county", "360402", "login", "keeper1", RELIEF_PASSWORD=PASSWORD["360401"])
    assert wrong.exit_code == 3


def _own_figures(registry, code: str):
    """What the county itself shows its admin: stock per item, county-level gaps, the review's coverage rows."""
    from stockpile.config import county_url

    svc = build_services(Settings(database_url=county_url(registry, code)))
    stock = svc.reads.stock_by_item("admin")
    gaps = [r for r in svc.planning.gap_report()["scopes"] if r["scope"] == "county"]
    try:
        return stock, gaps, svc.planning.coverage() if svc.planning.coverage else []
    except DomainError:  # the shipped norms name items this small county lacks
        return stock, gaps, []


def test_province_rollup_is_the_sum_of_the_counties(registry, tmp_path):
    """`relief province login prov` signs in to both counties; the roll-up's stock per county × item is each
    county's own, its totals the sum, its gaps and coverage the counties' own figures."""
    import pandas as pd

    signed = _relief("province", "login", "prov", RELIEF_PASSWORD=PROVINCE_PASSWORD)
    assert signed.exit_code == 0, signed.output
    out = tmp_path / "rollup.xlsx"
    res = _relief("province", "rollup", "--xlsx", str(out))
    assert res.exit_code == 0, res.output
    book = pd.read_excel(out, sheet_name=None, dtype={"县代码": str, "物资编码": str})
    stock, totals = book["各县库存"], book["全省合计"]
    own = {code: _own_figures(registry, code) for code in COUNTIES}
    for code, (_, _, qty) in COUNTIES.items():
        mine = stock[stock["县代码"] == code].set_index("物资编码")["账面库存"].to_dict()
        theirs = own[code][0].set_index("item_code")["on_hand"].to_dict()
        assert mine == theirs and theirs["1020101"] == qty
    summed = sum(own[c][0].set_index("item_code")["on_hand"] for c in COUNTIES)
    assert totals.set_index("物资编码")["账面库存"].to_dict() == summed.to_dict()
    assert len(book["定额缺口"]) == sum(len(own[c][1]) for c in COUNTIES)
    cover = book["保障圈覆盖率"].set_index("县代码")
    for code in COUNTIES:
        rows = own[code][2]
        assert cover.loc[code, "人口"] == sum(r["population"] for r in rows)


def test_only_a_province_reader_gets_the_rollup(registry):
    """keeper1 logged in to 甲县 only: 甲县 refuses the roll-up (a keeper is not its province reader), 乙县 has no
    login; both are named, no figures of either, exit 1."""
    _relief("--county", "360401", "login", "keeper1", RELIEF_PASSWORD=PASSWORD["360401"])
    res = _relief("province", "rollup")
    assert res.exit_code == 1
    assert "LOT" not in res.output and "未登录该县" in res.output
