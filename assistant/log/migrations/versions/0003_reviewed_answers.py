"""Reviewed answers (人工审核答复) and their version history (issue 16).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviewed_answers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("doc_id", sa.String(200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("phrasings", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="published"),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.CheckConstraint("status IN ('published', 'withdrawn')", name="ck_reviewed_status"),
    )
    op.create_index("ix_reviewed_answers_doc_id", "reviewed_answers", ["doc_id"])
    op.create_index("ix_reviewed_answers_status", "reviewed_answers", ["status"])
    op.create_table(
        "reviewed_answer_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "answer_id",
            sa.Integer(),
            sa.ForeignKey("reviewed_answers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("change", sa.String(40), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
    )
    op.create_index("ix_reviewed_answer_versions_answer_id", "reviewed_answer_versions", ["answer_id"])


def downgrade() -> None:
    op.drop_index("ix_reviewed_answer_versions_answer_id", table_name="reviewed_answer_versions")
    op.drop_table("reviewed_answer_versions")
    op.drop_index("ix_reviewed_answers_status", table_name="reviewed_answers")
    op.drop_index("ix_reviewed_answers_doc_id", table_name="reviewed_answers")
    op.drop_table("reviewed_answers")
