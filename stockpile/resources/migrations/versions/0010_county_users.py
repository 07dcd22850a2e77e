"""county users: accounts from the county workbook's 用户 sheet that must set a password at first login; vehicles'
speed profile and available hours; township boundary polygons (GeoJSON)

Revision ID: 0010_county_users
Revises: 0009_province
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_county_users"
down_revision = "0009_province"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as b:
        b.add_column(sa.Column("must_set_password", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("vehicle", schema=None) as b:
        b.add_column(
            sa.Column("speed_profile", sa.String(length=16), nullable=False, server_default="driving-hgv")
        )
        b.add_column(sa.Column("available_hours", sa.Integer(), nullable=True))
    with op.batch_alter_table("admin_area", schema=None) as b:
        b.add_column(sa.Column("boundary", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("admin_area", schema=None) as b:
        b.drop_column("boundary")
    with op.batch_alter_table("vehicle", schema=None) as b:
        b.drop_column("available_hours")
        b.drop_column("speed_profile")
    with op.batch_alter_table("app_user", schema=None) as b:
        b.drop_column("must_set_password")
