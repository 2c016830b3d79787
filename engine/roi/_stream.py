"""Streaming expected-ROI evaluation: one lead at a time, running per-channel sums.

:class:`RoiStream` evaluates each lead as it arrives with the same formulas as
:func:`leadlever.engine.roi._evaluate.evaluate_leads` and keeps running sums per channel and
campaign; :meth:`RoiStream.report` turns them into the same report. Fed the
rows of a table in order with the batch's numeric threshold, it gives the
batch's numbers exactly (the sums are accumulated in the same order).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from leadlever.engine.economics._economics import Economics
from leadlever.engine.exceptions import InvalidValueError, ParameterError
from leadlever.engine.roi._evaluate import (
    METRIC_COLUMNS,
    RoiReport,
    lead_economics,
    resolve_inputs,
)
from leadlever.engine.roi._feedback import MIN_GROUP_LEADS, feedback_frame, group_name

__all__ = ["RoiStream", "LeadVerdict"]


@dataclass(frozen=True)
class LeadVerdict:
    """The verdict on one lead."""

    lead_id: Any
    channel: str
    expected_roi: float
    metric: float
    verdict: str
    magnitude: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "lead_id": self.lead_id,
            "channel": self.channel,
            "expected_roi": self.expected_roi,
            "metric": self.metric,
            "verdict": self.verdict,
            "magnitude": self.magnitude,
        }


def _num(lead: Mapping[str, Any], name: str) -> np.ndarray | None:
    if name not in lead:
        return None
    v = lead[name]
    try:
        x = float("nan") if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
    except (TypeError, ValueError):
        raise InvalidValueError(
            f"Lead field '{name}' holds {v!r}, which is not a number.", name, []
        ) from None
    return np.array([x])


class RoiStream:
    """Evaluate leads one at a time and keep running per-channel aggregates.

    Parameters
    ----------
    threshold : float
        Numeric threshold on the metric (resolve a rule such as "top 40%" beforehand
        with :meth:`leadlever.engine.roi._threshold.Threshold.resolve`).
    economics : Economics, optional
    metric : {"roi", "profit", "margin"}
    feedback_gain, max_step : float
    min_group_leads : int
        As in :func:`leadlever.engine.roi._evaluate.evaluate_leads`.
    """

    def __init__(
        self,
        *,
        threshold: float,
        economics: Economics | None = None,
        metric: str = "roi",
        feedback_gain: float = 0.5,
        max_step: float = 0.3,
        min_group_leads: int = MIN_GROUP_LEADS,
    ):
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not math.isfinite(threshold)
        ):
            raise ParameterError(
                f"The 'threshold' parameter of RoiStream must be a finite number. Got {threshold!r} instead."
            )
        self.threshold = float(threshold)
        if metric not in METRIC_COLUMNS:
            raise ParameterError(
                f"The 'metric' parameter of RoiStream must be one of {tuple(METRIC_COLUMNS)}. "
                f"Got {metric!r} instead."
            )
        self.economics = economics or Economics()
        self.metric = metric
        self.feedback_gain = feedback_gain
        self.max_step = max_step
        self.min_group_leads = min_group_leads
        self._channels: dict[str, dict[str, float]] = {}
        self._campaigns: dict[str, dict[str, float]] = {}
        self._total = self._empty()
        self._sources: dict[str, str] = {}

    @staticmethod
    def _empty() -> dict[str, float]:
        return {
            "n": 0,
            "above": 0,
            "sum_roi": 0.0,
            "sum_metric": 0.0,
            "sum_gap": 0.0,
            "sum_value": 0.0,
            "sum_acquisition": 0.0,
        }

    def update(self, lead: Mapping[str, Any]) -> LeadVerdict:
        """Evaluate one lead (a mapping with ``p_convert``, ``channel`` and optional fields)."""
        if "p_convert" not in lead or "channel" not in lead:
            raise InvalidValueError("Each lead needs 'p_convert' and 'channel'.", "p_convert", [])
        p = _num(lead, "p_convert")
        if not 0.0 <= p[0] <= 1.0:
            raise InvalidValueError(
                f"Lead field 'p_convert' must be in [0, 1]. Got {p[0]!r}.", "p_convert", []
            )
        channel = group_name(lead["channel"])
        inputs, sources, _ = resolve_inputs(
            lambda n: _num(lead, n), np.array([channel], dtype=object), 1, self.economics
        )
        self._sources = sources
        econ = lead_economics(
            p, inputs["commission"], inputs["effort"], inputs["acquisition"], self.economics
        )
        roi = float(econ["expected_roi"][0])
        metric = float(econ[METRIC_COLUMNS[self.metric]][0])
        value = float(econ["expected_value"][0])
        acq = float(inputs["acquisition"][0])
        above = metric >= self.threshold
        groups = [self._total, self._channels.setdefault(channel, self._empty())]
        if "campaign" in lead:
            groups.append(self._campaigns.setdefault(group_name(lead["campaign"]), self._empty()))
        for s in groups:
            s["n"] += 1
            s["above"] += int(above)
            s["sum_roi"] += roi
            s["sum_metric"] += metric
            s["sum_gap"] += metric - self.threshold
            s["sum_value"] += value
            s["sum_acquisition"] += acq
        return LeadVerdict(
            lead.get("lead_id"),
            channel,
            roi,
            metric,
            "positive" if above else "negative",
            metric - self.threshold,
        )

    @property
    def n(self) -> int:
        return int(self._total["n"])

    def report(self) -> RoiReport:
        """The running per-channel (and per-campaign) report."""
        if self.n == 0:
            raise ParameterError("No lead has been evaluated yet; call update() first.")
        kw = {"gain": self.feedback_gain, "max_step": self.max_step}
        groups = {**kw, "min_n": self.min_group_leads}
        return RoiReport(
            metric=self.metric,
            threshold=self.threshold,
            threshold_rule=f"{self.threshold:g}",
            n=self.n,
            share_above=self._total["above"] / self.n,
            mean_expected_roi=self._total["sum_roi"] / self.n,
            by_channel=feedback_frame(self._channels, self.threshold, "channel", **groups),
            by_campaign=feedback_frame(self._campaigns, self.threshold, "campaign", **groups)
            if self._campaigns
            else None,
            sources=dict(self._sources),
            overall={
                **feedback_frame({0: self._total}, self.threshold, "group", **kw).iloc[0].to_dict(),
                "group": "all leads",
            },
        )
