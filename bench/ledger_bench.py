"""Ledger benchmarks. Prints ratios and times measured in the same run; writes bench/out/ledger.csv.

1. Posting 10 000 movements in one batch through the ledger engine (checks, postings, balances) vs a raw sqlite3
   `executemany` INSERT of the same movement rows into an identical table: ratio raw_time / engine_time (≥ 0.25).
2. A county with ≥ 1 M movements: balance of any (site, item) (≤ 50 ms), full stock report of the demo county (≤ 200 ms).
3. Import of a 50 000-row xlsx with full validation (≤ 15 s).

Usage: .venv/bin/python -m bench.ledger_bench [--movements 1000000] [--skip-large]
"""

from __future__ import annotations

import argparse
import csv
import io
import platform
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from stockpile import clock
from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.read.views import Views
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.demo.builder import build_demo, create_demo_database, demo_now
from stockpile.domain.model import Leg, MovementKind
from stockpile.ledger.posting import PlannedLeg, PostingDraft, post_batch

OUT = Path(__file__).resolve().parent / "out"
# Every input is dated relative to the clock: the demo is built as of today and the imported rows fall
# inside the backdating limit, whatever day the bench runs; `main` pins the clock at NOW for the whole run.
NOW = demo_now()
# the imported rows' times: inside the 30-day backdating window, with room to spare
IMPORT_DAYS_BACK = 20


def _machine() -> str:
    import os

    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), "?")
    return (
        f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def _keys(uow: SqlAlchemyUnitOfWork) -> list[tuple[int, int, int]]:
    """(site, item, lot) keys that hold stock in the demo."""
    from sqlalchemy import select

    from stockpile.adapters.orm.ledger import StockBalanceRow as B

    with uow:
        rows = uow.session.execute(select(B.site_id, B.item_id, B.lot_id).where(B.on_hand > 0)).all()
    return [(s, i, lot) for s, i, lot in rows]


def _drafts(
    keys: list[tuple[int, int, int]], n: int, rng: random.Random, start: datetime
) -> list[PostingDraft]:
    """n single-leg receipts spread over the keys, in time order (a keeper batch import)."""
    out = []
    for k in range(n):
        s, i, lot = keys[rng.randrange(len(keys))]
        at = start + timedelta(seconds=k)
        out.append(
            PostingDraft(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                kind="receipt",
                payload={"k": k},
                actor="bench",
                occurred_at=at,
                legs=[PlannedLeg(Leg(MovementKind.RECEIPT, s, i, lot, 1 + k % 7))],
            )
        )
    return out


def bench_posting(tmp: Path, batch: int = 10_000, repeats: int = 3) -> dict[str, float]:
    """Engine vs raw sqlite3 executemany of the very same posting + movement rows, into a copy of the same database
    taken just before the batch (same schema, foreign keys, indexes, triggers, pragmas)."""
    path = tmp / "post.db"
    url = f"sqlite:///{path}"
    create_demo_database(url)
    build_demo(url, now=NOW)
    engine = make_engine(url)
    uow = SqlAlchemyUnitOfWork(engine)
    keys = _keys(uow)
    rng = random.Random(1)
    ours, raw, raw_mv = [], [], []
    for r in range(repeats):
        before = tmp / f"before{r}.db"
        _copy(path, before)
        top = _max_seq(path)
        # forward postings (after every existing movement), as a keeper's batch of receipts would be
        drafts = _drafts(keys, batch, rng, NOW + timedelta(hours=1 + 4 * r))
        t0 = time.perf_counter()
        with uow:
            post_batch(uow, drafts, NOW + timedelta(days=1))
            uow.commit()
        ours.append(time.perf_counter() - t0)
        postings, moves = _rows_written(path, top)
        raw.append(_raw_insert(before, postings, moves))
        _copy(path, before)
        raw_mv.append(_raw_insert(tmp / f"mv{r}.db", [], moves, fresh=True))
    engine.dispose()
    o, w, m = statistics.median(ours), statistics.median(raw), statistics.median(raw_mv)
    return {
        "engine_s": o,
        "raw_s": w,
        "ratio": w / o,
        "raw_movements_only_s": m,
        "ratio_movements_only": m / o,
        "per_s": batch / o,
    }


def _copy(src: Path, dst: Path) -> None:
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)


def _max_seq(path: Path) -> int:
    with sqlite3.connect(path) as c:
        return int(c.execute("SELECT COALESCE(MAX(seq), 0) FROM movement").fetchone()[0])


def _rows_written(path: Path, top: int) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with sqlite3.connect(path) as c:
        moves = c.execute("SELECT * FROM movement WHERE seq > ? ORDER BY seq", (top,)).fetchall()
        ids = sorted({m[2] for m in moves})
        postings = []
        for k in range(0, len(ids), 900):
            chunk = ids[k : k + 900]
            q = f"SELECT * FROM posting WHERE id IN ({','.join('?' * len(chunk))})"
            postings += c.execute(q, chunk).fetchall()
    return postings, moves


def _raw_insert(
    path: Path, postings: list[tuple[object, ...]], moves: list[tuple[object, ...]], fresh: bool = False
) -> float:
    """Plain sqlite3: BEGIN IMMEDIATE, executemany the rows, COMMIT (WAL, synchronous=FULL, foreign keys on)."""
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=FULL")
    c.execute("PRAGMA foreign_keys=ON")
    if fresh:  # movement rows alone into a bare table with the same columns and indexes, no foreign keys
        c.execute(
            "CREATE TABLE IF NOT EXISTS movement (seq INTEGER PRIMARY KEY, id CHAR(32) UNIQUE NOT NULL,"
            " posting_id CHAR(32) NOT NULL, kind VARCHAR(16) NOT NULL, site_id INTEGER NOT NULL,"
            " item_id INTEGER NOT NULL, lot_id INTEGER NOT NULL, qty BIGINT NOT NULL, occurred_at DATETIME NOT NULL,"
            " recorded_at DATETIME NOT NULL, actor VARCHAR(64) NOT NULL, purpose VARCHAR(16) NOT NULL,"
            " reason VARCHAR(16) NOT NULL, reverses_seq BIGINT UNIQUE)"
        )
        c.execute("CREATE INDEX IF NOT EXISTS ix_k ON movement (site_id, lot_id, occurred_at, seq)")
        c.execute("CREATE INDEX IF NOT EXISTS ix_si ON movement (site_id, item_id)")
    t0 = time.perf_counter()
    c.execute("BEGIN IMMEDIATE")
    if postings:
        c.executemany(f"INSERT INTO posting VALUES ({','.join('?' * len(postings[0]))})", postings)
    c.executemany(f"INSERT INTO movement VALUES ({','.join('?' * len(moves[0]))})", moves)
    c.execute("COMMIT")
    dt = time.perf_counter() - t0
    c.close()
    return dt


def bench_large(tmp: Path, movements: int) -> dict[str, float]:
    """Grow the demo county to ≥ `movements` ledger rows (batches of 10 000), then time the read queries."""
    url = f"sqlite:///{tmp / 'large.db'}"
    create_demo_database(url)
    build_demo(url, now=NOW)
    engine = make_engine(url)
    uow = SqlAlchemyUnitOfWork(engine)
    keys = _keys(uow)
    rng = random.Random(2)
    start = NOW + timedelta(hours=1)
    posted = 0
    t0 = time.perf_counter()
    while posted < movements:
        drafts = _drafts(keys, 10_000, rng, start + timedelta(seconds=posted))
        with uow:
            post_batch(uow, drafts, NOW + timedelta(days=30))
            uow.commit()
        posted += len(drafts)
    build_s = time.perf_counter() - t0
    views = Views(engine)
    sites = list(views.sites()["code"])
    items = list(views.items()["code"])
    times = []
    for _ in range(200):
        s, i = rng.choice(sites), rng.choice(items)
        t1 = time.perf_counter()
        views.balance(s, i)
        times.append(time.perf_counter() - t1)
    rep = []
    for _ in range(10):
        t1 = time.perf_counter()
        views.stock(on=NOW.date())
        rep.append(time.perf_counter() - t1)
    from sqlalchemy import func, select

    from stockpile.adapters.orm.ledger import MovementRow

    with engine.connect() as c:
        total = c.execute(select(func.count()).select_from(MovementRow)).scalar()
    engine.dispose()
    return {
        "movements": float(total or 0),
        "build_s": build_s,
        "balance_p50_ms": statistics.median(times) * 1000,
        "balance_max_ms": max(times) * 1000,
        "stock_report_p50_ms": statistics.median(rep) * 1000,
        "stock_report_max_ms": max(rep) * 1000,
    }


def make_import_xlsx(rows: int, rng: random.Random) -> bytes:
    """A 50 000-row receipts workbook (sheet Import, Chinese headers) for the demo county's codes."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)  # shared strings, as Excel itself saves
    ws = wb.add_worksheet("Import")
    head = [
        "业务类型",
        "库点编码",
        "物资编码",
        "批次号",
        "数量",
        "单位",
        "有效期至",
        "发生时间",
        "单据号",
        "备注",
    ]
    ws.write_row(0, 0, head)
    sites = ["XJK", "XZ01", "XZ02", "XZ03", "XZ04", "XZ05"]
    items = ["1020101", "1020201", "1020202", "1030302", "1010201", "2030201"]
    for r in range(1, rows + 1):
        item = items[r % len(items)]
        ws.write_row(
            r,
            0,
            [
                "入库",
                sites[r % len(sites)],
                item,
                f"IMP-{item[-3:]}-{r % 500:04d}",
                1 + r % 50,
                "",
                (NOW.date() + timedelta(days=400 + r % 500)).isoformat(),
                (NOW - timedelta(days=IMPORT_DAYS_BACK) + timedelta(seconds=r)).strftime("%Y-%m-%d %H:%M:%S"),
                f"RK{r:06d}",
                "批量导入",
            ],
        )
    wb.close()
    return buf.getvalue()


def bench_import(tmp: Path, rows: int = 50_000) -> dict[str, float]:
    from stockpile.bootstrap import build_services
    from stockpile.config import Settings

    url = f"sqlite:///{tmp / 'imp.db'}"
    create_demo_database(url)
    build_demo(url, now=NOW)
    svc = build_services(Settings(database_url=url))
    data = make_import_xlsx(rows, random.Random(3))
    t0 = time.perf_counter()
    rep = svc.imports.import_file(data, "bench.xlsx", "keeper_demo", now=NOW)  # a demo keeper of all depots
    dt = time.perf_counter() - t0
    assert rep.ok and rep.accepted == rows, (rep.errors[:5], rep.needs_confirmation)
    return {"rows": float(rows), "import_s": dt, "bytes": float(len(data))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--movements", type=int, default=1_000_000)
    ap.add_argument("--skip-large", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    results: list[tuple[str, str, float, str]] = []
    print("machine:", _machine())
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        p = bench_posting(tmp)
        print(
            f"posting 10 000 movements: engine {p['engine_s']:.3f} s ({p['per_s']:.0f}/s); raw executemany of the"
            f" same posting+movement rows {p['raw_s']:.3f} s → ratio raw/engine = {p['ratio']:.2f} (target ≥ 0.25);"
            f" raw movement rows alone into a bare table {p['raw_movements_only_s']:.3f} s → "
            f"{p['ratio_movements_only']:.2f}"
        )
        results += [
            ("posting_ratio_raw_over_engine", "ratio", p["ratio"], "≥ 0.25"),
            ("posting_ratio_movements_only", "ratio", p["ratio_movements_only"], "info"),
            ("posting_engine_s", "s", p["engine_s"], ""),
            ("posting_raw_s", "s", p["raw_s"], ""),
        ]
        imp = bench_import(tmp)
        print(
            f"import 50 000-row xlsx: {imp['import_s']:.2f} s (target ≤ 15 s), file {imp['bytes'] / 1e6:.1f} MB"
        )
        results.append(("import_50k_xlsx_s", "s", imp["import_s"], "≤ 15"))
        if not args.skip_large:
            lg = bench_large(tmp, args.movements)
            print(
                f"large county: {lg['movements']:.0f} movements (built in {lg['build_s']:.0f} s); balance(site,item) "
                f"p50 {lg['balance_p50_ms']:.2f} ms, max {lg['balance_max_ms']:.2f} ms (target ≤ 50 ms); "
                f"full stock report p50 {lg['stock_report_p50_ms']:.1f} ms, max {lg['stock_report_max_ms']:.1f} ms"
                f" (target ≤ 200 ms)"
            )
            results += [
                ("large_movements", "n", lg["movements"], "≥ 1 000 000"),
                ("balance_p50_ms", "ms", lg["balance_p50_ms"], "≤ 50"),
                ("balance_max_ms", "ms", lg["balance_max_ms"], "≤ 50"),
                ("stock_report_p50_ms", "ms", lg["stock_report_p50_ms"], "≤ 200"),
                ("stock_report_max_ms", "ms", lg["stock_report_max_ms"], "≤ 200"),
            ]
    with (OUT / "ledger.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["metric", "unit", "value", "target"])
        w.writerows(results)


if __name__ == "__main__":
    with clock.pinned(NOW):  # one instant for the whole run: the postings' and imports' "now" is NOW
        main()
