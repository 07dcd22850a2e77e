"""events_more: outgoing requests to the city (请调函) and their lines, and the quantity of requisitioned goods
returned to their owner (docs/events.md)

Revision ID: 0015_events_more
Revises: 0014_registers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0015_events_more"
down_revision = "0014_registers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requisition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("returned_qty", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "city_request",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("needed_by", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["disaster_event.id"], name=op.f("fk_city_request_event_id_disaster_event")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_request")),
        sa.UniqueConstraint("number", name=op.f("uq_city_request_number")),
        sa.UniqueConstraint("year", "serial", name=op.f("uq_city_request_year")),
    )
    with op.batch_alter_table("city_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_city_request_event_id"), ["event_id"], unique=False)
    op.create_table(
        "city_request_line",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_city_request_line_qty_pos")),
        sa.ForeignKeyConstraint(
            ["request_id"], ["city_request.id"], name=op.f("fk_city_request_line_request_id_city_request")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_city_request_line_item_id_item")),
        sa.PrimaryKeyConstraint("request_id", "item_id", name=op.f("pk_city_request_line")),
    )


def downgrade() -> None:
    op.drop_table("city_request_line")
    with op.batch_alter_table("city_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_city_request_event_id"))
    op.drop_table("city_request")
    with op.batch_alter_table("requisition", schema=None) as batch_op:
        batch_op.drop_column("returned_qty")
