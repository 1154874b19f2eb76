"""What the app processes share between requests (issue 18, item 1): API conversations, with the
turns a follow-up needs, and the per-client rate-limit counters — both with expiry.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_conversations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_api_conversations_last_seen", "api_conversations", ["last_seen"])
    op.create_table(
        "api_conversation_turns",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("turn", sa.JSON(), nullable=False),
    )
    op.create_index(
        "ix_api_conversation_turns_conversation_id", "api_conversation_turns", ["conversation_id"]
    )
    op.create_table(
        "rate_limits",
        sa.Column("client_hash", sa.String(64), primary_key=True),
        # GCRA: the moment (Unix seconds) the client's bucket is full again
        sa.Column("full_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_rate_limits_full_at", "rate_limits", ["full_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limits_full_at", table_name="rate_limits")
    op.drop_table("rate_limits")
    op.drop_index("ix_api_conversation_turns_conversation_id", table_name="api_conversation_turns")
    op.drop_table("api_conversation_turns")
    op.drop_index("ix_api_conversations_last_seen", table_name="api_conversations")
    op.drop_table("api_conversations")
