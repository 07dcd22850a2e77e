"""county: the county's own settings (县情) and a shelter's level

Revision ID: 0005_county
Revises: 0004_oidc
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_county"
down_revision = "0004_oidc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "county_setting",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("bureau", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("guarantee_minutes", sa.Integer(), nullable=False),
        sa.Column("initial_relief_hours", sa.Integer(), nullable=False),
        sa.Column("effective_relief_hours", sa.Integer(), nullable=False),
        sa.Column("crs", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_county_setting_single_row")),
        sa.CheckConstraint("guarantee_minutes > 0", name=op.f("ck_county_setting_guarantee_pos")),
        sa.CheckConstraint(
            "initial_relief_hours > 0 AND effective_relief_hours > 0", name=op.f("ck_county_setting_targets_pos")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_county_setting")),
    )
    with op.batch_alter_table("shelter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level", sa.String(length=32), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("shelter", schema=None) as batch_op:
        batch_op.drop_column("level")
    op.drop_table("county_setting")
