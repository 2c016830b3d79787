r"""Per-group running sums of the expected-ROI evaluation and the campaign tool's feedback.

Batch (:func:`~leadlever.engine.roi._evaluate.evaluate_leads`) and streaming
(:class:`~leadlever.engine.roi._stream.RoiStream`) evaluation keep the same sums per group
(channel, campaign, all leads), so their reports agree bit for bit. From the sums of a
group with :math:`n` leads, mean metric :math:`\bar m` and threshold :math:`\tau`:
feedback *reinforce* when :math:`\bar m \ge \tau`, else *correct*, with strength
:math:`(\bar m - \tau)/|\tau|` and a suggested spend change
:math:`\operatorname{clip}(g \cdot \text{strength}, -s, s)`.

A channel or campaign with fewer than ``min_n`` leads (:data:`MIN_GROUP_LEADS` in the
evaluations) gets no verdict: *too few leads*, spend change 0. With 5 leads the mean of a
metric moves with any one lead, so *reinforce* or *correct* would be noise. A lead without a
channel (or campaign) is counted under :data:`MISSING_GROUP`, never under a group named
``nan``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "SUM_KEYS",
    "aggregate_sums",
    "feedback_frame",
    "group_name",
    "MIN_GROUP_LEADS",
    "MISSING_GROUP",
    "TOO_FEW",
    "verdict_colours",
    "FEEDBACK_COLUMNS",
]

#: leads a channel or campaign needs for a verdict (below: "too few leads", no spend change);
#: at 30 the share of leads above the threshold is known to within about +-0.18 (95 %)
MIN_GROUP_LEADS = 30
#: the verdict of a group with fewer leads
TOO_FEW = "too few leads"
#: the columns a reader sees of a feedback row (the command line's table, the run report's)
FEEDBACK_COLUMNS = (
    "channel",
    "n",
    "mean_expected_roi",
    "share_above",
    "feedback",
    "suggested_spend_change",
)
#: the group of leads whose channel (or campaign) is empty
MISSING_GROUP = "(missing)"
#: how charts (the report's and the dashboard's) colour each verdict: no verdict is grey
_VERDICT_COLOURS = {"reinforce": "#2e7d32", "correct": "#c62828"}
_NO_VERDICT_COLOUR = "#9e9e9e"


def verdict_colours(verdicts: Any) -> list[str]:
    """Bar colours for channel verdicts: green reinforce, red correct, grey for
    :data:`TOO_FEW` (no verdict), so a channel without evidence never looks judged."""
    return [_VERDICT_COLOURS.get(str(v), _NO_VERDICT_COLOUR) for v in verdicts]


def group_name(value: Any) -> str:
    """A channel or campaign name as text; empty or missing cells are :data:`MISSING_GROUP`."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return MISSING_GROUP
    text = str(value).strip()
    return text if text and text.lower() not in ("nan", "<na>", "none") else MISSING_GROUP


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
    sums: dict,
    threshold: float,
    key_name: str,
    *,
    gain: float = 0.5,
    max_step: float = 0.3,
    min_n: int = 0,
) -> pd.DataFrame:
    """Per-group report from the running sums (see the module docstring); groups with fewer
    than ``min_n`` leads get the verdict :data:`TOO_FEW` and no spend change."""
    rows = []
    for k, s in sums.items():
        n = s["n"]
        few = n < min_n
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
                "feedback": TOO_FEW
                if few
                else ("reinforce" if mean_metric >= threshold else "correct"),
                "feedback_strength": strength,
                "suggested_spend_change": 0.0
                if few
                else float(np.clip(gain * strength, -max_step, max_step)),
            }
        )
    return pd.DataFrame(rows)
