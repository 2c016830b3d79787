r"""Choosing among deals under a forecast of :math:`p`.

With the forecast distribution of :math:`p`, deal :math:`j` is best with
probability :math:`P_j = P(\pi_j(p) = \max_k \pi_k(p))`, and choosing it
costs the expected regret

.. math:: \rho_j = E[\max_k \pi_k(p)] - E[\pi_j(p)] = E[\max_k \pi_k(p)] - (a_j + b_j E[p]).

**Exact.** For the Poisson-binomial forecast the sums run over its support
:math:`s/n`. For the Beta forecast they are integrals over the segments
:math:`[l, u]` of the upper envelope (deal :math:`e` best there):
:math:`P_j = \sum_{e = j} F(u) - F(l)` and
:math:`E[\max] = \sum_{\text{segments}} a_e(F(u) - F(l)) + b_e\,E[p]\,(F^+(u) - F^+(l))`,
with :math:`F` the Beta(:math:`\alpha, \beta`) cdf and :math:`F^+` that of
Beta(:math:`\alpha + 1, \beta`) (since :math:`x f_{\alpha,\beta}(x) = E[p]\,f_{\alpha+1,\beta}(x)`).

**Monte Carlo** (seeded) draws :math:`p` from the forecast, evaluates every
deal and counts: it agrees with the exact values within its standard error
:math:`\sqrt{P_j(1-P_j)/n}` (probabilities) and :math:`sd/\sqrt{n}` (regret).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from leadlever.simulations.deals._forecast import PoolForecast
from leadlever.simulations.deals._lines import (
    Crossing,
    Deal,
    EnvelopeSegment,
    crossing,
    deal_from_terms,
    upper_envelope,
)
from leadlever.simulations.exceptions import DealError

__all__ = [
    "DecisionOdds",
    "DealComparison",
    "exact_odds",
    "monte_carlo_odds",
    "compare_deals",
    "p_star_sensitivity",
    "envelope_sensitivity",
]


@dataclass(frozen=True)
class DecisionOdds:
    """P(each deal is best) and the expected regret of choosing each (with MC standard errors)."""

    prob_best: dict[str, float]
    expected_regret: dict[str, float]
    method: str
    n_draws: int | None = None
    prob_best_se: dict[str, float] | None = None
    expected_regret_se: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _lines(deals: Sequence[Deal]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    return (
        np.array([d.intercept for d in deals]),
        np.array([d.slope for d in deals]),
        [d.name for d in deals],
    )


def exact_odds(deals: Sequence[Deal], forecast: PoolForecast) -> DecisionOdds:
    """Exact P(best) and expected regret under the forecast."""
    a, b, names = _lines(deals)
    if forecast.method == "poisson_binomial":
        values = a[None, :] + b[None, :] * forecast.support[:, None]
        best = np.argmax(values, axis=1)
        prob = np.bincount(best, weights=forecast.pmf, minlength=len(deals))
        e_max = float(forecast.pmf @ values.max(axis=1))
    else:
        env = upper_envelope(deals)
        idx = {n: i for i, n in enumerate(names)}
        prob = np.zeros(len(deals))
        e_max = 0.0
        mean = forecast.mean
        for seg in env:
            j = idx[seg.deal]
            mass = stats.beta.cdf(seg.p_to, forecast.alpha, forecast.beta) - stats.beta.cdf(
                seg.p_from, forecast.alpha, forecast.beta
            )
            first = stats.beta.cdf(seg.p_to, forecast.alpha + 1, forecast.beta) - stats.beta.cdf(
                seg.p_from, forecast.alpha + 1, forecast.beta
            )
            prob[j] += mass
            e_max += a[j] * mass + b[j] * mean * first
    regret = e_max - (a + b * forecast.mean)
    return DecisionOdds(
        prob_best={n: float(v) for n, v in zip(names, prob, strict=True)},
        expected_regret={n: float(max(v, 0.0)) for n, v in zip(names, regret, strict=True)},
        method="exact",
    )


def monte_carlo_odds(
    deals: Sequence[Deal],
    forecast: PoolForecast,
    *,
    n_draws: int = 100_000,
    seed: int | np.random.Generator = 0,
) -> DecisionOdds:
    """Seeded Monte Carlo estimate of P(best) and expected regret, with standard errors."""
    if n_draws < 2:
        raise DealError(f"The 'n_draws' parameter must be >= 2. Got {n_draws!r} instead.")
    a, b, names = _lines(deals)
    p = forecast.sample(n_draws, seed)
    values = a[None, :] + b[None, :] * p[:, None]
    top = values.max(axis=1)
    best = np.argmax(values, axis=1)
    prob = np.bincount(best, minlength=len(deals)) / n_draws
    regret = top[:, None] - values
    mean_r = regret.mean(axis=0)
    se_r = regret.std(axis=0, ddof=1) / np.sqrt(n_draws)
    return DecisionOdds(
        prob_best=dict(zip(names, prob.tolist(), strict=True)),
        expected_regret=dict(zip(names, mean_r.tolist(), strict=True)),
        method="monte_carlo",
        n_draws=int(n_draws),
        prob_best_se=dict(zip(names, np.sqrt(prob * (1 - prob) / n_draws).tolist(), strict=True)),
        expected_regret_se=dict(zip(names, se_r.tolist(), strict=True)),
    )


@dataclass(frozen=True)
class DealComparison:
    """Break-even points, envelope and (with a forecast) the odds of each deal."""

    deals: tuple[Deal, ...]
    crossings: tuple[Crossing, ...]
    envelope: tuple[EnvelopeSegment, ...]
    forecast: PoolForecast | None = None
    exact: DecisionOdds | None = None
    monte_carlo: DecisionOdds | None = None
    assumptions: tuple[Any, ...] = ()
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    n_closed_excluded: int = 0

    @property
    def best_expected(self) -> str | None:
        """The deal with the least expected regret (the best bet under the forecast)."""
        if self.exact is None:
            return None
        return min(self.exact.expected_regret, key=self.exact.expected_regret.get)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "deals": [d.to_dict() for d in self.deals],
            "p_star": [c.to_dict() for c in self.crossings],
            "envelope": [s.to_dict() for s in self.envelope],
        }
        if self.forecast is not None and self.exact is not None:
            out["p_forecast"] = self.forecast.to_dict()
            out["prob_best"] = self.exact.prob_best
            out["expected_regret"] = self.exact.expected_regret
            out["best_deal"] = self.best_expected
            out["n_closed_excluded"] = self.n_closed_excluded
            if self.monte_carlo is not None:
                out["monte_carlo"] = self.monte_carlo.to_dict()
        out["assumptions"] = [a.to_dict() for a in self.assumptions]
        out["warnings"] = list(self.warnings)
        out["notes"] = list(self.notes)
        return out


def compare_deals(
    deals: Sequence[Deal],
    forecast: PoolForecast | None = None,
    *,
    n_draws: int = 100_000,
    seed: int | np.random.Generator = 0,
) -> DealComparison:
    """Compare deals: every pair's p*, the upper envelope on [0, 1], and with a forecast the odds.

    Raises
    ------
    DealError
        Fewer than two deals, repeated names or identical lines; for exactly two
        deals also parallel lines (there is no p* to report).
    """
    deals = tuple(deals)
    if len(deals) < 2:
        raise DealError(f"A comparison needs at least two deals. Got {len(deals)} instead.")
    envelope = upper_envelope(deals)
    pairs = tuple(crossing(a, b) for i, a in enumerate(deals) for b in deals[i + 1 :])
    if len(deals) == 2 and pairs[0].status == "parallel":
        gap = abs(deals[0].intercept - deals[1].intercept)
        raise DealError(pairs[0].describe()[:-1] + f", by {gap:,.2f}; there is no break-even p*.")
    if forecast is None:
        return DealComparison(deals, pairs, envelope)
    exact = exact_odds(deals, forecast)
    mc = monte_carlo_odds(deals, forecast, n_draws=n_draws, seed=seed) if n_draws else None
    return DealComparison(deals, pairs, envelope, forecast, exact, mc)


def p_star_sensitivity(
    a: Deal, b: Deal, changes: Sequence[float] = (-0.2, -0.1, 0.1, 0.2)
) -> pd.DataFrame:
    """Tornado table: p* of deals ``a`` and ``b`` when each term of either moves by ``changes``.

    Columns ``deal``, ``term``, ``change``, ``p_star``, ``delta`` (vs the base
    p*; NaN when the move makes the lines parallel), ordered by the largest
    absolute move per term.
    """
    base = crossing(a, b)
    if base.status != "cross":
        raise DealError(base.describe())
    rows = []
    for deal, other, first in ((a, b, True), (b, a, False)):
        for term, value in deal.terms:
            for ch in changes:
                terms = dict(deal.terms)
                terms[term] = value * (1 + ch)
                try:
                    moved = deal_from_terms(deal.name, deal.kind, terms)
                except DealError:
                    rows.append((deal.name, term, ch, np.nan))
                    continue
                c = crossing(moved, other) if first else crossing(other, moved)
                rows.append((deal.name, term, ch, c.p if c.status == "cross" else np.nan))
    frame = pd.DataFrame(rows, columns=["deal", "term", "change", "p_star"])
    frame["delta"] = frame["p_star"] - base.p
    key = frame.assign(a=frame["delta"].abs()).groupby(["deal", "term"], sort=False)["a"].max()
    order = {k: i for i, k in enumerate(key.sort_values(ascending=False, kind="stable").index)}
    frame["_o"] = [order[(d, t)] for d, t in zip(frame["deal"], frame["term"], strict=True)]
    return frame.sort_values(["_o", "change"]).drop(columns="_o").reset_index(drop=True)


def envelope_sensitivity(
    comparison: DealComparison, changes: Sequence[float] = (-0.2, -0.1, 0.1, 0.2)
) -> pd.DataFrame:
    """:func:`p_star_sensitivity` for every switch point of the envelope (column ``pair``)."""
    by_name = {d.name: d for d in comparison.deals}
    env = comparison.envelope
    frames = [
        p_star_sensitivity(by_name[a.deal], by_name[b.deal], changes).assign(
            pair=f"{a.deal}|{b.deal}"
        )
        for a, b in zip(env[:-1], env[1:], strict=True)
    ]
    if not frames:
        return pd.DataFrame(columns=["deal", "term", "change", "p_star", "delta", "pair"])
    return pd.concat(frames, ignore_index=True)
