r"""Forecast of :math:`p`, the share of high-quality leads in a pool.

A pool is the scored leads of one city and season. Lead :math:`i` turns out
high quality with its calibrated probability :math:`p_i` (``p_convert``).

``method="poisson_binomial"`` (default): :math:`p = S / n` with
:math:`S = \sum_i B_i` Poisson-binomial, exact (:mod:`leadlever.engine.stats.poisson_binomial`).
This is the distribution of the realised share *of these very leads*, the
right one when the deal is for the pool that was scored (the scores carry all
the information; no parameter uncertainty is added).

``method="beta"``: :math:`p \sim \mathrm{Beta}(\tfrac12 + \sum_i p_i,\ \tfrac12 + \sum_i (1 - p_i))`,
the Jeffreys posterior of the pool's long-run rate with the expected counts as
fractional pseudo-observations. Use it when the scored leads are a sample and
the deal is for the season's *future* leads from the same pool: it is wider
for small pools and continuous on (0, 1).

Both have mean close to :math:`\bar p = \frac1n\sum_i p_i`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from leadlever.engine.io._schema import closest_names
from leadlever.engine.stats import poisson_binomial
from leadlever.simulations.exceptions import DealError

__all__ = [
    "PoolForecast",
    "SEASONS",
    "season_of",
    "forecast_pool_p",
    "forecast_from_probabilities",
    "METHODS",
]

METHODS = ("poisson_binomial", "beta")
SEASONS = ("winter", "spring", "summer", "autumn")
_MONTH_SEASON = np.array(
    [
        "winter",
        "winter",
        "spring",
        "spring",
        "spring",
        "summer",
        "summer",
        "summer",
        "autumn",
        "autumn",
        "autumn",
        "winter",
    ]
)


def season_of(dates: pd.Series) -> pd.Series:
    """Meteorological season of each date (Dec-Feb winter, Mar-May spring, ...)."""
    from leadlever.engine.io._dates import parse_dates

    month = parse_dates(pd.Series(dates), column="created_at").values.dt.month
    return pd.Series(
        np.where(month.isna(), "", _MONTH_SEASON[(month.fillna(1).astype(int) - 1)]),
        index=dates.index,
    )


@dataclass(frozen=True)
class PoolForecast:
    """Distribution of the pool's share ``p`` of high-quality leads."""

    method: str
    n_leads: int
    pool: tuple[tuple[str, str], ...]
    support: np.ndarray | None = None  # poisson_binomial: s / n
    pmf: np.ndarray | None = None
    alpha: float | None = None  # beta
    beta: float | None = None

    @property
    def mean(self) -> float:
        if self.method == "beta":
            return self.alpha / (self.alpha + self.beta)
        return float(self.pmf @ self.support)

    @property
    def std(self) -> float:
        if self.method == "beta":
            return float(stats.beta(self.alpha, self.beta).std())
        return float(np.sqrt(max(self.pmf @ (self.support - self.mean) ** 2, 0.0)))

    def cdf(self, x: float | np.ndarray) -> np.ndarray:
        """P(p <= x)."""
        if self.method == "beta":
            return stats.beta.cdf(x, self.alpha, self.beta)
        c = np.cumsum(self.pmf)
        idx = np.searchsorted(self.support, np.asarray(x, dtype=float), side="right") - 1
        return np.where(idx < 0, 0.0, c[np.clip(idx, 0, c.size - 1)])

    def quantile(self, q: float) -> float:
        if self.method == "beta":
            return float(stats.beta.ppf(q, self.alpha, self.beta))
        return float(
            self.support[
                min(int(np.searchsorted(np.cumsum(self.pmf), q - 1e-12)), self.support.size - 1)
            ]
        )

    def sample(self, size: int, rng: np.random.Generator | int) -> np.ndarray:
        """``size`` independent draws of ``p``."""
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        if self.method == "beta":
            return rng.beta(self.alpha, self.beta, size)
        idx = np.searchsorted(np.cumsum(self.pmf), rng.random(size) * self.pmf.sum(), side="right")
        return self.support[np.minimum(idx, self.support.size - 1)]

    def to_dict(self) -> dict[str, Any]:
        out = {
            "method": self.method,
            "n_leads": self.n_leads,
            "pool": dict(self.pool),
            "mean": self.mean,
            "std": self.std,
            "q05": self.quantile(0.05),
            "q95": self.quantile(0.95),
        }
        if self.method == "beta":
            out.update(alpha=self.alpha, beta=self.beta)
        return out


def forecast_from_probabilities(
    p_convert: np.ndarray, *, method: str = "poisson_binomial", pool: dict[str, str] | None = None
) -> PoolForecast:
    """Forecast of ``p`` from the pool's per-lead probabilities."""
    if method not in METHODS:
        raise DealError(
            f"The 'method' parameter must be one of {', '.join(METHODS)}. Got {method!r} instead."
        )
    p = np.asarray(p_convert, dtype=float).ravel()
    if p.size == 0:
        where = ", ".join(f"{k}={v}" for k, v in (pool or {}).items()) or "the table"
        raise DealError(
            f"No scored leads in the pool ({where}): widen the pool or check its city/season."
        )
    if not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1:
        raise DealError("The 'p_convert' values must be probabilities in [0, 1].")
    items = tuple(sorted((pool or {}).items()))
    if method == "beta":
        return PoolForecast(
            "beta", p.size, items, alpha=0.5 + float(p.sum()), beta=0.5 + float((1 - p).sum())
        )
    return PoolForecast(
        "poisson_binomial",
        p.size,
        items,
        support=np.arange(p.size + 1) / p.size,
        pmf=poisson_binomial.pmf(p),
    )


def forecast_pool_p(
    leads: pd.DataFrame,
    *,
    city: str | None = None,
    season: str | None = None,
    method: str = "poisson_binomial",
) -> PoolForecast:
    """Forecast ``p`` for the leads of one ``city`` and ``season`` (either may be None = all).

    ``season`` is matched against the season of ``created_at``.
    """
    if "p_convert" not in leads.columns:
        raise DealError(
            "The scored leads have no 'p_convert' column: score them first (leadlever score ...)."
        )
    mask = pd.Series(True, index=leads.index)
    pool: dict[str, str] = {}
    if city is not None:
        if "city" not in leads.columns:
            raise DealError("The leads have no 'city' column, so a city pool cannot be chosen.")
        cities = leads["city"].astype(str).str.strip()
        mask &= cities.str.casefold() == city.strip().casefold()  # 'berlin' finds 'Berlin'
        if not mask.any():
            present = sorted(set(cities))
            close = closest_names(city.strip(), present)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise DealError(
                f"No scored leads in the pool: no lead has city '{city}'{hint}. Cities in the leads: "
                f"{', '.join(present[:12])}{' ...' if len(present) > 12 else ''}."
            )
        pool["city"] = city
    if season is not None:
        if season not in SEASONS:
            raise DealError(
                f"The season must be one of {', '.join(SEASONS)}. Got {season!r} instead."
            )
        if "created_at" not in leads.columns:
            raise DealError(
                "The leads have no 'created_at' column, so a season pool cannot be chosen."
            )
        mask &= season_of(leads["created_at"]) == season
        pool["season"] = season
    return forecast_from_probabilities(
        leads.loc[mask, "p_convert"].to_numpy(dtype=float), method=method, pool=pool
    )
