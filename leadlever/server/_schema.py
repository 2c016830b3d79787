"""The service's tables (SQLAlchemy Core), one ``MetaData`` for the app and the migrations.

=================  ===================================================================
table              holds
=================  ===================================================================
leads              every lead posted (its fields verbatim as JSON, plus the keys)
outcomes           won/lost, value and date of a closed lead (one per lead)
score_history      append-only: every score a lead received (arrival, rescoring, events)
feedback           each lead's expected-ROI verdict at arrival (for the campaign tool)
events             calls, new clients, OKR changes (with the new threshold)
model_versions     uploaded qualification bundles; exactly one active
loop_states        the closed-loop learner's state after each step (one row per period)
recommendations    each proposed split with its predicted value per channel
runs               pricing and packaging runs on the open leads (summary and tables as JSON)
=================  ===================================================================

Times are ISO 8601 text in UTC (``2026-11-30T15:04:05.123456Z``), which sorts in time
order on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "metadata",
    "leads",
    "outcomes",
    "score_history",
    "feedback",
    "events",
    "model_versions",
    "loop_states",
    "recommendations",
    "runs",
    "SCORE_COLUMNS",
]

metadata = MetaData()

ID = 200  # longest lead id, channel or version text kept

leads = Table(
    "leads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lead_id", String(ID), nullable=False, unique=True),
    Column("created_at", String(40)),
    Column("channel", String(ID)),
    Column("campaign", String(ID)),
    Column("received_at", String(40), nullable=False),
    Column("fields", Text, nullable=False),
)

outcomes = Table(
    "outcomes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lead_id", String(ID), ForeignKey("leads.lead_id"), nullable=False, unique=True),
    Column("converted", Integer, nullable=False),
    Column("value", Float),
    Column("closed_at", String(40), nullable=False),
    Column("recorded_at", String(40), nullable=False),
)

#: numeric score columns kept per history row: the library's rescoring columns
#: (``engine.qualification._rescore.CRITERIA_COLUMNS``) plus the ROI and resale value,
#: spelt out because the table is fixed by its migration, not by a library constant
SCORE_COLUMNS = (
    "p_convert",
    "score",
    "p_convert_30d",
    "p_convert_180d",
    "expected_effort_hours",
    "expected_commission",
    "p_fit",
    "expected_value",
    "expected_roi",
    "expected_resale_value",
)

score_history = Table(
    "score_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lead_id", String(ID), ForeignKey("leads.lead_id"), nullable=False),
    Column("scored_at", String(40), nullable=False),
    Column("model_version", String(ID), nullable=False),
    Column("trigger", String(40), nullable=False),
    *(Column(c, Float) for c in SCORE_COLUMNS),
    Column("tier", String(60)),
    Column("reasons", Text),
    Column("action", String(20)),
    Column("action_reason", Text),
    Column("price", Float),
    Index("ix_score_history_lead", "lead_id", "id"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lead_id", String(ID), ForeignKey("leads.lead_id"), nullable=False, unique=True),
    Column("channel", String(ID), nullable=False),
    Column("campaign", String(ID)),
    Column("evaluated_at", String(40), nullable=False),
    Column("metric", String(20), nullable=False),
    Column("metric_value", Float, nullable=False),
    Column("expected_roi", Float),
    Column("expected_value", Float),
    Column("acquisition_cost", Float),
    Column("threshold", Float, nullable=False),
    Column("verdict", String(20), nullable=False),
    Column("magnitude", Float, nullable=False),
    Index("ix_feedback_time", "evaluated_at"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("lead_id", String(ID)),
    Column("threshold", Float),
    Column("note", Text),
    Column("at", String(40), nullable=False),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("model_version", String(ID), nullable=False, unique=True),
    Column("uploaded_at", String(40), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("bundle", Text, nullable=False),
)

loop_states = Table(
    "loop_states",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("period", Integer, nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
    Column("state", Text, nullable=False),
)

recommendations = Table(
    "recommendations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("period", Integer, nullable=False),
    Column("channel", String(ID), nullable=False),
    Column("spend", Float, nullable=False),
    Column("predicted_value", Float),
    Column("predicted_low", Float),
    Column("predicted_high", Float),
    Column("explored", Boolean, nullable=False),
    Column("created_at", String(40), nullable=False),
    UniqueConstraint("period", "channel", name="uq_recommendation_period_channel"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("status", String(40), nullable=False),
    Column("summary", Text, nullable=False),
)
