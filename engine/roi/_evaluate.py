r"""Expected-ROI evaluation of leads, with per-lead verdicts and per-channel feedback.

For a lead with conversion probability :math:`p`, expected commission
:math:`c`, expected consultant hours :math:`h`, hourly rate :math:`w`, legal
fees :math:`L` (per placement, so :math:`pL`, or per lead), admin overhead
:math:`A` and its share of acquisition spend :math:`Q`:

.. math::
    \text{cost} = h w + pL + A + Q, \qquad
    \text{expected\_roi} = \frac{p c}{\text{cost}}, \qquad
    \text{expected\_value} = p c - \text{cost}, \qquad
    \text{expected\_margin} = \frac{p c - \text{cost}}{p c}.

The selected metric :math:`m` (roi, profit = expected_value, or margin) is
compared with a threshold :math:`\tau` (a number, or "the top :math:`q` of last
month's leads" = the :math:`1-q` quantile of the metric over leads created in
the last ``window_days``): verdict positive when :math:`m \ge \tau`, magnitude
:math:`m - \tau`. Per channel (and campaign) the feedback for the campaign tool
is *reinforce* when the mean metric clears :math:`\tau`, else *correct*, with
strength :math:`(\bar m - \tau)/|\tau|` and a suggested spend change
:math:`\operatorname{clip}(g \cdot \text{strength}, -s, s)`.

:class:`~leadlever.engine.roi._stream.RoiStream` gives the same numbers lead by lead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import MissingColumnsError, ParameterError
from leadlever.engine.io._numbers import check_number
from leadlever.engine.io._schema import ColumnSpec, TableSchema, validate_table
from leadlever.engine.roi._costs import CostModel

__all__ = [
    "Threshold",
    "parse_threshold",
    "RoiReport",
    "lead_economics",
    "resolve_inputs",
    "evaluate_leads",
    "evaluate_file",
    "aggregate_sums",
    "feedback_frame",
    "METRIC_COLUMNS",
    "SCORED_SCHEMA",
]

METRIC_COLUMNS = {"roi": "expected_roi", "profit": "expected_value", "margin": "expected_margin"}

SCORED_SCHEMA = TableSchema(
    "scored leads",
    (
        ColumnSpec("p_convert", "probability", description="Calibrated conversion probability."),
        ColumnSpec("expected_commission", "numeric", required=False, allow_missing=True, min=0),
        ColumnSpec("expected_effort_hours", "numeric", required=False, allow_missing=True, min=0),
        ColumnSpec("acquisition_cost", "numeric", required=False, allow_missing=True, min=0),
    ),
)


@dataclass(frozen=True)
class Threshold:
    """An OKR threshold: a fixed number, or the top share of recent leads.

    Parameters
    ----------
    value : float, optional
        Fixed threshold on the metric.
    top_share : float, optional
        E.g. 0.4 for "the top 40% of last month's leads".
    window_days : int
        How far back "last month" reaches from the newest lead's ``created_at``.
    """

    value: float | None = None
    top_share: float | None = None
    window_days: int = 30

    def __post_init__(self) -> None:
        if (self.value is None) == (self.top_share is None):
            raise ParameterError("A Threshold needs exactly one of 'value' and 'top_share'.")
        if self.value is not None:
            object.__setattr__(self, "value", check_number(self.value, "The threshold"))
        if self.top_share is not None and not 0 < self.top_share < 1:
            raise ParameterError(
                f"The 'top_share' parameter of Threshold must be in (0, 1). Got {self.top_share!r} instead."
            )

    def describe(self) -> str:
        if self.value is not None:
            return f"{self.value:g}"
        return f"top {self.top_share:.0%} of the last {self.window_days} days' leads"

    def resolve(self, metric: np.ndarray, created_at: pd.Series | None = None) -> float:
        """The numeric threshold (the rule's quantile over the reference window)."""
        if self.value is not None:
            return float(self.value)
        ref = np.asarray(metric, dtype=float)
        if created_at is not None:
            dates = pd.to_datetime(created_at)
            recent = (dates >= dates.max() - pd.Timedelta(days=self.window_days)).to_numpy()
            ref = ref[recent]
        ref = ref[np.isfinite(ref)]
        if ref.size == 0:
            raise ParameterError("The threshold rule has no leads with a finite metric to rank.")
        return float(np.quantile(ref, 1.0 - self.top_share))


_TOP = re.compile(
    r"^top\s*[:=]?\s*(\d+(?:\.\d+)?)\s*(%?)(?:\s*(?:of\s*)?(?:last\s*)?(\d+)\s*d(?:ays)?)?$"
)


def parse_threshold(text: str | float | Threshold) -> Threshold:
    """A number (``"1.5"``) or a rule (``"top40%"``, ``"top 40%"``, ``"top:0.4"``, ``"top40%:60d"``)."""
    if isinstance(text, Threshold):
        return text
    if isinstance(text, int | float) and not isinstance(text, bool):
        return Threshold(value=float(text))
    s = str(text).strip().lower().replace(":", " ").replace("last", "").strip()
    try:
        number = float(s)
    except ValueError:
        pass
    else:
        return Threshold(value=check_number(number, "The threshold (--threshold)"))
    m = _TOP.match(re.sub(r"\s+", " ", s))
    if not m:
        raise ParameterError(
            f"The threshold must be a number (e.g. 1.5) or a rule like 'top40%' (top 40% of the last "
            f"30 days' leads) or 'top40%:60d'. Got {text!r} instead."
        )
    share = float(m.group(1)) / (100.0 if m.group(2) or float(m.group(1)) > 1 else 1.0)
    return Threshold(top_share=share, window_days=int(m.group(3) or 30))


def lead_economics(
    p, commission, effort_hours, acquisition, costs: CostModel
) -> dict[str, np.ndarray]:
    """Per-lead expected revenue, cost, ROI, value and margin (elementwise, see module formulas)."""
    p = np.asarray(p, dtype=float)
    legal = (
        costs.legal_fees * p
        if costs.legal_fees_per == "placement"
        else np.full(p.shape, costs.legal_fees)
    )
    cost = effort_hours * costs.hourly_rate + legal + costs.admin_overhead + acquisition
    revenue = p * commission
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
    get: Callable[[str], np.ndarray | None], channel: np.ndarray | None, n: int, costs: CostModel
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Commission, effort and acquisition per lead, from columns or the cost model.

    ``get(name)`` returns the column as a float array or None when absent; a
    column's empty cells fall back to the next source.
    """
    sources: dict[str, str] = {}
    default_c = np.full(n, costs.default_commission)
    salary = get(costs.salary_column)
    fallback_c = (
        default_c
        if salary is None
        else np.where(np.isnan(salary), default_c, costs.commission_rate * salary)
    )
    commission = get("expected_commission")
    sources["commission"] = (
        "expected_commission"
        if commission is not None
        else f"{costs.commission_rate:g} x {costs.salary_column}"
        if salary is not None
        else "default_commission"
    )
    commission = (
        fallback_c if commission is None else np.where(np.isnan(commission), fallback_c, commission)
    )
    effort = get("expected_effort_hours")
    sources["effort"] = "expected_effort_hours" if effort is not None else "default_effort_hours"
    default_h = np.full(n, costs.default_effort_hours)
    effort = default_h if effort is None else np.where(np.isnan(effort), default_h, effort)
    acq = np.full(n, costs.acquisition_cost_per_lead)
    if channel is not None and costs.acquisition_cost_by_channel:
        by = costs.acquisition_cost_by_channel
        acq = np.array([by.get(str(c), a) for c, a in zip(channel, acq, strict=True)], dtype=float)
        sources["acquisition"] = "acquisition_cost_by_channel"
    given = get("acquisition_cost")
    if given is not None:
        acq = np.where(np.isnan(given), acq, given)
        sources["acquisition"] = "acquisition_cost"
    sources.setdefault("acquisition", "acquisition_cost_per_lead")
    return {"commission": commission, "effort": effort, "acquisition": acq}, sources


#: running sums kept per group (streaming and batch share them)
SUM_KEYS = ("n", "above", "sum_roi", "sum_metric", "sum_gap", "sum_value", "sum_acquisition")


def aggregate_sums(
    keys: np.ndarray, roi, metric, above, value, acquisition, threshold: float
) -> dict:
    """Per-group sums in row order (sequential, so they equal the streaming sums bit for bit)."""
    out: dict[str, dict[str, float]] = {}
    keys = np.asarray(keys, dtype=object)
    order: dict[Any, list[int]] = {}
    for i, k in enumerate(keys):
        order.setdefault(k, []).append(i)
    for k, idx in order.items():
        ix = np.asarray(idx)
        out[k] = {
            "n": len(ix),
            "above": int(np.sum(above[ix])),
            "sum_roi": float(np.cumsum(roi[ix])[-1]),
            "sum_metric": float(np.cumsum(metric[ix])[-1]),
            "sum_gap": float(np.cumsum(metric[ix] - threshold)[-1]),
            "sum_value": float(np.cumsum(value[ix])[-1]),
            "sum_acquisition": float(np.cumsum(acquisition[ix])[-1]),
        }
    return out


def feedback_frame(
    sums: dict, threshold: float, key_name: str, *, gain: float = 0.5, max_step: float = 0.3
) -> pd.DataFrame:
    """Per-group report from the running sums (see the module docstring)."""
    rows = []
    for k, s in sums.items():
        n = s["n"]
        mean_metric = s["sum_metric"] / n
        strength = (
            (s["sum_gap"] / n) / abs(threshold) if threshold != 0 else float(np.sign(s["sum_gap"]))
        )
        rows.append(
            {
                key_name: k,
                "n": n,
                "mean_expected_roi": s["sum_roi"] / n,
                "mean_metric": mean_metric,
                "share_above": s["above"] / n,
                "expected_profit": s["sum_value"],
                "acquisition_spend": s["sum_acquisition"],
                "expected_profit_per_spend": s["sum_value"] / s["sum_acquisition"]
                if s["sum_acquisition"] > 0
                else float("nan"),
                "feedback": "reinforce" if mean_metric >= threshold else "correct",
                "feedback_strength": strength,
                "suggested_spend_change": float(np.clip(gain * strength, -max_step, max_step)),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class RoiReport:
    """Result of an expected-ROI evaluation."""

    metric: str
    threshold: float
    threshold_rule: str
    n: int
    share_above: float
    mean_expected_roi: float
    by_channel: pd.DataFrame
    by_campaign: pd.DataFrame | None = None
    leads: pd.DataFrame | None = None
    sources: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "metric": self.metric,
            "threshold": self.threshold,
            "threshold_rule": self.threshold_rule,
            "share_above": self.share_above,
            "mean_expected_roi": self.mean_expected_roi,
            "by_channel": self.by_channel.to_dict(orient="records"),
            "by_campaign": None
            if self.by_campaign is None
            else self.by_campaign.to_dict(orient="records"),
            "sources": dict(self.sources),
        }

    def to_frame(self) -> pd.DataFrame:
        """Per-lead table (inputs plus expected_* columns, verdict and magnitude)."""
        return self.leads if self.leads is not None else pd.DataFrame()


def evaluate_leads(
    scored: pd.DataFrame,
    *,
    threshold: str | float | Threshold,
    costs: CostModel | None = None,
    feedback_gain: float = 0.5,
    max_step: float = 0.3,
    source: str | None = None,
) -> RoiReport:
    """Evaluate every lead of a scored table (batch API).

    Parameters
    ----------
    scored : DataFrame
        Needs ``p_convert``; uses ``expected_commission``, ``expected_effort_hours``,
        ``acquisition_cost``, the salary column, ``channel``, ``campaign`` and
        ``created_at`` when present.
    threshold : number, rule text or Threshold
    costs : CostModel, optional
    """
    costs = costs or CostModel()
    frame = validate_table(scored, SCORED_SCHEMA, source=source)
    if "channel" not in frame.columns:
        raise MissingColumnsError(
            f"{'File ' + repr(source) if source else 'The table'} lacks the column 'channel', needed for the "
            "per-channel feedback. Add it (one channel name per lead).",
            ["channel"],
            {},
        )
    n = len(frame)

    def get(name: str) -> np.ndarray | None:
        if name not in frame.columns:
            return None
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)

    channel = frame["channel"].astype(str).to_numpy(dtype=object)
    inputs, sources = resolve_inputs(get, channel, n, costs)
    econ = lead_economics(
        frame["p_convert"].to_numpy(dtype=float),
        inputs["commission"],
        inputs["effort"],
        inputs["acquisition"],
        costs,
    )
    metric = econ[METRIC_COLUMNS[costs.metric]]
    rule = parse_threshold(threshold)
    tau = rule.resolve(metric, frame["created_at"] if "created_at" in frame.columns else None)
    above = metric >= tau
    leads = frame.copy()
    for k, v in econ.items():
        leads[k] = v
    leads["acquisition_cost"] = inputs["acquisition"]
    leads["expected_effort_hours"] = inputs["effort"]
    leads["verdict"] = np.where(above, "positive", "negative")
    leads["magnitude"] = metric - tau
    args = (econ["expected_roi"], metric, above, econ["expected_value"], inputs["acquisition"], tau)
    by_channel = feedback_frame(
        aggregate_sums(channel, *args), tau, "channel", gain=feedback_gain, max_step=max_step
    )
    by_campaign = None
    if "campaign" in frame.columns:
        camp = frame["campaign"].astype(str).to_numpy(dtype=object)
        by_campaign = feedback_frame(
            aggregate_sums(camp, *args), tau, "campaign", gain=feedback_gain, max_step=max_step
        )
    total = aggregate_sums(np.zeros(n, dtype=object), *args)[0]
    return RoiReport(
        metric=costs.metric,
        threshold=tau,
        threshold_rule=rule.describe(),
        n=n,
        share_above=total["above"] / n,
        mean_expected_roi=total["sum_roi"] / n,
        by_channel=by_channel,
        by_campaign=by_campaign,
        leads=leads,
        sources=sources,
    )


def evaluate_file(
    path: str,
    *,
    threshold: str | float | Threshold,
    costs_path: str | None = None,
    dedupe: bool = False,
) -> RoiReport:
    """Read a scored lead table (CSV/Parquet) and evaluate it; costs from an optional TOML
    file; a repeated ``lead_id`` is an error unless ``dedupe`` (first row kept)."""
    from leadlever.engine.io._lead_schema import read_leads
    from leadlever.engine.roi._costs import load_costs

    costs = load_costs(costs_path) if costs_path is not None else CostModel()
    table = read_leads(path, dedupe=dedupe)
    return evaluate_leads(table, threshold=threshold, costs=costs, source=str(path))
