"""Run store: runs, row results, candidates, list versions, input blobs, decisions.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "list_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("list_id", sa.String(100), nullable=False),
        sa.Column("edition", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.UniqueConstraint("list_id", "edition", "sha256", name="uq_list_versions"),
    )
    op.create_table(
        "input_blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uid", sa.String(32), nullable=False, unique=True),
        sa.Column("input_name", sa.Text(), nullable=False),
        sa.Column("input_path", sa.Text(), nullable=True),
        sa.Column("input_sha256", sa.String(64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.Column("settings_sha256", sa.String(64), nullable=True),
        sa.Column("tool_version", sa.String(40), nullable=False),
        sa.Column("started", sa.String(40), nullable=False),
        sa.Column("finished", sa.String(40), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("receipt", sa.JSON(), nullable=True),
        sa.Column("levels", sa.JSON(), nullable=True),
    )
    op.create_index("ix_runs_input_sha256", "runs", ["input_sha256"])
    op.create_index("ix_runs_status", "runs", ["status"])
    op.create_table(
        "run_lists",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("list_version_id", sa.Integer(), sa.ForeignKey("list_versions.id"),
                  primary_key=True),
    )
    op.create_table(
        "row_results",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("row", sa.Integer(), primary_key=True),
        sa.Column("supplier", sa.Text(), nullable=True),
        sa.Column("party", sa.Text(), nullable=False),
        sa.Column("country", sa.String(8), nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=True),
    )
    op.create_table(
        "candidates",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("row", sa.Integer(), primary_key=True),
        sa.Column("rank", sa.Integer(), primary_key=True),
        sa.Column("list_id", sa.String(100), nullable=False),
        sa.Column("record_id", sa.String(100), nullable=False),
        sa.Column("record_name", sa.Text(), nullable=False),
        sa.Column("record_hash", sa.String(64), nullable=False),
        sa.Column("matched_name", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("match_decision", sa.String(20), nullable=False),
        sa.Column("review", sa.JSON(), nullable=True),
    )
    op.create_index("ix_candidates_record", "candidates", ["list_id", "record_id"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("party", sa.Text(), nullable=False),
        sa.Column("country", sa.String(8), nullable=False),
        sa.Column("list_id", sa.String(100), nullable=False),
        sa.Column("record_id", sa.String(100), nullable=False),
        sa.Column("record_hash", sa.String(64), nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("record_name", sa.Text(), nullable=False),
        sa.Column("supplier", sa.Text(), nullable=False),
    )
    op.create_index("ix_decisions_key", "decisions", ["party", "country", "list_id", "record_id"])


def downgrade() -> None:
    for index, table in (("ix_decisions_key", "decisions"), ("ix_candidates_record", "candidates"),
                         ("ix_runs_status", "runs"), ("ix_runs_input_sha256", "runs")):
        op.drop_index(index, table_name=table)
    for table in ("decisions", "candidates", "row_results", "run_lists", "runs", "input_blobs",
                  "list_versions"):
        op.drop_table(table)
