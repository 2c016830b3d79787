"""Initial schema: leads, outcomes, score history, feedback, events, model versions,
loop states and recommendations.

Revision ID: 0001
Revises:
Create Date: 2026-11-30 15:42:15.200500
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

__all__ = ["upgrade", "downgrade"]

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("lead_id", sa.String(length=200), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=True),
        sa.Column("channel", sa.String(length=200), nullable=True),
        sa.Column("campaign", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.String(length=40), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lead_id"),
    )
    op.create_table(
        "loop_states",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period"),
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_version", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("bundle", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model_version"),
    )
    op.create_table(
        "recommendations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("spend", sa.Float(), nullable=False),
        sa.Column("predicted_value", sa.Float(), nullable=True),
        sa.Column("predicted_low", sa.Float(), nullable=True),
        sa.Column("predicted_high", sa.Float(), nullable=True),
        sa.Column("explored", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period", "channel", name="uq_recommendation_period_channel"),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("campaign", sa.String(length=200), nullable=True),
        sa.Column("evaluated_at", sa.String(length=40), nullable=False),
        sa.Column("metric", sa.String(length=20), nullable=False),
        sa.Column("metric_value", sa.Float(), nullable=False),
        sa.Column("expected_roi", sa.Float(), nullable=True),
        sa.Column("expected_value", sa.Float(), nullable=True),
        sa.Column("acquisition_cost", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("magnitude", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.lead_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lead_id"),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_time", ["evaluated_at"], unique=False)

    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.String(length=200), nullable=False),
        sa.Column("converted", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("closed_at", sa.String(length=40), nullable=False),
        sa.Column("recorded_at", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.lead_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lead_id"),
    )
    op.create_table(
        "score_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.String(length=200), nullable=False),
        sa.Column("scored_at", sa.String(length=40), nullable=False),
        sa.Column("model_version", sa.String(length=200), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("p_convert", sa.Float(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("p_convert_30d", sa.Float(), nullable=True),
        sa.Column("p_convert_180d", sa.Float(), nullable=True),
        sa.Column("expected_effort_hours", sa.Float(), nullable=True),
        sa.Column("expected_commission", sa.Float(), nullable=True),
        sa.Column("p_fit", sa.Float(), nullable=True),
        sa.Column("expected_value", sa.Float(), nullable=True),
        sa.Column("expected_roi", sa.Float(), nullable=True),
        sa.Column("expected_resale_value", sa.Float(), nullable=True),
        sa.Column("tier", sa.String(length=60), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=True),
        sa.Column("action_reason", sa.Text(), nullable=True),
        sa.Column("price", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.lead_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("score_history", schema=None) as batch_op:
        batch_op.create_index("ix_score_history_lead", ["lead_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("score_history", schema=None) as batch_op:
        batch_op.drop_index("ix_score_history_lead")

    op.drop_table("score_history")
    op.drop_table("outcomes")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_time")

    op.drop_table("feedback")
    op.drop_table("recommendations")
    op.drop_table("model_versions")
    op.drop_table("loop_states")
    op.drop_table("leads")
    op.drop_table("events")
