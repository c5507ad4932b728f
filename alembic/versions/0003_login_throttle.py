"""login throttle: failed-attempt counters per username, client address and login transaction

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 13:15:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import datastore.db.models


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('window_start', datastore.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('window_end', datastore.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', datastore.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('username', 'address', 'transaction')", name=op.f('ck_login_throttle_kind')),
    sa.PrimaryKeyConstraint('kind', 'key', name=op.f('pk_login_throttle'))
    )


def downgrade() -> None:
    op.drop_table('login_throttle')
