r"""Choosing the probability threshold above which a lead is a "predicted hit".

Candidates are the distinct probabilities; a threshold :math:`t` flags leads with
:math:`p > t`.

* max F1: :math:`\arg\max_t F_1(t)`;
* target precision :math:`\pi`: the lowest :math:`t` (largest recall) with precision
  :math:`\ge \pi`;
* expected profit with value :math:`v` of a true hit and cost :math:`c` of a false one:
  :math:`\arg\max_t\; v\,TP(t) - c\,FP(t)`;
* capacity :math:`k`: the threshold that flags the :math:`k` most probable leads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from leadlever.engine.exceptions import DataError, ParameterError
from leadlever.engine.scoring._metrics import _check

__all__ = [
    "ThresholdChoice",
    "threshold_max_f1",
    "threshold_for_precision",
    "threshold_max_profit",
    "threshold_for_capacity",
]


@dataclass(frozen=True)
class ThresholdChoice:
    """A chosen threshold and what it gives on the data it was chosen on."""

    rule: str
    threshold: float
    n_flagged: int
    precision: float
    recall: float
    f1: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _sweep(y: np.ndarray, p: np.ndarray):
    """Thresholds (as 'flag the top m leads' cut points) with cumulative TP/FP."""
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(ps)), len(ps) - 1]  # end of each block of equal p
    tp = np.cumsum(ys)[last]
    fp = (last + 1) - tp
    # flagging the rows up to block end means threshold just below that block's p
    nxt = np.r_[ps[last[:-1] + 1], -np.inf] if len(last) > 1 else np.array([-np.inf])
    thr = np.where(np.isfinite(nxt), nxt, 0.0)
    thr = np.maximum(thr, 0.0)
    return thr, tp, fp, last + 1


def _choice(rule: str, y: np.ndarray, thr: float, tp: float, fp: float, n: int) -> ThresholdChoice:
    pos = y.sum()
    prec = tp / (tp + fp) if tp + fp else float("nan")
    rec = tp / pos if pos else float("nan")
    f1 = 2 * tp / (2 * tp + fp + (pos - tp)) if (2 * tp + fp + pos - tp) else float("nan")
    return ThresholdChoice(rule, float(thr), int(n), float(prec), float(rec), float(f1))


def threshold_max_f1(y: Any, p: Any) -> ThresholdChoice:
    """Threshold maximising F1."""
    y, p = _check(y, p)
    thr, tp, fp, n = _sweep(y, p)
    f1 = 2 * tp / (2 * tp + fp + (y.sum() - tp))
    i = int(np.argmax(f1))
    return _choice("max_f1", y, thr[i], tp[i], fp[i], n[i])


def threshold_for_precision(y: Any, p: Any, target: float) -> ThresholdChoice:
    """Lowest threshold whose precision reaches ``target``."""
    if not 0 < target <= 1:
        raise ParameterError(
            f"The 'target' parameter of threshold_for_precision must be in (0, 1]. Got {target!r} instead."
        )
    y, p = _check(y, p)
    thr, tp, fp, n = _sweep(y, p)
    ok = np.flatnonzero(tp / n >= target)
    if ok.size == 0:
        raise DataError(
            f"No threshold reaches precision {target:.2f} on these leads. Lower the target."
        )
    i = int(ok[-1])
    return _choice("target_precision", y, thr[i], tp[i], fp[i], n[i])


def threshold_max_profit(y: Any, p: Any, value_hit: float, cost_false: float) -> ThresholdChoice:
    """Threshold maximising ``value_hit * TP - cost_false * FP``."""
    if value_hit <= 0 or cost_false < 0:
        raise ParameterError(
            "The 'value_hit' must be > 0 and 'cost_false' >= 0 in threshold_max_profit."
        )
    y, p = _check(y, p)
    thr, tp, fp, n = _sweep(y, p)
    profit = value_hit * tp - cost_false * fp
    i = int(np.argmax(profit))
    if profit[i] <= 0:
        return _choice("max_profit", y, 1.0, 0, 0, 0)
    return _choice("max_profit", y, thr[i], tp[i], fp[i], n[i])


def threshold_for_capacity(y: Any, p: Any, k: int) -> ThresholdChoice:
    """Threshold flagging the ``k`` most probable leads (fewer when ties straddle the cut)."""
    if not isinstance(k, int | np.integer) or k < 1:
        raise ParameterError(
            f"The 'k' parameter of threshold_for_capacity must be an int >= 1. Got {k!r} instead."
        )
    y, p = _check(y, p)
    thr, tp, fp, n = _sweep(y, p)
    ok = np.flatnonzero(n <= k)
    if ok.size == 0:
        return _choice("capacity", y, float(p.max()), 0, 0, 0)
    i = int(ok[-1])
    return _choice("capacity", y, thr[i], tp[i], fp[i], n[i])
