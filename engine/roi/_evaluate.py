r"""Expected-ROI evaluation of leads, with per-lead verdicts and per-channel feedback.

For an open lead with conversion probability :math:`p`, expected value of a win
:math:`c` (its ``expected_commission``, else the economics' commission rate times a
salary column, else ``value_per_conversion``), expected consultant hours :math:`h`,
hourly rate :math:`w`, legal fees :math:`L` (per placement, so :math:`pL`, or per
lead), admin overhead :math:`A` and its generation (acquisition) cost :math:`Q`
(every figure from :class:`~leadlever.engine.economics.Economics` unless a column
gives it, and announced as an assumption):

.. math::
    \text{cost} = h w + pL + A + Q, \qquad
    \text{expected\_roi} = \frac{p c}{\text{cost}}, \qquad
    \text{expected\_value} = p c - \text{cost}, \qquad
    \text{expected\_margin} = \frac{p c - \text{cost}}{p c}.

The selected metric :math:`m` (roi, profit = expected_value, or margin) is
compared with a threshold :math:`\tau` (a number, or "the top :math:`q` of last
month's leads" = the :math:`1-q` quantile of the metric over leads created in
the last ``window_days``; a table without dates ranks all its leads and says so):
verdict positive when :math:`m \ge \tau`, magnitude :math:`m - \tau`. Over all leads,
and per channel and campaign when the table names them, the feedback for the campaign tool
is *reinforce* when the mean metric clears :math:`\tau`, else *correct*, with
strength :math:`(\bar m - \tau)/|\tau|` and a suggested spend change
:math:`\operatorname{clip}(g \cdot \text{strength}, -s, s)`.

:class:`~leadlever.engine.roi._stream.RoiStream` gives the same numbers lead by lead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.economics._economics import Assumption, Economics
from leadlever.engine.economics._lead_values import conversion_values
from leadlever.engine.exceptions import ParameterError
from leadlever.engine.io._open_leads import open_leads
from leadlever.engine.io._outcomes import OutcomeSpec
from leadlever.engine.io._schema import ColumnSpec, TableSchema, validate_table
from leadlever.engine.roi._feedback import (
    MIN_GROUP_LEADS,
    MISSING_GROUP,
    TOO_FEW,
    aggregate_sums,
    feedback_frame,
    group_name,
)
from leadlever.engine.roi._threshold import Threshold, parse_threshold
from leadlever.engine.scoring._fit_record import column_warning

__all__ = [
    "METRICS",
    "Threshold",
    "parse_threshold",
    "RoiReport",
    "lead_economics",
    "resolve_inputs",
    "evaluate_leads",
    "evaluate_file",
    "METRIC_COLUMNS",
    "SCORED_SCHEMA",
]

METRIC_COLUMNS = {"roi": "expected_roi", "profit": "expected_value", "margin": "expected_margin"}
METRICS = tuple(METRIC_COLUMNS)
#: columns that group leads for feedback; numbers there are counts, not names
GROUP_COLUMNS = ("channel", "campaign")

SCORED_SCHEMA = TableSchema(
    "scored leads",
    (
        ColumnSpec("p_convert", "probability", description="Calibrated conversion probability."),
        ColumnSpec("expected_commission", "numeric", required=False, allow_missing=True, min=0),
        ColumnSpec("expected_effort_hours", "numeric", required=False, allow_missing=True, min=0),
        ColumnSpec("generation_cost", "numeric", required=False, allow_missing=True, min=0),
    ),
)


def lead_economics(
    p, commission, effort_hours, acquisition, economics: Economics
) -> dict[str, np.ndarray]:
    """Per-lead expected revenue, cost, ROI, value and margin (elementwise, see module formulas)."""
    p = np.asarray(p, dtype=float)
    cost = economics.delivery_cost(p, effort_hours) + acquisition
    revenue = p * commission
    # zero cost or revenue divides by zero; np.where gives those leads inf / -inf instead
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = np.where(cost > 0, revenue / cost, np.inf)
        margin = np.where(revenue > 0, (revenue - cost) / revenue, -np.inf)
    return {
        "expected_commission": np.asarray(commission, dtype=float) * np.ones(p.shape),
        "expected_revenue": revenue,
        "expected_cost": cost,
        "expected_roi": roi,
        "expected_value": revenue - cost,
        "expected_margin": margin,
    }


def resolve_inputs(
    get: Callable[[str], np.ndarray | None],
    channel: np.ndarray | None,
    n: int,
    economics: Economics,
) -> tuple[dict[str, np.ndarray], dict[str, str], list[Assumption]]:
    """Value of a win, effort and generation cost per lead, from columns or the economics.

    ``get(name)`` returns the column as a float array or None when absent; a column's
    empty cells fall back to the next source. Returns the inputs, a short source name per
    input, and the :class:`~leadlever.engine.economics.Assumption` records of what was used.
    """
    e = economics
    sources: dict[str, str] = {}
    used: list[Assumption] = []
    commission = get("expected_commission")
    if commission is not None and np.isnan(commission).all():
        commission = None  # an empty column says nothing: as if absent
    need = np.ones(n, dtype=bool) if commission is None else np.isnan(commission)
    if commission is not None:
        sources["commission"] = "expected_commission"
        used.append(
            Assumption(
                "value_per_conversion",
                float(np.nanmean(commission)),
                "data",
                "mean of column 'expected_commission'",
            )  # fmt: skip
        )
    commission, label, fallback = conversion_values(get, n, e, given=commission)
    if need.any():
        sources.setdefault("commission", label)
        used += fallback
    effort = get("expected_effort_hours")
    sources["effort"] = "expected_effort_hours" if effort is not None else "effort_hours"
    if effort is None or np.isnan(effort).any():
        used.append(e.assumption("effort_hours"))
    default_h = np.full(n, e.effort_hours)
    effort = default_h if effort is None else np.where(np.isnan(effort), default_h, effort)
    acq = e.generation_costs(n, channel)
    by_channel = channel is not None and bool(e.generation_cost_by_channel)
    sources["acquisition"] = "generation_cost_by_channel" if by_channel else "generation_cost"
    given = get("generation_cost")
    if given is not None:
        acq = np.where(np.isnan(given), acq, given)
        sources["acquisition"] = "generation_cost column"
    if given is None or np.isnan(given).any():
        if by_channel:
            used.append(e.assumption("generation_cost_by_channel"))
        used.append(e.assumption("generation_cost"))
    used += e.assumptions(["hourly_rate", "legal_fees", "legal_fees_per", "admin_overhead"])
    return {"commission": commission, "effort": effort, "acquisition": acq}, sources, used


@dataclass(frozen=True)
class RoiReport:
    """Result of an expected-ROI evaluation.

    ``overall`` is the feedback row of all leads (one verdict when the table has no
    channel column); ``by_channel`` and ``by_campaign`` are None when the table has no
    such column (or only numbers in it).
    """

    metric: str
    threshold: float
    threshold_rule: str
    n: int
    share_above: float
    mean_expected_roi: float
    by_channel: pd.DataFrame | None
    by_campaign: pd.DataFrame | None = None
    leads: pd.DataFrame | None = None
    sources: dict[str, str] = field(default_factory=dict)
    overall: dict[str, Any] = field(default_factory=dict)
    n_closed_excluded: int = 0
    assumptions: tuple[Assumption, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "n_closed_excluded": self.n_closed_excluded,
            "metric": self.metric,
            "threshold": self.threshold,
            "threshold_rule": self.threshold_rule,
            "share_above": self.share_above,
            "mean_expected_roi": self.mean_expected_roi,
            "overall": dict(self.overall),
            "by_channel": None
            if self.by_channel is None
            else self.by_channel.to_dict(orient="records"),
            "by_campaign": None
            if self.by_campaign is None
            else self.by_campaign.to_dict(orient="records"),
            "sources": dict(self.sources),
            "assumptions": [a.to_dict() for a in self.assumptions],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        """Per-lead table (inputs plus expected_* columns, verdict and magnitude)."""
        return self.leads if self.leads is not None else pd.DataFrame()


def _min_group_assumption(min_n: int) -> Assumption:
    return Assumption(
        "min_leads_per_group",
        min_n,
        "default" if min_n == MIN_GROUP_LEADS else "option",
        f"a channel or campaign with fewer leads gets no verdict ('{TOO_FEW}')",
    )


def _groups(frame: pd.DataFrame, notes: list[str]) -> dict[str, np.ndarray]:
    """The grouping columns holding names (a numeric 'campaign' is a count, not campaigns)."""
    out = {}
    for name in GROUP_COLUMNS:
        if name not in frame.columns:
            continue
        col = frame[name]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            notes.append(
                f"Column '{name}' holds numbers ({col.nunique():,} distinct), not {name} names: "
                f"no per-{name} feedback (rename it if it is not a {name})."
            )
            continue
        names = np.array([group_name(v) for v in col.to_numpy(dtype=object)], dtype=object)
        n_missing = int((names == MISSING_GROUP).sum())
        if n_missing:
            notes.append(
                f"{n_missing:,} lead(s) have no {name}: counted under the {name} '{MISSING_GROUP}'."
            )
        out[name] = names
    return out


def evaluate_leads(
    scored: pd.DataFrame,
    *,
    threshold: str | float | Threshold,
    economics: Economics | None = None,
    metric: str = "roi",
    feedback_gain: float = 0.5,
    max_step: float = 0.3,
    source: str | None = None,
    include_closed: bool = False,
    outcome: OutcomeSpec | None = None,
    min_group_leads: int = MIN_GROUP_LEADS,
) -> RoiReport:
    """Evaluate every open lead of a scored table (batch API).

    Parameters
    ----------
    scored : DataFrame
        Needs ``p_convert``; uses ``expected_commission``, ``expected_effort_hours``,
        ``generation_cost``, the salary column, ``channel``, ``campaign`` and
        ``created_at`` when present. Closed leads (won or lost by ``outcome``, or by the
        outcome column found: ``converted``, ``Converted``, ``deal_stage`` ...) are left out
        unless ``include_closed`` (to evaluate a past campaign's leads).
    threshold : number, rule text or Threshold
    economics : Economics, optional
    metric : {"roi", "profit", "margin"}
        The metric the threshold applies to.
    """
    if metric not in METRIC_COLUMNS:
        raise ParameterError(
            f"The 'metric' parameter must be one of {', '.join(METRICS)}. Got {metric!r} instead."
        )
    econ = economics or Economics()
    frame = validate_table(scored, SCORED_SCHEMA, source=source)
    notes: list[str] = []
    n_closed = 0
    if include_closed:
        notes.append("Closed leads are evaluated too (--include-closed): a look back, not a plan.")
    else:
        found = open_leads(frame, outcome, source=source)
        frame, n_closed = found.leads, found.n_closed
        notes.extend(found.notes)
        if n_closed:
            notes.append(f"Left out {n_closed:,} closed lead(s) ({found.closed_why}).")
    if frame.empty:
        raise ParameterError(
            f"{'File ' + repr(source) if source else 'The table'} has no open leads to evaluate "
            f"({n_closed:,} closed leads left out). To look back at closed leads' expected ROI, "
            "pass --include-closed; to test a contact rule on them, use 'leadlever roi target "
            "--target'."
        )
    n = len(frame)
    warning = column_warning(frame, source)

    def get(name: str) -> np.ndarray | None:
        if name not in frame.columns:
            return None
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)

    groups = _groups(frame, notes)
    channel = groups.get("channel")
    if channel is None:
        notes.append("No channel names: one overall verdict for all leads.")
    inputs, sources, used = resolve_inputs(get, channel, n, econ)
    econ_cols = lead_economics(
        frame["p_convert"].to_numpy(dtype=float),
        inputs["commission"],
        inputs["effort"],
        inputs["acquisition"],
        econ,
    )
    values = econ_cols[METRIC_COLUMNS[metric]]
    rule = parse_threshold(threshold)
    dated = "created_at" in frame.columns and frame["created_at"].notna().any()
    tau = rule.resolve(values, frame["created_at"] if dated else None)
    above = values >= tau
    leads = frame.copy()
    for k, v in econ_cols.items():
        leads[k] = v
    leads["generation_cost"] = inputs["acquisition"]
    leads["expected_effort_hours"] = inputs["effort"]
    leads["verdict"] = np.where(above, "positive", "negative")
    leads["magnitude"] = values - tau
    args = (
        econ_cols["expected_roi"],
        values,
        above,
        econ_cols["expected_value"],
        inputs["acquisition"],
        tau,
    )
    kw = {"gain": feedback_gain, "max_step": max_step}
    by = {
        name: feedback_frame(aggregate_sums(keys, *args), tau, name, **kw, min_n=min_group_leads)
        for name, keys in groups.items()
    }
    if by:
        used.append(_min_group_assumption(min_group_leads))
    for name, table in by.items():
        few = table.loc[table["feedback"] == TOO_FEW]
        if len(few):
            shown = ", ".join(
                f"'{g}' ({k})" for g, k in zip(few[name][:8], few["n"][:8], strict=True)
            )
            shown += f" and {len(few) - 8:,} more" if len(few) > 8 else ""
            notes.append(
                f"{len(few):,} {name}(s) with fewer than {min_group_leads} leads get no verdict "
                f"('{TOO_FEW}', no spend change): {shown}. Their mean moves with "
                "any one lead."
            )
    total = aggregate_sums(np.zeros(n, dtype=object), *args)
    overall = feedback_frame(total, tau, "group", **kw).iloc[0].to_dict()
    overall["group"] = "all leads"
    if rule.top_share is not None:
        notes.append(
            f"The threshold is a share of these leads' own {metric} (the top "
            f"{rule.top_share:.0%}{' of the last ' + str(rule.window_days) + ' days' if dated else ''}"
            f"), so the overall verdict only compares their mean with their own percentile "
            f"(right-skewed {metric} clears it whatever the campaign earns); the per-channel "
            "verdicts compare channels with each other. Give a number (--threshold 1) for a "
            "verdict on what the leads earn."
        )
    return RoiReport(
        metric=metric,
        threshold=tau,
        threshold_rule=rule.describe(dated=dated),
        n=n,
        share_above=total[0]["above"] / n,
        mean_expected_roi=total[0]["sum_roi"] / n,
        by_channel=by.get("channel"),
        by_campaign=by.get("campaign"),
        leads=leads,
        sources=sources,
        overall=overall,
        n_closed_excluded=n_closed,
        assumptions=tuple(used),
        warnings=() if warning is None else (warning,),
        notes=tuple(notes),
    )


def evaluate_file(
    path: str,
    *,
    threshold: str | float | Threshold,
    economics: Economics | None = None,
    metric: str = "roi",
    include_closed: bool = False,
    dedupe: bool = False,
    outcome: OutcomeSpec | None = None,
) -> RoiReport:
    """Read a scored lead table (CSV/Parquet) and evaluate its open leads; a repeated
    ``lead_id`` is an error unless ``dedupe`` (its first row kept)."""
    from leadlever.engine.io._lead_schema import read_leads

    return evaluate_leads(
        read_leads(path, dedupe=dedupe),
        threshold=threshold,
        economics=economics,
        metric=metric,
        source=str(path),
        include_closed=include_closed,
        outcome=outcome,
    )
