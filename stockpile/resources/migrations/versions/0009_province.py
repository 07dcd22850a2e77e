"""province: the read-only `province` role (省级查看), a user a county grants to read its stock, standard gaps and
coverage for the province roll-up (docs/deployment.md)

Revision ID: 0009_province
Revises: 0008_orders
"""

from __future__ import annotations

from alembic import op

revision = "0009_province"
down_revision = "0008_orders"
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('keeper', 'dispatcher', 'planner', 'admin', 'informant')"
NEW_ROLES = "role IN ('keeper', 'dispatcher', 'planner', 'admin', 'informant', 'province')"


def _roles(check: str) -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_app_user_role_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_app_user_role_known"), check)


def upgrade() -> None:
    _roles(NEW_ROLES)


def downgrade() -> None:
    op.execute("UPDATE app_user SET active = false, role = 'planner' WHERE role = 'province'")
    _roles(OLD_ROLES)
