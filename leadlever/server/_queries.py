"""Read-only questions to the database that the feedback, ledger and dashboard answer.

Each returns plain tables; the numbers are computed by the library
(:func:`leadlever.engine.roi._evaluate.feedback_frame`,
:func:`leadlever.engine.monitoring.calibration_ledger`,
:func:`leadlever.optimisers.learning.recommendation_ledger`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select

from leadlever.server import _schema as t

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from leadlever.server._database import Database

__all__ = [
    "channel_sums",
    "arrival_outcomes",
    "work_queue",
    "sell_list",
    "open_scores",
    "loop_periods",
    "counts",
]


def channel_sums(db: Database, threshold: float, since: str | None) -> dict[str, dict[str, float]]:
    """Running sums per channel of the leads evaluated since ``since`` (the library's
    ``SUM_KEYS``), against ``threshold``."""
    f = t.feedback
    q = select(
        f.c.channel,
        func.count().label("n"),
        func.sum(case((f.c.metric_value >= threshold, 1), else_=0)).label("above"),
        func.sum(f.c.expected_roi).label("sum_roi"),
        func.sum(f.c.metric_value).label("sum_metric"),
        func.sum(f.c.expected_value).label("sum_value"),
        func.sum(f.c.acquisition_cost).label("sum_acquisition"),
    ).group_by(f.c.channel)
    if since is not None:
        q = q.where(f.c.evaluated_at >= since)
    with db.read() as conn:
        rows = conn.execute(q.order_by(f.c.channel)).mappings().all()
    return {
        r["channel"]: {
            "n": int(r["n"]),
            "above": int(r["above"] or 0),
            "sum_roi": float(r["sum_roi"] or 0.0),
            "sum_metric": float(r["sum_metric"] or 0.0),
            "sum_gap": float(r["sum_metric"] or 0.0) - int(r["n"]) * threshold,
            "sum_value": float(r["sum_value"] or 0.0),
            "sum_acquisition": float(r["sum_acquisition"] or 0.0),
        }
        for r in rows
    }


def arrival_outcomes(db: Database) -> pd.DataFrame:
    """One row per lead: arrival time and score (its first history row) and its outcome."""
    import pandas as pd

    h, lead, o = t.score_history, t.leads, t.outcomes
    first = select(func.min(h.c.id).label("id")).group_by(h.c.lead_id).subquery()
    q = (
        select(
            h.c.lead_id,
            func.coalesce(lead.c.created_at, lead.c.received_at).label("arrived_at"),
            lead.c.received_at,
            lead.c.channel,
            h.c.model_version,
            h.c.p_convert,
            o.c.converted,
            o.c.value,
        )
        .join(first, first.c.id == h.c.id)
        .join(lead, lead.c.lead_id == h.c.lead_id)
        .outerjoin(o, o.c.lead_id == h.c.lead_id)
        .order_by(lead.c.id)
    )
    with db.read() as conn:
        rows = conn.execute(q).all()
    cols = ["lead_id", "arrived_at", "received_at", "channel", "model_version", "p_convert",
            "converted", "value"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def work_queue(db: Database, limit: int = 200) -> list[dict[str, Any]]:
    """Open leads by their latest score: work now first (highest in-house value), then sell, nurture."""
    h, o = t.score_history, t.outcomes
    last = select(func.max(h.c.id).label("id")).group_by(h.c.lead_id).subquery()
    rank = case((h.c.action == "in_house", 0), (h.c.action == "sell", 1), else_=2)
    q = (
        select(
            h.c.lead_id,
            h.c.p_convert,
            h.c.score,
            h.c.tier,
            h.c.action,
            h.c.action_reason,
            h.c.price,
            h.c.expected_value,
            h.c.expected_roi,
            h.c.reasons,
            h.c.scored_at,
            h.c.model_version,
            h.c.trigger,
        )  # fmt: skip
        .join(last, last.c.id == h.c.id)
        .outerjoin(o, o.c.lead_id == h.c.lead_id)
        .where(o.c.id.is_(None))
        .order_by(rank, h.c.expected_value.desc())
        .limit(limit)
    )
    with db.read() as conn:
        return [dict(r) for r in conn.execute(q).mappings().all()]


def open_scores(db: Database) -> pd.DataFrame:
    """Open leads' latest scores: ``lead_id``, ``p_convert``, ``in_house_value``, ``action``,
    ``price``."""
    import pandas as pd

    h, o = t.score_history, t.outcomes
    last = select(func.max(h.c.id).label("id")).group_by(h.c.lead_id).subquery()
    q = (
        select(h.c.lead_id, h.c.p_convert, h.c.expected_value, h.c.action, h.c.price)
        .join(last, last.c.id == h.c.id)
        .outerjoin(o, o.c.lead_id == h.c.lead_id)
        .where(o.c.id.is_(None))
        .order_by(h.c.lead_id)
    )
    with db.read() as conn:
        rows = conn.execute(q).all()
    return pd.DataFrame(rows, columns=["lead_id", "p_convert", "in_house_value", "action", "price"])


def sell_list(db: Database, limit: int = 50) -> dict[str, Any]:
    """Open leads whose latest action is ``sell``: the priciest first, with the count and
    the total asked."""
    h, o = t.score_history, t.outcomes
    last = select(func.max(h.c.id).label("id")).group_by(h.c.lead_id).subquery()
    base = (
        select(h.c.lead_id, h.c.price, h.c.p_convert, h.c.tier, h.c.action_reason)
        .join(last, last.c.id == h.c.id)
        .outerjoin(o, o.c.lead_id == h.c.lead_id)
        .where(o.c.id.is_(None), h.c.action == "sell")
    )
    totals = select(func.count(), func.sum(base.subquery().c.price))
    with db.read() as conn:
        n, total = conn.execute(totals).one()
        rows = conn.execute(base.order_by(h.c.price.desc()).limit(limit)).mappings().all()
    return {"n": int(n), "total_price": float(total or 0.0), "leads": [dict(r) for r in rows]}


def loop_periods(db: Database) -> tuple[list[tuple[int, str]], pd.DataFrame]:
    """(period, created_at) of every stored step, and the recommendations table."""
    import pandas as pd

    with db.read() as conn:
        steps = conn.execute(
            select(t.loop_states.c.period, t.loop_states.c.created_at).order_by(t.loop_states.c.id)
        ).all()  # fmt: skip
        recs = conn.execute(select(t.recommendations).order_by(t.recommendations.c.id)).all()
    cols = ["id", "period", "channel", "spend", "predicted_value", "predicted_low",
            "predicted_high", "explored", "created_at"]  # fmt: skip
    return [(int(p), c) for p, c in steps], pd.DataFrame(recs, columns=cols)


def counts(db: Database) -> dict[str, int]:
    """Rows per table (the dashboard's header)."""
    out = {}
    with db.read() as conn:
        for name in ("leads", "outcomes", "score_history", "events", "model_versions"):
            out[name] = int(
                conn.execute(select(func.count()).select_from(t.metadata.tables[name])).scalar()
            )
    return out
