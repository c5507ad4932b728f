"""token without account: tokens.account_id may be NULL

A grant without an end-user (``client_credentials``, RFC 6749 §4.4) issues an access token for
the client itself, stored with no account. Every row stored before this revision has one, so
the upgrade only relaxes the column; the downgrade first deletes the tokens that have none.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 07:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.alter_column('account_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute(sa.text('DELETE FROM tokens WHERE account_id IS NULL'))
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.alter_column('account_id', existing_type=sa.Integer(), nullable=False)
