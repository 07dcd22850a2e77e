"""orders: one open plan per scenario, voiding, per-depot shipping, receipts (签收), plate and driver on orders

Revision ID: 0008_orders
Revises: 0007_events
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_orders"
down_revision = "0007_events"
branch_labels = None
depends_on = None

STATES = "state IN ('pending','picked','shipped','delivered','closed','void')"


def _text(name: str, length: int) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=False, server_default="")


def _when(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table("vehicle", schema=None) as b:
        b.add_column(_text("plate", 32))
        b.add_column(_text("driver", 64))
        b.add_column(_text("driver_phone", 32))
    with op.batch_alter_table("dispatch_plan", schema=None) as b:
        b.add_column(sa.Column("scenario_open", sa.Integer(), nullable=True))
        b.add_column(_when("voided_at"))
        b.add_column(_text("voided_by", 64))
        b.create_unique_constraint(b.f("uq_dispatch_plan_scenario_open"), ["scenario_open"])
    with op.batch_alter_table("dispatch_order", schema=None) as b:
        b.add_column(_text("plate", 32))
        b.add_column(_text("driver", 64))
        b.add_column(_text("driver_phone", 32))
        for name in ("picked_at", "delivered_at", "closed_at", "voided_at"):
            b.add_column(_when(name))
        b.add_column(_text("received_by", 64))
        b.add_column(sa.Column("receipt_note", sa.Text(), nullable=False, server_default=""))
        b.create_check_constraint(b.f("ck_dispatch_order_state_known"), STATES)
    _tables()
    _open_plans()


def _tables() -> None:
    op.create_table(
        "dispatch_order_depot",
        sa.Column("doc_no", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        _when("picked_at"),
        _when("shipped_at"),
        sa.Column("shipped_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["doc_no"], ["dispatch_order.doc_no"], name=op.f("fk_dispatch_order_depot_doc_no_dispatch_order")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_dispatch_order_depot_site_id_site")),
        sa.PrimaryKeyConstraint("doc_no", "site_id", name=op.f("pk_dispatch_order_depot")),
    )
    op.create_table(
        "dispatch_receipt_line",
        sa.Column("doc_no", sa.String(length=64), nullable=False),
        sa.Column("place_code", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("planned_qty", sa.BigInteger(), nullable=False),
        sa.Column("received_qty", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.CheckConstraint("received_qty >= 0", name=op.f("ck_dispatch_receipt_line_received_nonneg")),
        sa.ForeignKeyConstraint(
            ["doc_no"], ["dispatch_order.doc_no"], name=op.f("fk_dispatch_receipt_line_doc_no_dispatch_order")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_dispatch_receipt_line_item_id_item")),
        sa.PrimaryKeyConstraint("doc_no", "place_code", "item_id", name=op.f("pk_dispatch_receipt_line")),
    )


def _open_plans() -> None:
    """Plans confirmed before this revision: the newest plan of a scenario with an unshipped order stays open
    (older ones must be voided by hand: `relief order list` shows them), and each of their orders gets a row per
    depot it holds stock at."""
    c = op.get_bind()
    rows = c.execute(
        sa.text(
            "SELECT p.id, p.scenario_id FROM dispatch_plan p WHERE EXISTS (SELECT 1 FROM dispatch_order o"
            " WHERE o.plan_id = p.id AND o.state = 'pending') ORDER BY p.confirmed_at DESC, p.id"
        )
    ).all()
    seen: set[int] = set()
    for plan_id, scenario_id in rows:
        if scenario_id not in seen:
            seen.add(scenario_id)
            c.execute(
                sa.text("UPDATE dispatch_plan SET scenario_open = :s WHERE id = :p"), {"s": scenario_id, "p": plan_id}
            )
    c.execute(
        sa.text(
            "INSERT INTO dispatch_order_depot (doc_no, site_id, state, shipped_by)"
            " SELECT DISTINCT o.doc_no, r.site_id, CASE WHEN o.state = 'shipped' THEN 'shipped' ELSE 'pending' END, ''"
            " FROM dispatch_order o JOIN reservation r ON r.plan_ref = o.doc_no"
        )
    )


def downgrade() -> None:
    op.drop_table("dispatch_receipt_line")
    op.drop_table("dispatch_order_depot")
    with op.batch_alter_table("dispatch_order", schema=None) as b:
        b.drop_constraint(b.f("ck_dispatch_order_state_known"), type_="check")
        for name in ("receipt_note", "received_by", "voided_at", "closed_at", "delivered_at", "picked_at"):
            b.drop_column(name)
        for name in ("driver_phone", "driver", "plate"):
            b.drop_column(name)
    with op.batch_alter_table("dispatch_plan", schema=None) as b:
        b.drop_constraint(b.f("uq_dispatch_plan_scenario_open"), type_="unique")
        for name in ("voided_by", "voided_at", "scenario_open"):
            b.drop_column(name)
    with op.batch_alter_table("vehicle", schema=None) as b:
        for name in ("driver_phone", "driver", "plate"):
            b.drop_column(name)
