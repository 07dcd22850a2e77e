"""Join the parallel 0002 branches (auth, dispatch, reserve) into one head.

Revision ID: 0003_merge
Revises: 0002_auth, 0002_dispatch, 0002_reserve
"""

from __future__ import annotations

revision = "0003_merge"
down_revision = ("0002_auth", "0002_dispatch", "0002_reserve")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
