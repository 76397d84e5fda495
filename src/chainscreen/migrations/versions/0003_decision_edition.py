"""Run store: the list edition a reviewer's decision was made against, for the audit trail
(who, when, note, list record and edition, row hash).

Nullable: decisions recorded before this revision read back with an empty edition.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("edition", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("edition")
