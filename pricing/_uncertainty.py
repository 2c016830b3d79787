r"""Uncertainty of a finite batch: how many leads turn out high quality.

Lead :math:`i` turns out high quality with its predicted probability
:math:`p_i` (``p_convert``), independently, so the number of high-quality
leads :math:`S = \sum_i B_i` is Poisson-binomial; its exact pmf comes from
:mod:`leadlever.engine.stats.poisson_binomial`. Billed by realised quality class, the batch's profit
with price multiplier :math:`m` is affine in :math:`S`,

.. math::
    \Pi(S) = m\,[S R_H + (N - S) R_L] - [S C_H + (N - S) C_L],

so :math:`P(\Pi \ge T) = \sum_s P(S = s)\,[\Pi(s) \ge T]` exactly. The
multiplier that reaches :math:`T` with confidence :math:`c` is the smallest
:math:`m` with :math:`\sum_s P(S=s)\,[m \ge m_s] \ge c`, where
:math:`m_s = (T + \mathrm{cost}(s)) / \mathrm{rev}(s)` reaches :math:`T`
when exactly :math:`s` leads are high quality (sorting the :math:`m_s`
gives it exactly, whatever the signs of the class differences).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from leadlever.engine.stats import poisson_binomial
from leadlever.pricing.exceptions import PricingError, UnreachableTargetError

__all__ = [
    "ProfitDistribution",
    "ConfidencePrice",
    "high_quality_pmf",
    "guaranteed_count",
    "profit_distribution",
    "prob_profit_at_least",
    "multiplier_for_confidence",
]


def _probabilities(p_convert: np.ndarray | list[float]) -> np.ndarray:
    arr = np.asarray(p_convert, dtype=float).ravel()
    if arr.size == 0:
        raise PricingError("The batch is empty: 'p_convert' needs at least one lead.")
    if not np.all(np.isfinite(arr)) or arr.min() < 0 or arr.max() > 1:
        raise PricingError(
            "The 'p_convert' values must be probabilities in [0, 1]. "
            f"Got values from {np.nanmin(arr):g} to {np.nanmax(arr):g} instead."
        )
    return arr


def _confidence(confidence: float) -> float:
    c = float(confidence)
    if not (math.isfinite(c) and 0.0 < c < 1.0):
        raise PricingError(
            f"The 'confidence' parameter must be in (0, 1). Got {confidence!r} instead."
        )
    return c


def high_quality_pmf(p_convert: np.ndarray | list[float]) -> np.ndarray:
    """Exact pmf of the number of high-quality leads (``out[s] = P(S = s)``)."""
    return poisson_binomial.pmf(_probabilities(p_convert))


def guaranteed_count(pmf: np.ndarray, confidence: float) -> int:
    r"""Largest :math:`s` with :math:`P(S \ge s) \ge c` (the count reached with confidence ``c``)."""
    c = _confidence(confidence)
    tail = np.cumsum(np.asarray(pmf, dtype=float)[::-1])[::-1]  # tail[s] = P(S >= s)
    ok = np.flatnonzero(tail >= c - 1e-12)
    return int(ok[-1]) if ok.size else 0


@dataclass(frozen=True)
class ProfitDistribution:
    """Exact distribution of a batch's realised profit.

    Attributes
    ----------
    counts : ndarray
        0..N high-quality leads.
    pmf : ndarray
        P(S = s).
    profit : ndarray
        Realised total profit when ``s`` leads are high quality.
    """

    counts: np.ndarray
    pmf: np.ndarray
    profit: np.ndarray

    @property
    def mean(self) -> float:
        return float(self.pmf @ self.profit)

    @property
    def std(self) -> float:
        return float(math.sqrt(max(self.pmf @ (self.profit - self.mean) ** 2, 0.0)))

    def prob_at_least(self, target: float) -> float:
        """P(realised profit >= target)."""
        return float(self.pmf[self.profit >= target - 1e-9 * max(1.0, abs(target))].sum())

    def to_dict(self) -> dict[str, Any]:
        return {"n": int(self.counts[-1]), "mean": self.mean, "std": self.std}


def profit_distribution(
    p_convert: np.ndarray | list[float],
    r_high: float,
    c_high: float,
    r_low: float,
    c_low: float,
    *,
    multiplier: float = 1.0,
) -> ProfitDistribution:
    """Exact distribution of the total profit of a batch billed by realised quality class."""
    p = _probabilities(p_convert)
    pmf = poisson_binomial.pmf(p)
    s = np.arange(p.size + 1, dtype=float)
    n = float(p.size)
    profit = multiplier * (s * r_high + (n - s) * r_low) - (s * c_high + (n - s) * c_low)
    return ProfitDistribution(counts=s.astype(np.int64), pmf=pmf, profit=profit)


def prob_profit_at_least(
    p_convert: np.ndarray | list[float],
    target_total: float,
    r_high: float,
    c_high: float,
    r_low: float,
    c_low: float,
    *,
    multiplier: float = 1.0,
) -> float:
    """Exact P(total realised profit >= ``target_total``)."""
    dist = profit_distribution(p_convert, r_high, c_high, r_low, c_low, multiplier=multiplier)
    return dist.prob_at_least(target_total)


@dataclass(frozen=True)
class ConfidencePrice:
    """The smallest price multiplier that reaches a target with a chosen confidence."""

    multiplier: float
    r_high: float
    r_low: float
    confidence: float
    probability: float
    expected_profit_total: float
    target: str
    target_value: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def multiplier_for_confidence(
    p_convert: np.ndarray | list[float],
    r_high: float,
    c_high: float,
    r_low: float,
    c_low: float,
    *,
    confidence: float,
    target_total: float | None = None,
    target_margin: float | None = None,
) -> ConfidencePrice:
    r"""Smallest :math:`m` with :math:`P(\Pi \ge T) \ge c` (or realised margin :math:`\ge \mu^*`).

    Raises
    ------
    UnreachableTargetError
        When no price reaches the target with that confidence (e.g. a count of
        high-quality leads that earns no revenue at any price is too likely).
    """
    c = _confidence(confidence)
    if (target_total is None) == (target_margin is None):
        raise PricingError("Give exactly one of target_total and target_margin.")
    p = _probabilities(p_convert)
    pmf = poisson_binomial.pmf(p)
    s = np.arange(p.size + 1, dtype=float)
    n = float(p.size)
    rev = s * r_high + (n - s) * r_low  # at m = 1
    cost = s * c_high + (n - s) * c_low
    if target_margin is not None:
        mu = float(target_margin)
        if not (math.isfinite(mu) and mu < 1):
            raise PricingError(
                f"The 'target_margin' parameter must be below 1. Got {target_margin!r} instead."
            )
        need, scale, kind, value = cost, (1 - mu) * rev, "margin", mu
    else:
        need, scale, kind, value = (
            float(target_total) + cost,
            rev,
            "profit_total",
            float(target_total),
        )
    # scale 0 divides by zero; np.where gives those counts 0 or inf explicitly
    with np.errstate(divide="ignore", invalid="ignore"):
        m_s = np.where(scale > 0, np.maximum(need / scale, 0.0), np.where(need <= 0, 0.0, np.inf))
    order = np.argsort(m_s, kind="stable")
    reached = np.cumsum(pmf[order])
    j = int(np.searchsorted(reached, c - 1e-12, side="left"))
    if j >= m_s.size or not np.isfinite(m_s[order[j]]):
        best = float(reached[np.isfinite(m_s[order])][-1]) if np.isfinite(m_s).any() else 0.0
        raise UnreachableTargetError(
            f"No price multiplier reaches the target with confidence {c:g}: at any price the "
            f"probability is at most {best:.4g} (batches with too few paying leads earn nothing). "
            "Lower the confidence or the target, or raise R_low.",
            lever="multiplier",
        )
    m = float(m_s[order[j]])
    realised = m * rev - cost
    prob = float(pmf[m_s <= m * (1 + 1e-12)].sum())
    return ConfidencePrice(
        multiplier=m,
        r_high=m * r_high,
        r_low=m * r_low,
        confidence=c,
        probability=prob,
        expected_profit_total=float(pmf @ realised),
        target=kind,
        target_value=value,
    )
