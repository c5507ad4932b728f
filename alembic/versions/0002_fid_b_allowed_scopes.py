"""clients.allowed_scopes: the scopes of the client's dossier

Revision ID: 0002_fid_b_allowed_scopes
Revises: 0001
Create Date: 2026-12-02 10:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_fid_b_allowed_scopes"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL keeps every existing client at the default: every scope the provider knows.
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("allowed_scopes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("allowed_scopes")
