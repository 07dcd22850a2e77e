"""registers: the 征用 register (requisitioned goods and vehicles), the 捐赠 register (donations and their uses) and
the link from a disaster event to the dispatch scenarios made from it (docs/events.md)

Revision ID: 0014_registers
Revises: 0009_province
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_registers"
down_revision = "0013_replan"
branch_labels = None
depends_on = None


def _donation() -> None:
    op.create_table(
        "donation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("donor", sa.String(length=200), nullable=False),
        sa.Column("donor_kind", sa.String(length=16), nullable=False),
        sa.Column("donor_contact", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("lot_no", sa.String(length=64), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("posting_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "donor_kind IN ('organisation','person')", name=op.f("ck_donation_donor_kind_known")
        ),
        sa.CheckConstraint("status IN ('accepted','refused')", name=op.f("ck_donation_status_known")),
        sa.CheckConstraint("qty > 0", name=op.f("ck_donation_qty_pos")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["disaster_event.id"], name=op.f("fk_donation_event_id_disaster_event")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_donation_item_id_item")),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_donation_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_donation")),
    )
    with op.batch_alter_table("donation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_donation_event_id"), ["event_id"], unique=False)


def _event_scenario() -> None:
    op.create_table(
        "event_scenario",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["disaster_event.id"], name=op.f("fk_event_scenario_event_id_disaster_event")
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["dispatch_scenario.id"],
            name=op.f("fk_event_scenario_scenario_id_dispatch_scenario"),
        ),
        sa.PrimaryKeyConstraint("event_id", "scenario_id", name=op.f("pk_event_scenario")),
    )


def _requisition() -> None:
    op.create_table(
        "requisition",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("owner_contact", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("condition", sa.String(length=200), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("daily_rate_fen", sa.BigInteger(), nullable=False),
        sa.Column("plate", sa.String(length=32), nullable=False),
        sa.Column("capacity_kg", sa.Integer(), nullable=False),
        sa.Column("capacity_dm3", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("lot_no", sa.String(length=64), nullable=False),
        sa.Column("vehicle_code", sa.String(length=32), nullable=False),
        sa.Column("posting_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("returned_at", sa.DateTime(), nullable=True),
        sa.Column("consumed_at", sa.DateTime(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('goods','vehicle')", name=op.f("ck_requisition_kind_known")),
        sa.CheckConstraint(
            "qty >= 0 AND price_fen >= 0 AND daily_rate_fen >= 0", name=op.f("ck_requisition_amounts_nonneg")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["disaster_event.id"], name=op.f("fk_requisition_event_id_disaster_event")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_requisition_item_id_item")),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_requisition_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requisition")),
    )
    with op.batch_alter_table("requisition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_requisition_event_id"), ["event_id"], unique=False)


def _donation_use() -> None:
    op.create_table(
        "donation_use",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("donation_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("posting_id", sa.Uuid(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_donation_use_qty_pos")),
        sa.ForeignKeyConstraint(
            ["donation_id"], ["donation.id"], name=op.f("fk_donation_use_donation_id_donation")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["disaster_event.id"], name=op.f("fk_donation_use_event_id_disaster_event")
        ),
        sa.ForeignKeyConstraint(
            ["village_code"], ["admin_area.code"], name=op.f("fk_donation_use_village_code_admin_area")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_donation_use")),
    )
    with op.batch_alter_table("donation_use", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_donation_use_donation_id"), ["donation_id"], unique=False)


def upgrade() -> None:
    _donation()
    _event_scenario()
    _requisition()
    _donation_use()


def downgrade() -> None:
    with op.batch_alter_table("donation_use", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_donation_use_donation_id"))

    op.drop_table("donation_use")
    with op.batch_alter_table("requisition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_requisition_event_id"))

    op.drop_table("requisition")
    op.drop_table("event_scenario")
    with op.batch_alter_table("donation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_donation_event_id"))

    op.drop_table("donation")
