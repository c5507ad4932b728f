"""token acr: codes and tokens carry the login's authentication context class reference

The ``acr`` of a login travels with it, from its code to every token of its grant, so that a
refreshed ID token reports the same ``acr`` as the first. Rows stored before this revision keep
NULL, which stands for the client's own ``acr``. Access tokens need no change of their rows:
opaque or JWT, every token is stored by the SHA-256 of the whole token.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 13:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('authorization_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acr', sa.String(length=200), nullable=True))
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acr', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_column('acr')
    with op.batch_alter_table('authorization_codes', schema=None) as batch_op:
        batch_op.drop_column('acr')
