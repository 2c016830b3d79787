r"""The closed-loop campaign learner: Thompson sampling over Bayesian response curves.

Each period the campaign tool reports, per channel, the spend and the
*evaluated value* of the leads it brought (lead volume times the evaluator's
expected value of those leads). The learner

1. keeps a Bayesian Hill curve per channel (:mod:`leadlever.optimisers.learning._bayes_curves`),
   with forgetting: an observation of age :math:`d` periods counts
   :math:`\lambda^d`;
2. detects change points two ways: a two-sided CUSUM on standardised
   one-step prediction errors at arrival :math:`z_t = (y_t - \hat y_t)/\hat s_t`,
   :math:`C^\pm_t = \max(0, C^\pm_{t-1} \pm z_t - \delta)` (alarm above
   :math:`h`), and, before each proposal, a window test of the last :math:`m`
   periods' *revised* values against the curve fitted on the older ones
   (alarm when :math:`|\sum z_t|/\sqrt{m}` exceeds a threshold). On an alarm
   the channel's older observations are down-weighted by ``reset_weight``, so
   a shift that shows clearly in the feedback (a channel's quality, a new OKR
   threshold) is followed within a few periods; smaller or delayed shifts are
   followed through forgetting, more slowly (see BENCHMARKS.md);
3. accepts revisions of past periods' values (delayed outcomes: the value at
   arrival is the predicted expected value, corrected as conversions close);
4. proposes the next split: one Thompson draw of every channel's curve (from
   the posterior tempered by ``temper``), then
   the exact allocator on the drawn curves, above a per-channel exploration
   floor :math:`m_j = \phi B`.

The whole state is JSON (:meth:`CampaignLearner.to_json`); the random draw of
period :math:`t` uses the generator seeded with ``(seed, t)``, so a state
saved and reloaded proposes exactly the same next split.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from leadlever.engine.exceptions import ModelFileError, ParameterError
from leadlever.engine.io._persist import (
    check_versioned,
    dumps_json,
    loads_json,
    rebuilding,
    versioned,
)
from leadlever.optimisers.curves._family import hill_basis
from leadlever.optimisers.learning._allocate import allocate_curves
from leadlever.optimisers.learning._bayes_curves import (
    HillGrid,
    draw_curves,
    grid_log_posterior,
    make_grid,
)
from leadlever.optimisers.learning._settings import LearnerSettings, LearnerStep
from leadlever.optimisers.learning._state_schema import STATE_HINT, STATE_SCHEMA

__all__ = [
    "LearnerSettings",
    "LearnerStep",
    "CampaignLearner",
    "STATE_FORMAT",
    "STATE_VERSION",
    "project_to_box",
]

STATE_FORMAT = "leadlever.campaign_learner"
STATE_VERSION = 2  # 2: the curves followed (optional); a version 1 state is one without


@dataclass
class _ChannelLog:
    period: list[int] = field(default_factory=list)
    spend: list[float] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    value_at_arrival: list[float] = field(default_factory=list)
    cusum: list[float] = field(default_factory=lambda: [0.0, 0.0])
    reset_period: int = -1
    changes: list[int] = field(default_factory=list)


def project_to_box(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: float) -> np.ndarray:
    """The split :math:`\\mathrm{clip}(x + \\tau, lo, hi)` summing to ``total`` (bisection on
    :math:`\\tau`), or the nearest end of the box when ``total`` is outside it."""
    x, lo, hi = (np.asarray(v, float) for v in (x, lo, hi))
    if total <= lo.sum():
        return lo.copy()
    if total >= hi.sum():
        return hi.copy()
    a, b = -float(np.max(x - lo)) - 1.0, float(np.max(hi - x)) + 1.0
    for _ in range(200):
        mid = 0.5 * (a + b)
        if np.clip(x + mid, lo, hi).sum() < total:
            a = mid
        else:
            b = mid
    return np.clip(x + 0.5 * (a + b), lo, hi)


class CampaignLearner:
    """Thompson-sampling budget learner over Bayesian Hill curves (see the module docstring).

    Parameters
    ----------
    channels : sequence of str
        Channel names (fixed for the life of the state).
    reference_spend : float
        Spend scale of the curve grid (e.g. the weekly budget).
    settings : LearnerSettings, optional
    seed : int
        Seed of every Thompson draw.
    """

    def __init__(
        self,
        *,
        channels: list[str] | tuple[str, ...],
        reference_spend: float,
        settings: LearnerSettings | None = None,
        seed: int = 0,
    ) -> None:
        names = [str(c) for c in channels]
        if not names or len(set(names)) != len(names):
            raise ParameterError(
                f"The 'channels' parameter of CampaignLearner must be distinct names. Got {names!r} instead."
            )
        self.channels = tuple(names)
        self.settings = settings or LearnerSettings()
        self.seed = int(seed)
        self.reference_spend = float(reference_spend)
        self.grid: HillGrid = make_grid(
            self.reference_spend,
            n_half_saturation=self.settings.grid_half_saturation,
            low=self.settings.grid_low,
            high=self.settings.grid_high,
            shapes=self.settings.shapes,
        )
        self.period = 0
        self.last_proposal: list[float] | None = None
        #: the fitted curves followed (``_curves_ref``), None: none
        self.curves: dict[str, Any] | None = None
        self._logs = {c: _ChannelLog() for c in self.channels}

    # ------------------------------------------------------------------ data
    def _weights(self, log: _ChannelLog) -> np.ndarray:
        age = (self.period - 1) - np.asarray(log.period, float)
        w = self.settings.forgetting ** np.maximum(age, 0.0)
        return np.where(
            np.asarray(log.period) < log.reset_period, w * self.settings.reset_weight, w
        )

    def _arrays(self, channel: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        log = self._logs[channel]
        return np.asarray(log.spend, float), np.asarray(log.value, float), self._weights(log)

    def _max_spend(self, channel: str) -> float:
        """Largest spend among the channel's observations that still carry weight."""
        log = self._logs[channel]
        w = self._weights(log)
        x = np.asarray(log.spend, float)[w >= 0.05]
        return float(x.max()) if x.size else 0.0

    def effective_observations(self) -> np.ndarray:
        """:math:`\\nu_j = \\sum_t w_t` per channel."""
        return np.array([self._weights(self._logs[c]).sum() for c in self.channels])

    def _check_vector(self, name: str, values: Any) -> np.ndarray:
        arr = np.asarray(values, dtype=float).ravel()
        if arr.shape != (len(self.channels),):
            raise ParameterError(
                f"The '{name}' argument must have one value per channel ({len(self.channels)}). "
                f"Got {arr.shape[0]} values instead."
            )
        return arr

    def _detect(self, channel: str, spend: float, value: float) -> None:
        """Update the channel's CUSUM with the new observation; reset on an alarm."""
        log = self._logs[channel]
        x, y, w = self._arrays(channel)
        nu = w.sum()
        if nu < self.settings.min_obs_detect:
            return
        log_post, a_hat, s_hh, resid, nu = grid_log_posterior(self.grid, x, y, w)
        g = int(np.argmax(log_post))
        h = float(hill_basis(spend, self.grid.half_saturation[g], self.grid.shape[g]))
        mean = a_hat[g] * h
        rho = nu / (1.0 + nu)
        sd = math.sqrt(resid[g] / nu * (1.0 + rho * h * h / max(s_hh[g], 1e-300)))
        z = (value - mean) / max(sd, 1e-12)
        pos = max(0.0, log.cusum[0] + z - self.settings.cusum_drift)
        neg = max(0.0, log.cusum[1] - z - self.settings.cusum_drift)
        if max(pos, neg) > self.settings.cusum_threshold:
            # the change started around when the CUSUM last sat at zero; keep the current period
            log.reset_period = self.period
            log.changes.append(self.period)
            pos = neg = 0.0
        log.cusum = [pos, neg]

    def _window_test(self, channel: str) -> None:
        """Test the last ``window`` periods' current values against the older fit; reset on a change."""
        log = self._logs[channel]
        m = self.settings.window
        per = np.asarray(log.period)
        live = np.flatnonzero(per >= log.reset_period)
        if m < 1 or live.size <= m:
            return
        recent = live[np.argsort(per[live])][-m:]
        old = np.setdiff1d(np.arange(per.size), recent)
        x, y, w = self._arrays(channel)
        if w[old].sum() < self.settings.min_obs_detect:
            return
        log_post, a_mean, _, resid, nu = grid_log_posterior(self.grid, x[old], y[old], w[old])
        g = int(np.argmax(log_post))
        sd = math.sqrt(resid[g] / nu)
        pred = a_mean[g] * hill_basis(x[recent], self.grid.half_saturation[g], self.grid.shape[g])
        stat = float(np.sum((y[recent] - pred) / max(sd, 1e-12)) / math.sqrt(m))
        if abs(stat) > self.settings.window_threshold:
            log.reset_period = int(per[recent].min())
            log.changes.append(self.period)
            log.cusum = [0.0, 0.0]

    def update(self, spend: Any, value: Any) -> CampaignLearner:
        """Record the period just run: spend and evaluated value per channel.

        Parameters
        ----------
        spend, value : array-like, one entry per channel
            Value is the evaluator's expected value of the leads the channel
            brought (predicted at arrival). NaN value = channel not observed.
        """
        spend = self._check_vector("spend", spend)
        value = self._check_vector("value", value)
        if np.any(~np.isfinite(spend)) or np.any(spend < 0):
            raise ParameterError("Spend must be finite and >= 0 for every channel.")
        for j, c in enumerate(self.channels):
            if not np.isfinite(value[j]):
                continue
            self._detect(c, float(spend[j]), float(value[j]))
            log = self._logs[c]
            log.period.append(self.period)
            log.spend.append(float(spend[j]))
            log.value.append(float(value[j]))
            log.value_at_arrival.append(float(value[j]))
        self.period += 1
        return self

    def revise(self, period: int, value: Any) -> CampaignLearner:
        """Replace the value of an earlier ``period`` (realised outcomes closing); NaN = unchanged."""
        value = self._check_vector("value", value)
        for j, c in enumerate(self.channels):
            if not np.isfinite(value[j]):
                continue
            log = self._logs[c]
            try:
                i = log.period.index(int(period))
            except ValueError:
                raise ParameterError(
                    f"Cannot revise period {period} of channel {c!r}: that period was never recorded."
                ) from None
            log.value[i] = float(value[j])
        return self

    # -------------------------------------------------------------- decision
    def floors(self, budget: float) -> np.ndarray:
        """Exploration floor per channel, :math:`m_j = \\phi B`."""
        return np.full(len(self.channels), self.settings.floor_share * budget)

    def propose(
        self,
        budget: float,
        *,
        floors: np.ndarray | None = None,
        limits: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> LearnerStep:
        """Next period's spend: Thompson draws, then the exact allocator on them.

        Channels with fewer than two effective observations make the period
        an exploration period: an equal split above the floors, each share
        multiplied by a log-normal factor :math:`e^{N(0, s^2)}` (``explore_spread``).
        Each channel's spend is capped at ``trust_factor`` times the largest
        spend it has been observed at. ``limits`` (lower, upper spend per
        channel, e.g. at most 25 % away from last week's) bound every proposal.
        """
        if not np.isfinite(budget) or budget <= 0:
            raise ParameterError(f"The 'budget' must be a positive number. Got {budget!r} instead.")
        for c in self.channels:
            self._window_test(c)
        rng = np.random.default_rng([self.seed, self.period])
        fl = self.floors(budget) if floors is None else self._check_vector("floors", floors)
        nu = self.effective_observations()
        if np.any(nu < 2.0 - 1e-9):
            free = budget - fl.sum()
            wiggle = np.exp(rng.normal(0.0, self.settings.explore_spread, len(self.channels)))
            spend = fl + free * wiggle / wiggle.sum()
            if limits is not None:
                spend = project_to_box(spend, *limits, float(budget))
            return LearnerStep(self.period, self.channels, spend, float(budget), True, ())
        draws = []
        for c in self.channels:
            x, y, w = self._arrays(c)
            draws.append(draw_curves(self.grid, x, y, w * self.settings.temper, rng, 1)[0])
        caps = np.array(
            [
                max(self.settings.trust_factor * self._max_spend(c), fl[j])
                for j, c in enumerate(self.channels)
            ]
        )
        if limits is not None:
            lo, hi = (np.asarray(v, float) for v in limits)
            fl = np.minimum(np.maximum(fl, lo), hi)
            caps = np.maximum(np.minimum(caps, hi), fl)
        spend = allocate_curves(
            draws, budget, fl, caps=caps, grid_points=self.settings.allocator_grid
        )
        return LearnerStep(self.period, self.channels, spend, float(budget), False, tuple(draws))

    def change_points(self) -> dict[str, list[int]]:
        """Periods at which a change was detected, per channel."""
        return {c: list(self._logs[c].changes) for c in self.channels}

    # ----------------------------------------------------------------- state
    def to_dict(self) -> dict[str, Any]:
        return versioned(
            STATE_FORMAT,
            STATE_VERSION,
            {
                "channels": list(self.channels),
                "seed": self.seed,
                "period": self.period,
                "reference_spend": self.reference_spend,
                "settings": self.settings.to_dict(),
                "last_proposal": self.last_proposal,
                "curves": self.curves,
                "logs": {c: asdict(self._logs[c]) for c in self.channels},
            },
        )

    def to_json(self) -> str:
        """The state as JSON text (floats round-trip exactly)."""
        return dumps_json(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "state") -> CampaignLearner:
        if (
            isinstance(data, dict)
            and data.get("format") == STATE_FORMAT
            and data.get("version") == 1
        ):
            data = {**data, "version": STATE_VERSION}
        check_versioned(
            data,
            fmt=STATE_FORMAT,
            version=STATE_VERSION,
            what="campaign learner state",
            hint=STATE_HINT,
            source=source,
            schema=STATE_SCHEMA,
        )
        missing = [c for c in data["channels"] if c not in data["logs"]]
        if missing:
            raise ModelFileError(
                f"{source} is damaged: field 'logs' has no entry for channel {missing[0]!r}. "
                f"{STATE_HINT}"
            )
        with rebuilding(source, STATE_HINT):
            learner = cls(
                channels=data["channels"],
                reference_spend=float(data["reference_spend"]),
                settings=LearnerSettings.from_dict(data["settings"]),
                seed=int(data["seed"]),
            )
            learner.period = int(data["period"])
            last = data.get("last_proposal")
            learner.last_proposal = None if last is None else [float(v) for v in last]
            learner.curves = None if data.get("curves") is None else dict(data["curves"])
            for c in learner.channels:
                raw = data["logs"][c]
                learner._logs[c] = _ChannelLog(
                    period=[int(p) for p in raw["period"]],
                    spend=[float(v) for v in raw["spend"]],
                    value=[float(v) for v in raw["value"]],
                    value_at_arrival=[float(v) for v in raw["value_at_arrival"]],
                    cusum=[float(v) for v in raw["cusum"]],
                    reset_period=int(raw["reset_period"]),
                    changes=[int(p) for p in raw["changes"]],
                )
        return learner

    @classmethod
    def from_json(cls, text: str, *, source: str = "state") -> CampaignLearner:
        return cls.from_dict(loads_json(text, source=source), source=source)
