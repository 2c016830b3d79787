r"""Classification metrics for conversion probabilities, and threshold choice.

With outcomes :math:`y_i \in \{0,1\}` and probabilities :math:`p_i`:

* confusion at threshold :math:`t`: predicted hit when :math:`p_i > t`; accuracy
  :math:`(TP+TN)/n`, precision :math:`TP/(TP+FP)`, recall :math:`TP/(TP+FN)`,
  :math:`F_1 = 2PR/(P+R)`, specificity :math:`TN/(TN+FP)`;
* ROC AUC: :math:`P(p_+ > p_-) + \tfrac12 P(p_+ = p_-)` (Mann-Whitney, ties halved), with
  DeLong's confidence interval: placement values
  :math:`V_{10}(i) = \frac1n\sum_j \psi(p_i, p_j)` over the :math:`m` positives and
  :math:`V_{01}(j) = \frac1m\sum_i \psi(p_i, p_j)` over the :math:`n` negatives
  (:math:`\psi = 1, \tfrac12, 0` for :math:`>, =, <`) give
  :math:`\widehat{\mathrm{Var}}(\mathrm{AUC}) = s^2_{10}/m + s^2_{01}/n` and the interval
  :math:`\mathrm{AUC} \pm z_{1-\alpha/2}\,\widehat{\mathrm{se}}`, clipped to [0, 1];
* PR AUC: average precision :math:`\sum_k (R_k - R_{k-1}) P_k`;
* log loss :math:`-\frac1n\sum y\log p + (1-y)\log(1-p)`, Brier :math:`\frac1n\sum (p-y)^2`;
* ECE with 10 equal-width bins :math:`B_b`: :math:`\sum_b \frac{|B_b|}{n}|\bar y_b - \bar p_b|`;
* calibration intercept :math:`a` and slope :math:`b` of :math:`y \sim \sigma(a + b\,\mathrm{logit}\,p)`;
* lift of the top decile :math:`\bar y_{top 10\%}/\bar y`; cumulative gains = share of
  all conversions found in the top :math:`10\%, 20\%, \dots` of leads by :math:`p`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from leadlever.engine.exceptions import DataError, ParameterError
from leadlever.engine.scoring._calibration import fit_platt

__all__ = [
    "ConfusionResult",
    "confusion",
    "roc_auc",
    "roc_curve",
    "AucInterval",
    "auc_ci",
    "pr_auc",
    "log_loss",
    "brier",
    "ece",
    "calibration_slope_intercept",
    "reliability_table",
    "gains_table",
    "lift_top",
    "evaluate",
    "EvaluationResult",
]


def _check(y: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if y.shape != p.shape or y.ndim != 1:
        raise DataError(
            f"Outcomes and probabilities must be 1-D of equal length (got {y.shape} and {p.shape})."
        )
    if len(y) == 0:
        raise DataError("No rows to evaluate. Pass at least one closed lead.")
    if not np.isin(y, (0.0, 1.0)).all():
        raise DataError("Outcomes must be 0 or 1 (closed leads only; remove open leads first).")
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise DataError(
            "Probabilities must lie in [0, 1] without gaps. Check the probability column."
        )
    return y, p


@dataclass(frozen=True)
class ConfusionResult:
    """Confusion counts at a threshold and the rates derived from them."""

    threshold: float
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / max(self.tp + self.fp + self.fn + self.tn, 1)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def specificity(self) -> float:
        return self.tn / (self.tn + self.fp) if self.tn + self.fp else float("nan")

    @property
    def f1(self) -> float:
        denom = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denom if denom else float("nan")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(
            accuracy=self.accuracy,
            precision=self.precision,
            recall=self.recall,
            f1=self.f1,
            specificity=self.specificity,
        )
        return out

    def to_frame(self) -> pd.DataFrame:
        """2x2 table like the case study's: rows actual, columns predicted."""
        return pd.DataFrame(
            [[self.tp, self.fn], [self.fp, self.tn]],
            index=["actual hit", "actual miss"],
            columns=["predicted hit", "predicted miss"],
        )


def confusion(y: Any, p: Any, threshold: float = 0.5) -> ConfusionResult:
    """Confusion counts with "predicted hit" meaning :math:`p > t`."""
    y, p = _check(y, p)
    pred = p > threshold
    pos = y == 1
    return ConfusionResult(
        threshold=float(threshold),
        tp=int((pred & pos).sum()),
        fp=int((pred & ~pos).sum()),
        fn=int((~pred & pos).sum()),
        tn=int((~pred & ~pos).sum()),
    )


def roc_auc(y: Any, p: Any) -> float:
    """Area under the ROC curve via mid-ranks (ties count one half)."""
    y, p = _check(y, p)
    n_pos = y.sum()
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(p)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@dataclass(frozen=True)
class AucInterval:
    """An AUC with its confidence interval (DeLong)."""

    auc: float
    lower: float
    upper: float
    se: float
    level: float
    method: str
    n_pos: int
    n_neg: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def auc_ci(y: Any, p: Any, level: float = 0.95) -> AucInterval:
    """ROC AUC with DeLong's confidence interval (module docstring).

    The placement values come from mid-ranks (Sun and Xu's fast algorithm):
    :math:`V_{10}(i) = (R_i - R^+_i)/n`, :math:`V_{01}(j) = 1 - (R_j - R^-_j)/m`, with
    :math:`R` the rank among all scores, :math:`R^+` among the positives and :math:`R^-`
    among the negatives.

    Raises
    ------
    DataError
        When the outcomes are not all 0/1 or hold only one class.
    """
    from scipy.stats import norm

    if not 0 < level < 1:
        raise ParameterError(
            f"The 'level' parameter of auc_ci must be in (0, 1). Got {level!r} instead."
        )
    y, p = _check(y, p)
    pos = y == 1
    m, n = int(pos.sum()), int((~pos).sum())
    if m < 2 or n < 2:
        raise DataError(
            f"An AUC interval needs at least two won and two lost leads; got {m} and {n}."
        )
    r_all = rankdata(p)
    v10 = (r_all[pos] - rankdata(p[pos])) / n
    v01 = 1.0 - (r_all[~pos] - rankdata(p[~pos])) / m
    auc = float(v10.mean())
    se = float(np.sqrt(v10.var(ddof=1) / m + v01.var(ddof=1) / n))
    z = float(norm.ppf(0.5 + level / 2))
    return AucInterval(
        auc=auc,
        lower=max(0.0, auc - z * se),
        upper=min(1.0, auc + z * se),
        se=se,
        level=float(level),
        method="delong",
        n_pos=m,
        n_neg=n,
    )


def roc_curve(y: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    """False and true positive rates at every distinct threshold (from (0,0) to (1,1))."""
    y, p = _check(y, p)
    order = np.argsort(-p, kind="stable")
    ys, ps = y[order], p[order]
    last = np.r_[np.flatnonzero(np.diff(ps)), len(ps) - 1]
    tps = np.cumsum(ys)[last]
    fps = (last + 1) - tps
    tpr = np.r_[0.0, tps / max(ys.sum(), 1)]
    fpr = np.r_[0.0, fps / max(len(ys) - ys.sum(), 1)]
    return fpr, tpr


def pr_auc(y: Any, p: Any) -> float:
    """Average precision :math:`\\sum_k (R_k - R_{k-1}) P_k` over distinct thresholds."""
    y, p = _check(y, p)
    if y.sum() == 0:
        return float("nan")
    order = np.argsort(-p, kind="stable")
    ys, ps = y[order], p[order]
    last = np.r_[np.flatnonzero(np.diff(ps)), len(ps) - 1]
    tps = np.cumsum(ys)[last]
    precision = tps / (last + 1)
    recall = tps / ys.sum()
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def log_loss(y: Any, p: Any, eps: float = 1e-15) -> float:
    """Mean negative log-likelihood (probabilities clipped to ``[eps, 1-eps]``)."""
    y, p = _check(y, p)
    p = np.clip(p, eps, 1 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def brier(y: Any, p: Any) -> float:
    """Mean squared error of the probabilities."""
    y, p = _check(y, p)
    return float(np.mean((p - y) ** 2))


def reliability_table(y: Any, p: Any, bins: int = 10) -> pd.DataFrame:
    """Per equal-width bin of :math:`p`: count, mean predicted, observed rate."""
    y, p = _check(y, p)
    idx = np.minimum((p * bins).astype(np.int64), bins - 1)
    count = np.bincount(idx, minlength=bins)
    sum_p = np.bincount(idx, weights=p, minlength=bins)
    sum_y = np.bincount(idx, weights=y, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):  # empty bins give NaN rates, by design
        return pd.DataFrame(
            {
                "bin_low": np.arange(bins) / bins,
                "bin_high": (np.arange(bins) + 1) / bins,
                "n": count,
                "mean_p": sum_p / count,
                "observed": sum_y / count,
            }
        )


def ece(y: Any, p: Any, bins: int = 10) -> float:
    """Expected calibration error with ``bins`` equal-width bins."""
    table = reliability_table(y, p, bins)
    used = table["n"] > 0
    gap = (table["observed"] - table["mean_p"]).abs()[used]
    return float((table["n"][used] * gap).sum() / table["n"].sum())


def calibration_slope_intercept(y: Any, p: Any) -> dict[str, float]:
    """Logistic recalibration :math:`y \\sim \\sigma(a + b\\,\\mathrm{logit}(p))`: ideal a=0, b=1.

    ``slope_se`` is the slope's standard error from the Fisher information
    :math:`I = \\sum_i w_i (1, \\eta_i)^\\top (1, \\eta_i)`, :math:`w_i = \\hat p_i (1 - \\hat p_i)`
    at the fit: :math:`\\sqrt{(I^{-1})_{22}}`.
    """
    y, p = _check(y, p)
    q = np.clip(p, 1e-6, 1 - 1e-6)
    eta = np.log(q / (1 - q))
    a, b = fit_platt(eta, y)
    fitted = 1.0 / (1.0 + np.exp(-(a + b * eta)))
    w = fitted * (1 - fitted)
    info = np.array([[w.sum(), (w * eta).sum()], [(w * eta).sum(), (w * eta * eta).sum()]])
    det = info[0, 0] * info[1, 1] - info[0, 1] ** 2
    se = float(np.sqrt(info[0, 0] / det)) if det > 0 else float("nan")
    return {"slope": b, "intercept": a, "slope_se": se}


def gains_table(y: Any, p: Any, groups: int = 10) -> pd.DataFrame:
    """Per decile (highest probabilities first): conversion rate, lift, cumulative gains."""
    y, p = _check(y, p)
    order = np.argsort(-p, kind="stable")
    n = len(y)
    edges = np.rint(np.linspace(0, n, groups + 1)).astype(np.int64)
    ys = y[order]
    total = max(ys.sum(), 1e-300)
    rows = []
    for g in range(groups):
        part = ys[edges[g] : edges[g + 1]]
        cum = ys[: edges[g + 1]]
        rate = part.mean() if len(part) else float("nan")
        rows.append(
            {
                "decile": g + 1,
                "n": len(part),
                "conversion_rate": rate,
                "lift": rate / y.mean() if y.mean() > 0 else float("nan"),
                "cumulative_gain": cum.sum() / total,
                "cumulative_lift": (cum.mean() / y.mean())
                if len(cum) and y.mean() > 0
                else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def lift_top(y: Any, p: Any, fraction: float = 0.1) -> float:
    """Conversion rate of the top ``fraction`` of leads by probability over the base rate."""
    y, p = _check(y, p)
    if not 0 < fraction <= 1:
        raise ParameterError(
            f"The 'fraction' parameter of lift_top must be in (0, 1]. Got {fraction!r} instead."
        )
    k = max(int(round(fraction * len(y))), 1)
    top = np.argsort(-p, kind="stable")[:k]
    return float(y[top].mean() / y.mean()) if y.mean() > 0 else float("nan")


@dataclass(frozen=True)
class EvaluationResult:
    """Every metric of one set of predictions (the CLI's ``score evaluate --json``)."""

    confusion: ConfusionResult
    auc: float
    pr_auc: float
    log_loss: float
    brier: float
    ece: float
    calibration: dict[str, float]
    lift: float
    gains: pd.DataFrame
    base_rate: float
    n: int

    def to_dict(self) -> dict[str, Any]:
        out = self.confusion.to_dict()
        out.update(
            n=self.n,
            base_rate=self.base_rate,
            auc=self.auc,
            pr_auc=self.pr_auc,
            log_loss=self.log_loss,
            brier=self.brier,
            ece=self.ece,
            calibration=self.calibration,
            lift=self.lift,
            gains=self.gains.to_dict(orient="records"),
        )
        return out

    def to_frame(self) -> pd.DataFrame:
        return self.gains.copy()


def evaluate(y: Any, p: Any, threshold: float = 0.5) -> EvaluationResult:
    """All metrics of probabilities ``p`` against outcomes ``y``."""
    y, p = _check(y, p)
    return EvaluationResult(
        confusion=confusion(y, p, threshold),
        auc=roc_auc(y, p),
        pr_auc=pr_auc(y, p),
        log_loss=log_loss(y, p),
        brier=brier(y, p),
        ece=ece(y, p),
        calibration=calibration_slope_intercept(y, p),
        lift=lift_top(y, p, 0.1),
        gains=gains_table(y, p),
        base_rate=float(y.mean()),
        n=len(y),
    )
