"""events: disaster events, reports per village with needs, township requests (请领), informants' townships and the
informant role (灾情信息员)

Revision ID: 0007_events
Revises: 0006_jobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_events"
down_revision = "0006_jobs"
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('keeper', 'dispatcher', 'planner', 'admin')"
NEW_ROLES = "role IN ('keeper', 'dispatcher', 'planner', 'admin', 'informant')"


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "disaster_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        _when("reported_at"),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _when("created_at"),
        sa.CheckConstraint("level BETWEEN 1 AND 4", name=op.f("ck_disaster_event_level_range")),
        sa.ForeignKeyConstraint(
            ["area_code"], ["admin_area.code"], name=op.f("fk_disaster_event_area_code_admin_area")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disaster_event")),
        sa.UniqueConstraint("code", name=op.f("uq_disaster_event_code")),
    )
    _reports()
    _requests()
    op.create_table(
        "user_area",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"], ["admin_area.code"], name=op.f("fk_user_area_area_code_admin_area")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_user_area_user_id_app_user")),
        sa.PrimaryKeyConstraint("user_id", "area_code", name=op.f("pk_user_area")),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_app_user_role_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_app_user_role_known"), NEW_ROLES)


def _reports() -> None:
    op.create_table(
        "disaster_report",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("township_code", sa.String(length=12), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        _when("reported_at"),
        sa.Column("affected", sa.Integer(), nullable=False),
        sa.Column("relocated", sa.Integer(), nullable=False),
        sa.Column("damaged_houses", sa.Integer(), nullable=False),
        sa.Column("reporter", sa.String(length=64), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        _when("created_at"),
        sa.CheckConstraint(
            "affected >= 0 AND relocated >= 0 AND damaged_houses >= 0 AND relocated <= affected",
            name=op.f("ck_disaster_report_figures_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["disaster_event.id"], name=op.f("fk_disaster_report_event_id_disaster_event")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["disaster_report.id"],
            name=op.f("fk_disaster_report_supersedes_id_disaster_report"),
        ),
        sa.ForeignKeyConstraint(
            ["township_code"], ["admin_area.code"], name=op.f("fk_disaster_report_township_code_admin_area")
        ),
        sa.ForeignKeyConstraint(
            ["village_code"], ["admin_area.code"], name=op.f("fk_disaster_report_village_code_admin_area")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disaster_report")),
    )
    with op.batch_alter_table("disaster_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disaster_report_event_id"), ["event_id"], unique=False)
    op.create_table(
        "disaster_report_need",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_disaster_report_need_qty_pos")),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_disaster_report_need_item_id_item")),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["disaster_report.id"],
            name=op.f("fk_disaster_report_need_report_id_disaster_report"),
        ),
        sa.PrimaryKeyConstraint("report_id", "item_id", name=op.f("pk_disaster_report_need")),
    )


def _requests() -> None:
    op.create_table(
        "relief_request",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("township_code", sa.String(length=12), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        _when("needed_by", nullable=True),
        sa.Column("destination", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("approved_qty", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        _when("requested_at"),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        _when("decided_at", nullable=True),
        sa.CheckConstraint(
            "approved_qty IS NULL OR (approved_qty >= 0 AND approved_qty <= qty)",
            name=op.f("ck_relief_request_approved"),
        ),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name=op.f("ck_relief_request_priority_range")),
        sa.CheckConstraint("qty > 0", name=op.f("ck_relief_request_qty_pos")),
        sa.CheckConstraint(
            "status IN ('submitted','approved','partly','refused','planned','delivered')",
            name=op.f("ck_relief_request_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["disaster_event.id"], name=op.f("fk_relief_request_event_id_disaster_event")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_relief_request_item_id_item")),
        sa.ForeignKeyConstraint(
            ["township_code"], ["admin_area.code"], name=op.f("fk_relief_request_township_code_admin_area")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_request")),
    )
    with op.batch_alter_table("relief_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relief_request_event_id"), ["event_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_app_user_role_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_app_user_role_known"), OLD_ROLES)
    op.drop_table("user_area")
    with op.batch_alter_table("relief_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relief_request_event_id"))
    op.drop_table("relief_request")
    op.drop_table("disaster_report_need")
    with op.batch_alter_table("disaster_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disaster_report_event_id"))
    op.drop_table("disaster_report")
    op.drop_table("disaster_event")
