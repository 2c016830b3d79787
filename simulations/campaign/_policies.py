"""Budget policies compared in the closed-loop simulation.

Every policy sees only what a campaign tool would see: its own spend, the
evaluated value per channel at arrival, and revisions of past periods' values
as outcomes close. Only :class:`OraclePolicy` is given the true curves.

- ``learner``: :class:`leadlever.optimisers.learning._learner.CampaignLearner` (Bayesian curves,
  Thompson sampling, exact allocator, floors, forgetting and change detection).
- ``equal``: the budget split equally.
- ``historical``: the agency's historical split, scaled to the budget.
- ``epsilon_greedy`` and ``arm_thompson``: bandits over channels as a bandit
  library would run them (one arm at a time, no curves, no budget split): the
  budget is cut into ``chunks`` equal slices and each slice goes to one arm,
  chosen by the highest mean observed ROI (value / spend) with random
  exploration of probability epsilon, or by the highest draw from a normal
  posterior of each arm's ROI.
- ``fit_once``: a static media-mix plan: ``warmup`` periods of randomised
  spend, then the posterior-mode Hill curves of those periods and the exact
  allocator (each channel capped at 1.5 times its largest warm-up spend),
  fixed for the rest of the run.
- ``oracle``: the exact allocator on the true curves (re-solved when the world
  changes).
"""

from __future__ import annotations

import numpy as np

from leadlever.optimisers.learning._allocate import allocate_curves
from leadlever.optimisers.learning._bayes_curves import make_grid, posterior_summary
from leadlever.optimisers.learning._learner import CampaignLearner, LearnerSettings

__all__ = [
    "Policy",
    "EqualPolicy",
    "HistoricalPolicy",
    "EpsilonGreedyPolicy",
    "ArmThompsonPolicy",
    "FitOncePolicy",
    "LearnerPolicy",
    "LimitedLearnerPolicy",
    "OraclePolicy",
    "POLICY_NAMES",
]

POLICY_NAMES = (
    "learner",
    "learner_limited",
    "equal",
    "historical",
    "epsilon_greedy",
    "arm_thompson",
    "fit_once",
    "oracle",
)


class Policy:
    """Base policy: a fixed split; learning policies override the hooks."""

    name = "policy"

    def __init__(self, *, channels: list[str], budget: float, seed: int = 0) -> None:
        self.channels = list(channels)
        self.budget = float(budget)
        self.rng = np.random.default_rng([seed, 7])

    def propose(self, period: int) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def observe(self, period: int, spend: np.ndarray, value: np.ndarray) -> None:
        """Spend and evaluated value (at arrival) of the period just run."""

    def revise(self, period: int, value: np.ndarray) -> None:
        """Corrected value of an earlier period."""


class EqualPolicy(Policy):
    name = "equal"

    def propose(self, period: int) -> np.ndarray:
        return np.full(len(self.channels), self.budget / len(self.channels))


class HistoricalPolicy(Policy):
    name = "historical"

    def __init__(
        self, *, channels: list[str], budget: float, historical: np.ndarray, seed: int = 0
    ) -> None:
        super().__init__(channels=channels, budget=budget, seed=seed)
        h = np.asarray(historical, float)
        self.split = self.budget * h / h.sum()

    def propose(self, period: int) -> np.ndarray:
        return self.split.copy()


class _LogPolicy(Policy):
    """Keeps the observed (and revised) history of spend and value."""

    def __init__(self, *, channels: list[str], budget: float, seed: int = 0) -> None:
        super().__init__(channels=channels, budget=budget, seed=seed)
        self.spend: list[np.ndarray] = []
        self.value: list[np.ndarray] = []

    def observe(self, period: int, spend: np.ndarray, value: np.ndarray) -> None:
        self.spend.append(np.asarray(spend, float).copy())
        self.value.append(np.asarray(value, float).copy())

    def revise(self, period: int, value: np.ndarray) -> None:
        self.value[period] = np.asarray(value, float).copy()


class _ChunkBandit(_LogPolicy):
    chunks = 10

    def _roi_stats(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x = np.array(self.spend)
        y = np.array(self.value)
        with np.errstate(invalid="ignore", divide="ignore"):  # no spend: ROI NaN, skipped below
            roi = np.where(x > 0, y / np.where(x > 0, x, 1.0), np.nan)
        n = np.sum(np.isfinite(roi), axis=0)
        sx = x.sum(axis=0)
        mean = np.where(sx > 0, y.sum(axis=0) / np.maximum(sx, 1e-9), np.nan)
        sd = np.array([np.nanstd(roi[:, j]) if n[j] > 1 else np.nan for j in range(roi.shape[1])])
        return mean, sd, n

    def _pick(self, mean: np.ndarray, sd: np.ndarray, n: np.ndarray) -> int:  # pragma: no cover
        raise NotImplementedError

    def propose(self, period: int) -> np.ndarray:
        k = len(self.channels)
        if not self.spend:
            return np.full(k, self.budget / k)
        mean, sd, n = self._roi_stats()
        counts = np.zeros(k)
        for _ in range(self.chunks):
            counts[self._pick(mean, sd, n)] += 1
        return self.budget * counts / self.chunks


class EpsilonGreedyPolicy(_ChunkBandit):
    name = "epsilon_greedy"
    epsilon = 0.1

    def _pick(self, mean: np.ndarray, sd: np.ndarray, n: np.ndarray) -> int:
        if self.rng.random() < self.epsilon or not np.any(np.isfinite(mean)):
            return int(self.rng.integers(len(mean)))
        return int(np.nanargmax(np.where(np.isfinite(mean), mean, -np.inf)))


class ArmThompsonPolicy(_ChunkBandit):
    name = "arm_thompson"

    def _pick(self, mean: np.ndarray, sd: np.ndarray, n: np.ndarray) -> int:
        pooled = np.nanmean(sd) if np.any(np.isfinite(sd)) else np.nanmean(np.abs(mean))
        s = np.where(np.isfinite(sd), sd, pooled)
        m = np.where(np.isfinite(mean), mean, np.nanmax(mean))
        draw = m + s / np.sqrt(np.maximum(n, 1)) * self.rng.standard_normal(len(m))
        return int(np.argmax(draw))


class FitOncePolicy(_LogPolicy):
    name = "fit_once"

    def __init__(
        self, *, channels: list[str], budget: float, seed: int = 0, warmup: int = 8
    ) -> None:
        super().__init__(channels=channels, budget=budget, seed=seed)
        self.warmup = int(warmup)
        self.plan: np.ndarray | None = None

    def propose(self, period: int) -> np.ndarray:
        k = len(self.channels)
        if period < self.warmup:
            w = np.exp(self.rng.normal(0.0, 0.6, k))
            return self.budget * w / w.sum()
        if self.plan is None:
            grid = make_grid(self.budget)
            x = np.array(self.spend)
            y = np.array(self.value)
            ones = np.ones(x.shape[0])
            curves = [posterior_summary(grid, x[:, j], y[:, j], ones) for j in range(k)]
            caps = 1.5 * x.max(axis=0)  # a media-mix plan does not extrapolate far beyond its data
            self.plan = allocate_curves(curves, self.budget, np.zeros(k), caps=caps)
        return self.plan.copy()


class LearnerPolicy(Policy):
    name = "learner"

    def __init__(
        self,
        *,
        channels: list[str],
        budget: float,
        seed: int = 0,
        settings: LearnerSettings | None = None,
    ) -> None:
        super().__init__(channels=channels, budget=budget, seed=seed)
        self.learner = CampaignLearner(
            channels=channels, reference_spend=budget, settings=settings, seed=seed
        )

    def propose(self, period: int) -> np.ndarray:
        return self.learner.propose(self.budget).spend

    def observe(self, period: int, spend: np.ndarray, value: np.ndarray) -> None:
        self.learner.update(spend, value)

    def revise(self, period: int, value: np.ndarray) -> None:
        self.learner.revise(period, value)


class LimitedLearnerPolicy(LearnerPolicy):
    """The learner as ``campaign step`` runs it by default: each channel's spend moves at most
    ``max_change`` (25 %) away from last week's."""

    name = "learner_limited"

    def __init__(self, *, max_change: float = 0.25, **kwargs) -> None:
        super().__init__(**kwargs)
        self.max_change = max_change
        self.last: np.ndarray | None = None

    def propose(self, period: int) -> np.ndarray:
        limits = None
        if self.last is not None and self.last.sum() > 0:
            ref = self.last * (self.budget / self.last.sum())
            limits = (ref * (1 - self.max_change), ref * (1 + self.max_change))
        self.last = self.learner.propose(self.budget, limits=limits).spend
        return self.last


class OraclePolicy(Policy):
    """Knows the true curves of each regime: ``curves_at(period)`` returns them."""

    name = "oracle"

    def __init__(self, *, channels: list[str], budget: float, curves_at, seed: int = 0) -> None:
        super().__init__(channels=channels, budget=budget, seed=seed)
        self.curves_at = curves_at
        self._cache: dict[int, np.ndarray] = {}

    def propose(self, period: int) -> np.ndarray:
        curves = self.curves_at(period)
        key = id(curves)
        if key not in self._cache:
            self._cache[key] = allocate_curves(
                curves, self.budget, np.zeros(len(self.channels)), grid_points=800
            )
        return self._cache[key].copy()
