"""integratiedossier: the rest of a client's registration as ACM keeps it

Every new column is NULL or has ACM's default, so existing clients keep working and behave as
ACM does: every scope allowed, a pairwise ``sub``, opaque access tokens, PKCE S256 and plain,
the provider's lifetimes, the default ``acr``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allowed_scopes', sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column('subject_type', sa.String(length=10), nullable=False, server_default='pairwise')
        )
        batch_op.add_column(
            sa.Column(
                'access_token_format', sa.String(length=10), nullable=False, server_default='opaque'
            )
        )
        batch_op.add_column(sa.Column('pkce_methods', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('access_token_ttl_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('id_token_ttl_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('refresh_token_ttl_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('acr_values', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('jwks_uri', sa.String(length=500), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_clients_subject_type'), "subject_type IN ('pairwise', 'public')"
        )
        batch_op.create_check_constraint(
            op.f('ck_clients_access_token_format'), "access_token_format IN ('opaque', 'jwt')"
        )


def downgrade() -> None:
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_clients_access_token_format'), type_='check')
        batch_op.drop_constraint(op.f('ck_clients_subject_type'), type_='check')
        for column in (
            'jwks_uri',
            'acr_values',
            'refresh_token_ttl_seconds',
            'id_token_ttl_seconds',
            'access_token_ttl_seconds',
            'pkce_methods',
            'access_token_format',
            'subject_type',
            'allowed_scopes',
        ):
            batch_op.drop_column(column)
