r"""Per-group running sums of the expected-ROI evaluation and the campaign tool's feedback.

Batch (:func:`~leadlever.engine.roi._evaluate.evaluate_leads`) and streaming
(:class:`~leadlever.engine.roi._stream.RoiStream`) evaluation keep the same sums per group
(channel, campaign, all leads), so their reports agree bit for bit. From the sums of a
group with :math:`n` leads, mean metric :math:`\bar m` and threshold :math:`\tau`:
feedback *reinforce* when :math:`\bar m \ge \tau`, else *correct*, with strength
:math:`(\bar m - \tau)/|\tau|` and a suggested spend change
:math:`\operatorname{clip}(g \cdot \text{strength}, -s, s)`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SUM_KEYS", "aggregate_sums", "feedback_frame"]


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
