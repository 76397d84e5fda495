"""Run store: the JSON-contract fields a row result lacked (goods, formula, problems), the
candidates' match reasons and a run's file-level problems, so a stored run gives back
``ScreenResult.to_dict()``.

Every new column is nullable: rows written before this revision keep NULL there, and
:meth:`chainscreen.store.Store.result_dict` reads NULL as empty.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: (table, column, type) added by this revision.
COLUMNS: tuple[tuple[str, str, sa.types.TypeEngine], ...] = (
    ("row_results", "goods", sa.JSON()),
    ("row_results", "formula", sa.Text()),
    ("row_results", "problems", sa.JSON()),
    ("candidates", "reasons", sa.JSON()),
    ("runs", "problems", sa.JSON()),
)


def upgrade() -> None:
    # Batch mode: on SQLite, ADD COLUMN of a nullable column is done in place (no table copy).
    for table, column, type_ in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, type_, nullable=True))


def downgrade() -> None:
    for table, column, _ in reversed(COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
