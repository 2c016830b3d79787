r"""Channel worlds with known truth: response curves, carry-over, a shared season, spend patterns.

A :class:`ChannelWorld` is the ground truth that the weekly channel history is
drawn from (:mod:`leadlever.simulations.world._history`) and that benchmarks and
tests judge a budget decision by. Channel :math:`c` in week :math:`t`:

.. math::

    A_{ct} = \lambda_c A_{c,t-1} + (1 - \lambda_c)\,x_{ct}, \qquad
    E[\text{leads}_{ct}] = m_t\, n_c(A_{ct}), \qquad
    n_c(x) = s_c \frac{x^{k_c}}{K_c^{k_c} + x^{k_c}},

leads are Poisson, conversions binomial with the channel's conversion
probability, value = conversions x commission x a log-normal factor. The time
effect :math:`m_t` (:mod:`leadlever.optimisers.curves._carryover`: trend from
the last week, yearly season) is shared by all channels. The **true
steady-state value curve** of a channel, the one an allocator should optimise,
is :math:`v_c(x) = \text{value\_per\_lead}_c\, n_c(x)` (:meth:`ChannelWorld.value`):
the value of a spend held at :math:`x`, at the last week's level in an
average week of the year.

Spend wanders around the current split: :math:`x_{ct} = \bar x_c (1 + w_c
\tanh z_{ct})` with :math:`z` a stationary AR(1) of persistence :math:`\rho`,
optionally times occasional pushes (x1.5-3) and pauses (0).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from leadlever.optimisers.curves._family import Hill, hill_basis

__all__ = [
    "ChannelTruth",
    "Seasonality",
    "SpendPattern",
    "ChannelWorld",
    "random_channel_world",
    "WORLD_FORMAT",
]

WORLD_FORMAT = "leadlever.channel_world"
#: attempts at a poor current split before the last one is kept
_MAX_DRAWS = 50


@dataclass(frozen=True)
class ChannelTruth:
    """Ground truth of one channel.

    Parameters
    ----------
    name : str
    scale, half_saturation, shape : float
        Hill curve of expected leads per week at steady spend (:math:`s, K, k`).
    value_per_lead : float
        Expected value of one lead (conversion probability x commission).
    p_convert : float
        Conversion probability of a lead (for the binomial noise).
    carryover : float
        Adstock rate :math:`\\lambda` (share of a week's effect carried into the next).
    current_spend : float
        Weekly spend of the current plan (the centre of the spend pattern).
    wander : float
        Relative amplitude of the spend pattern around ``current_spend``.
    """

    name: str
    scale: float
    half_saturation: float
    shape: float
    value_per_lead: float
    p_convert: float
    carryover: float
    current_spend: float
    wander: float = 0.2

    def expected_leads(self, spend: Any) -> np.ndarray:
        """Expected leads per week at steady ``spend`` (average season)."""
        return self.scale * hill_basis(spend, self.half_saturation, self.shape)

    @property
    def value_curve(self) -> Hill:
        """The true steady-state value curve :math:`v(x)` as a LeadLever :class:`Hill`."""
        return Hill(self.scale * self.value_per_lead, self.half_saturation, self.shape)


@dataclass(frozen=True)
class Seasonality:
    """Shared multiplicative time effect: log amplitude of the yearly cycle, its peak, a trend.

    Parameters
    ----------
    amplitude : float
        :math:`a` in :math:`\\log m = a \\cos(2\\pi (w - w_{peak})/52.18) + \\beta (t - t_{end})/52`.
    peak_week : float
        Week of the year (0-52) with the highest demand.
    trend : float
        Log growth per year :math:`\\beta`.
    """

    amplitude: float = 0.0
    peak_week: float = 2.0
    trend: float = 0.0

    def multiplier(self, week_of_year: Any, weeks_from_end: Any) -> np.ndarray:
        from leadlever.optimisers.curves._carryover import WEEKS_PER_YEAR

        w = np.asarray(week_of_year, dtype=float)
        season = self.amplitude * np.cos(2 * np.pi * (w - self.peak_week) / WEEKS_PER_YEAR)
        return np.exp(season + self.trend * np.asarray(weeks_from_end, dtype=float) / 52.0)


@dataclass(frozen=True)
class SpendPattern:
    """How weekly spend moves around the current split.

    Parameters
    ----------
    persistence : float
        AR(1) coefficient :math:`\\rho` of the wandering (0 = independent weeks).
    push_rate, pause_rate : float
        Share of channel-weeks with a push (spend x1.5-3) or a pause (spend 0).
    lognormal : bool
        Multiply by :math:`e^{w z}` instead of :math:`1 + w \\tanh z` (wider, skewed).
    """

    persistence: float = 0.7
    push_rate: float = 0.0
    pause_rate: float = 0.0
    lognormal: bool = False

    def draw(self, wander: np.ndarray, weeks: int, rng: np.random.Generator) -> np.ndarray:
        """Relative spend factors, shape (weeks, channels)."""
        k = wander.size
        rho = self.persistence
        z = np.empty((weeks, k))
        z[0] = rng.standard_normal(k)
        shocks = rng.standard_normal((weeks, k)) * np.sqrt(1.0 - rho**2)
        for t in range(1, weeks):
            z[t] = rho * z[t - 1] + shocks[t]
        factor = np.exp(wander * z) if self.lognormal else 1.0 + wander * np.tanh(z)
        if self.push_rate > 0:
            push = rng.random((weeks, k)) < self.push_rate
            factor = np.where(push, factor * rng.uniform(1.5, 3.0, (weeks, k)), factor)
        if self.pause_rate > 0:
            factor = np.where(rng.random((weeks, k)) < self.pause_rate, 0.0, factor)
        return factor


@dataclass(frozen=True)
class ChannelWorld:
    """Channels, their shared season and spend pattern: the truth a history is drawn from."""

    channels: tuple[ChannelTruth, ...]
    seasonality: Seasonality = field(default_factory=Seasonality)
    pattern: SpendPattern = field(default_factory=SpendPattern)
    end_date: str = "2026-11-16"
    value_noise: float = 0.1

    @property
    def channel_names(self) -> list[str]:
        return [c.name for c in self.channels]

    @property
    def current_spend(self) -> np.ndarray:
        return np.array([c.current_spend for c in self.channels])

    def value_curves(self) -> dict[str, Hill]:
        """True steady-state value curve per channel."""
        return {c.name: c.value_curve for c in self.channels}

    def value(self, spend: Any) -> float:
        """True steady-state weekly value of a split (sum over channels)."""
        x = np.asarray(spend, dtype=float)
        return float(
            sum(float(c.value_curve.value(v)) for c, v in zip(self.channels, x, strict=True))
        )

    def oracle(self, budget: float, *, max_spend: Any = None) -> np.ndarray:
        """The best split of ``budget`` under the true curves (optionally within ``max_spend``)."""
        from leadlever.optimisers.allocation._allocator import allocate

        alloc = allocate(
            [c.value_curve for c in self.channels],
            float(budget),
            names=self.channel_names,
            max_spend=max_spend,
            current_spend=self.current_spend if max_spend is None else None,
        )
        return np.asarray(alloc.spend)

    def without_carryover(self) -> ChannelWorld:
        return replace(self, channels=tuple(replace(c, carryover=0.0) for c in self.channels))

    def to_dict(self) -> dict[str, Any]:
        """The truth as JSON-ready data (``leadlever simulate channels --truth``)."""
        return {
            "format": WORLD_FORMAT,
            "version": 1,
            "end_date": self.end_date,
            "value_noise": self.value_noise,
            "seasonality": asdict(self.seasonality),
            "pattern": asdict(self.pattern),
            "channels": [
                {**asdict(c), "value_scale": c.scale * c.value_per_lead} for c in self.channels
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChannelWorld:
        names = ChannelTruth.__dataclass_fields__
        return cls(
            channels=tuple(
                ChannelTruth(**{k: v for k, v in c.items() if k in names}) for c in data["channels"]
            ),
            seasonality=Seasonality(**data["seasonality"]),
            pattern=SpendPattern(**data["pattern"]),
            end_date=str(data["end_date"]),
            value_noise=float(data["value_noise"]),
        )


def random_channel_world(
    n_channels: int = 6,
    *,
    seed: int | np.random.Generator = 0,
    budget: float = 60_000.0,
    wander: tuple[float, float] = (0.10, 0.35),
    carryover: tuple[float, float] = (0.0, 0.6),
    shape: tuple[float, float] = (0.8, 2.5),
    conversions: tuple[float, float] = (8.0, 40.0),
    seasonality: tuple[float, float] = (0.05, 0.25),
    persistence: float = 0.7,
    min_gain: float = 0.10,
) -> ChannelWorld:
    """A random world like the issue's benchmark: curves, carry-over, season, a poor current split.

    The current split is poor: random (Dirichlet shares of ``budget``), drawn
    again until the best split under the true curves gains at least
    ``min_gain`` over it; each channel's half-saturation spend lies between 0.5x and
    3x its current spend, its return on spend at the current split between 1.5
    and 4, and it brings ``conversions`` (a range) conversions a week there,
    which sets the noise. Spend wanders ``wander`` (a range of relative
    amplitudes) around the current split with AR(1) persistence ``persistence``.
    """
    from leadlever.simulations.exceptions import SimulationError

    if (
        isinstance(n_channels, bool)
        or not isinstance(n_channels, int | np.integer)
        or n_channels < 1
    ):
        raise SimulationError(
            f"The 'n_channels' parameter must be an int >= 1. Got {n_channels!r} instead."
        )
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    world = None
    for _ in range(_MAX_DRAWS):
        world = _draw_channels(n_channels, rng, budget, wander, carryover, shape, conversions)
        if n_channels == 1 or _gain(world, budget) >= min_gain:
            break
    season = Seasonality(
        amplitude=float(rng.uniform(*seasonality)),
        peak_week=float(rng.uniform(0, 52)),
        trend=float(rng.uniform(-0.1, 0.15)),
    )
    return ChannelWorld(
        channels=world.channels, seasonality=season, pattern=SpendPattern(persistence=persistence)
    )


def _gain(world: ChannelWorld, budget: float) -> float:
    """Relative gain of the best split over the current one (true curves, no caps)."""
    cur = world.value(world.current_spend)
    return world.value(world.oracle(float(world.current_spend.sum()))) / cur - 1.0


def _draw_channels(n_channels, rng, budget, wander, carryover, shape, conversions) -> ChannelWorld:
    shares = rng.dirichlet(np.full(n_channels, 1.5))
    current = np.maximum(shares * budget, 0.02 * budget / n_channels).round(0)
    chans = []
    for j in range(n_channels):
        k = float(rng.uniform(*shape))
        K = float(current[j] * rng.uniform(0.5, 3.0))
        roi = float(rng.uniform(1.5, 4.0))
        value_now = roi * current[j]
        conv = float(rng.uniform(*conversions))
        p = float(rng.uniform(0.05, 0.3))
        commission = value_now / conv
        value_per_lead = p * commission
        leads_now = value_now / value_per_lead
        scale = leads_now / float(hill_basis(current[j], K, k))
        chans.append(
            ChannelTruth(
                name=f"channel_{j + 1:02d}",
                scale=scale,
                half_saturation=K,
                shape=k,
                value_per_lead=value_per_lead,
                p_convert=p,
                carryover=float(rng.uniform(*carryover)),
                current_spend=float(current[j]),
                wander=float(rng.uniform(*wander)),
            )
        )
    return ChannelWorld(channels=tuple(chans))
