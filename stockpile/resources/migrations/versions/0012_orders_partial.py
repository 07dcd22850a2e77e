"""orders partial: what each depot part actually loaded per item (planned vs shipped, the reason of a shortfall),
and request lines (请领) traced to the scenario that planned them, delivered in full or in part on 签收

Revision ID: 0012_orders_partial
Revises: 0009_province
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_orders_partial"
down_revision = "0010_county_users"
branch_labels = None
depends_on = None

OLD_STATUS = "status IN ('submitted','approved','partly','refused','planned','delivered')"
NEW_STATUS = "status IN ('submitted','approved','partly','refused','planned','part_delivered','delivered')"


def upgrade() -> None:
    op.create_table(
        "dispatch_ship_line",
        sa.Column("doc_no", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("planned_qty", sa.BigInteger(), nullable=False),
        sa.Column("shipped_qty", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "shipped_qty >= 0 AND shipped_qty <= planned_qty",
            name=op.f("ck_dispatch_ship_line_shipped_range"),
        ),
        sa.ForeignKeyConstraint(
            ["doc_no", "site_id"],
            ["dispatch_order_depot.doc_no", "dispatch_order_depot.site_id"],
            name=op.f("fk_dispatch_ship_line_doc_no_dispatch_order_depot"),
        ),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_dispatch_ship_line_item_id_item")),
        sa.PrimaryKeyConstraint("doc_no", "site_id", "item_id", name=op.f("pk_dispatch_ship_line")),
    )
    with op.batch_alter_table("relief_request", schema=None) as b:
        b.add_column(sa.Column("scenario_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("delivered_qty", sa.BigInteger(), nullable=True))
        b.create_foreign_key(
            b.f("fk_relief_request_scenario_id_dispatch_scenario"),
            "dispatch_scenario",
            ["scenario_id"],
            ["id"],
        )
        b.drop_constraint(b.f("ck_relief_request_status_known"), type_="check")
        b.create_check_constraint(b.f("ck_relief_request_status_known"), NEW_STATUS)


def downgrade() -> None:
    op.execute("UPDATE relief_request SET status = 'planned' WHERE status = 'part_delivered'")
    with op.batch_alter_table("relief_request", schema=None) as b:
        b.drop_constraint(b.f("ck_relief_request_status_known"), type_="check")
        b.create_check_constraint(b.f("ck_relief_request_status_known"), OLD_STATUS)
        b.drop_constraint(b.f("fk_relief_request_scenario_id_dispatch_scenario"), type_="foreignkey")
        b.drop_column("delivered_qty")
        b.drop_column("scenario_id")
    op.drop_table("dispatch_ship_line")
