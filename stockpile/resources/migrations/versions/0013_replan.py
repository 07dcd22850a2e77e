"""replan: a confirmed plan keeps its whole plan (JSON) so it can be re-planned from the database; a re-plan
confirmed supersedes the open orders of the plan it came from (state `superseded`, a pointer to the new plan)

Revision ID: 0013_replan
Revises: 0009_province
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_replan"
down_revision = "0012_orders_partial"
branch_labels = None
depends_on = None

OLD_STATES = "state IN ('pending','picked','shipped','delivered','closed','void')"
NEW_STATES = "state IN ('pending','picked','shipped','delivered','closed','void','superseded')"


def _states(check: str) -> None:
    with op.batch_alter_table("dispatch_order", schema=None) as b:
        b.drop_constraint(op.f("ck_dispatch_order_state_known"), type_="check")
        b.create_check_constraint(op.f("ck_dispatch_order_state_known"), check)


def upgrade() -> None:
    with op.batch_alter_table("dispatch_plan", schema=None) as b:
        b.add_column(sa.Column("plan_json", sa.Text(), nullable=False, server_default=""))
        b.add_column(sa.Column("supersedes", sa.Uuid(), nullable=True))
        b.add_column(sa.Column("superseded_by", sa.Uuid(), nullable=True))
    with op.batch_alter_table("dispatch_order", schema=None) as b:
        b.add_column(sa.Column("superseded_by", sa.Uuid(), nullable=True))
    _states(NEW_STATES)


def downgrade() -> None:
    op.execute("UPDATE dispatch_order SET state = 'void' WHERE state = 'superseded'")
    _states(OLD_STATES)
    with op.batch_alter_table("dispatch_order", schema=None) as b:
        b.drop_column("superseded_by")
    with op.batch_alter_table("dispatch_plan", schema=None) as b:
        for name in ("superseded_by", "supersedes", "plan_json"):
            b.drop_column(name)
