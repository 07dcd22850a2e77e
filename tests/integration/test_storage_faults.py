"""Storage faults: a missing file, a file without tables, a corrupt file, a read-only database, a
full disk and an unreachable server each give a clear Chinese sentence and an exit code of their own, never a
traceback; a missing file is never created; `relief check` names a corrupt file.

The read-only and full-disk cases need a file system of their own: as root (CI) a small tmpfs is mounted (full: a
ballast file fills it; read-only: it is remounted `ro`, since root ignores file modes); as another user the file
mode makes the database read-only and those cases that need a mount are skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stockpile.cli.exitcodes import ExitCode
from stockpile.cli.main import app
from stockpile.cli.storage_guard import EXIT
from tests.conftest import pg_url_or_skip

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
PASSWORD = "river lantern 2031 quiet"


def relief(*args: str, url: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`relief ARGS` in its own process (a full disk must not touch the test process)."""
    full = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-m", "stockpile.cli.main", *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=120,
    )


def county_db(path: Path) -> str:
    """A real (empty) installation at `path` with the admin `chief`, logged in for this test."""
    url = f"sqlite:///{path}"
    res = relief("init", "chief", url=url, RELIEF_NEW_PASSWORD=PASSWORD)
    assert res.returncode == 0, res.stderr
    res = relief("login", "chief", url=url, RELIEF_PASSWORD=PASSWORD)
    assert res.returncode == 0, res.stderr
    return url


@pytest.fixture
def small_fs(tmp_path) -> Iterator[Path]:
    """A 2 MiB tmpfs of the test's own (root only), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root (CI runs as root)")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)]).returncode != 0:
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def no_traceback(res: object) -> None:
    text = res.stderr + res.stdout if isinstance(res, subprocess.CompletedProcess) else str(res.output)
    assert "Traceback" not in text and "sqlalchemy" not in text.lower()


def test_storage_faults_have_distinct_exit_codes():
    """Scripts can tell the faults apart: one code per kind, none shared with the other refusals."""
    codes = list(EXIT.values())
    assert len(set(codes)) == len(codes) == 7
    assert not set(codes) & {
        ExitCode.OK,
        ExitCode.REFUSED,
        ExitCode.NEEDS_CONFIRMATION,
        ExitCode.NOT_LOGGED_IN,
    }


@pytest.mark.parametrize(
    "args",
    [["stock"], ["login", "admin"], ["check"], ["user", "init-admin", "chief"], ["logout"], ["whoami"]],
)
def test_missing_database_file_is_refused_and_never_created(tmp_path, monkeypatch, args):
    """DATABASE_URL naming a file that does not exist: exit 10 and a sentence naming the file and `relief init`;
    the file is not created (an empty file used to be made, then `no such table`)."""
    path = tmp_path / "typo.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    res = runner.invoke(app, args, env={"RELIEF_PASSWORD": PASSWORD, "RELIEF_NEW_PASSWORD": PASSWORD})
    assert res.exit_code == ExitCode.DATABASE_MISSING, res.output
    assert "数据库文件不存在" in res.output and "typo.db" in res.output and "relief init" in res.output
    no_traceback(res)
    assert not path.exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "args",
    [
        ["stock", "--help"],
        ["--lang", "en", "stock", "--help"],
        ["order", "--help"],
        ["order", "list", "--help"],
        ["order"],
        ["event"],
        ["county", "import", "--help"],
        ["user", "add", "--help"],
    ],
)
def test_help_needs_no_database(tmp_path, monkeypatch, args):
    """A command's help (``--help``, or a group named without a command) is shown on a machine without a database
    (it was refused: "数据库文件不存在"); no file is created."""
    path = tmp_path / "none.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    res = runner.invoke(app, args)
    assert res.exit_code == (2 if "--help" not in args else 0), res.output  # click: a bare group exits 2
    assert "Usage:" in res.output and "数据库文件不存在" not in res.output
    assert not path.exists()


def test_help_after_double_dash_is_an_argument_not_a_request_for_help(tmp_path, monkeypatch):
    """``--`` ends the options: a "--help" after it does not let a command past the database check."""
    path = tmp_path / "none.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    res = runner.invoke(app, ["bincard", "--", "--help"])
    assert res.exit_code == ExitCode.DATABASE_MISSING, res.output
    assert not path.exists()


def test_database_without_tables_says_run_init(tmp_path, monkeypatch):
    """An existing file without the schema (e.g. the empty file older versions left behind): exit 11, "relief
    init"."""
    path = tmp_path / "empty.db"
    path.touch()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    res = runner.invoke(app, ["login", "admin"], env={"RELIEF_PASSWORD": PASSWORD})
    assert res.exit_code == ExitCode.DATABASE_NOT_INITIALISED, res.output
    assert "还没有数据表" in res.output and "relief init" in res.output
    no_traceback(res)


def test_corrupt_database_is_refused_and_check_says_so(tmp_path, monkeypatch, demo_url):
    """A file that is not a database, and a database with damaged pages: exit 12 and "已损坏"; `relief check`
    runs SQLite's integrity_check first and names the damage."""
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all " * 500)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{junk}")
    for args in (["check"], ["login", "admin"], ["stock"]):
        res = runner.invoke(app, args, env={"RELIEF_PASSWORD": PASSWORD, "RELIEF_SESSION_TOKEN": "x"})
        assert res.exit_code == ExitCode.DATABASE_CORRUPT, (args, res.output)
        assert "已损坏" in res.output
        no_traceback(res)

    damaged = tmp_path / "damaged.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), damaged)
    size = damaged.stat().st_size
    with damaged.open("r+b") as f:  # scribble over pages in the middle of the file, the header stays intact
        for off in range(size // 3, size // 3 + 40 * 4096, 4096):
            f.seek(off + 100)
            f.write(b"\xff" * 900)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{damaged}")
    res = runner.invoke(app, ["check"])
    assert res.exit_code == ExitCode.DATABASE_CORRUPT, res.output
    assert "已损坏" in res.output and "damaged.db" in res.output
    no_traceback(res)


def test_check_on_a_sound_database_passes_the_integrity_check(demo_url, tmp_path, monkeypatch):
    """The control: the demo county passes integrity_check and the ledger check."""
    path = tmp_path / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    res = runner.invoke(app, ["check"])
    assert res.exit_code == 0 and "台账校验通过" in res.output


def test_read_only_database_is_refused_with_its_own_exit_code(tmp_path, small_fs):
    """A database on a read-only file system: a write (and even the login check) ends with exit 13 and "只读";
    nothing changes."""
    url = county_db(small_fs / "county.db")
    before = (small_fs / "county.db").read_bytes()
    assert subprocess.run(["mount", "-o", "remount,ro", str(small_fs)]).returncode == 0
    res = relief("user", "add", "bob", "--role", "planner", url=url, RELIEF_NEW_PASSWORD=PASSWORD)
    assert res.returncode == ExitCode.DATABASE_READ_ONLY, res.stderr + res.stdout
    assert "只读" in res.stderr
    no_traceback(res)
    assert (small_fs / "county.db").read_bytes() == before


def test_read_only_file_mode_is_refused_with_its_own_exit_code(tmp_path):
    """For an ordinary user a read-only file (chmod 444) is the same fault (root ignores file modes)."""
    if os.geteuid() == 0:
        pytest.skip("root writes read-only files; the mounted case covers root")
    url = county_db(tmp_path / "county.db")
    (tmp_path / "county.db").chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        res = relief("user", "add", "bob", "--role", "planner", url=url, RELIEF_NEW_PASSWORD=PASSWORD)
    finally:
        tmp_path.chmod(0o755)
    assert res.returncode == ExitCode.DATABASE_READ_ONLY, res.stderr
    assert "只读" in res.stderr


def test_full_disk_before_the_command_is_refused_with_its_own_exit_code(small_fs):
    """The disk is already full when the command starts: exit 14 and "已满", nothing written, no traceback; once
    space is freed the same command works."""
    url = county_db(small_fs / "county.db")
    ballast = small_fs / "ballast"
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 512):
            pass
    except OSError:  # ENOSPC: the file system is full
        pass
    finally:
        os.close(fd)
    res = relief("user", "add", "bob", "--role", "planner", url=url, RELIEF_NEW_PASSWORD=PASSWORD)
    assert res.returncode == ExitCode.DATABASE_FULL, res.stderr + res.stdout
    assert "已满" in res.stderr
    no_traceback(res)
    ballast.unlink()
    res = relief("user", "add", "bob", "--role", "planner", url=url, RELIEF_NEW_PASSWORD=PASSWORD)
    assert res.returncode == 0, res.stderr
    listed = relief("user", "list", url=url)
    assert listed.returncode == 0 and listed.stdout.count("bob") == 1


def test_unreachable_database_server_is_refused_with_its_own_exit_code(monkeypatch):
    """A PostgreSQL URL whose server does not answer: exit 15 and "无法连接数据库" (no driver traceback)."""
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv(
        "DATABASE_URL", f"postgresql+psycopg://relief@127.0.0.1:{port}/county?connect_timeout=2"
    )
    res = runner.invoke(app, ["login", "admin"], env={"RELIEF_PASSWORD": PASSWORD})
    assert res.exit_code == ExitCode.DATABASE_UNAVAILABLE, res.output
    assert "无法连接数据库" in res.output
    no_traceback(res)


def test_postgresql_without_its_driver_says_which_extra_to_install(monkeypatch):
    """An installation without the postgres extra given a PostgreSQL URL: exit 16 and the pip command, no
    ModuleNotFoundError traceback."""
    monkeypatch.setitem(
        sys.modules, "psycopg", None
    )  # `import psycopg` now fails as if it were not installed
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://relief@127.0.0.1:5/county")
    res = runner.invoke(app, ["login", "admin"], env={"RELIEF_PASSWORD": PASSWORD})
    assert res.exit_code == ExitCode.DATABASE_DRIVER_MISSING, res.output
    assert "relief-stockpile[postgres]" in res.output and "未安装 PostgreSQL 驱动" in res.output
    no_traceback(res)


@pytest.mark.postgres
def test_missing_postgresql_database_is_refused_as_missing(monkeypatch):
    """A PostgreSQL URL naming a database that does not exist: exit 10, like a missing SQLite file."""
    from sqlalchemy.engine import make_url

    url = make_url(pg_url_or_skip()).set(database="relief_no_such_db_14")
    monkeypatch.setenv("DATABASE_URL", url.render_as_string(hide_password=False))
    res = runner.invoke(app, ["stock"], env={"RELIEF_SESSION_TOKEN": "x"})
    assert res.exit_code == ExitCode.DATABASE_MISSING, res.output
    no_traceback(res)
