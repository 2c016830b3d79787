"""Settings and per-period proposal of the campaign learner (:mod:`leadlever.optimisers.learning._learner`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import ParameterError
from leadlever.optimisers.learning._bayes_curves import DEFAULT_SHAPES, CurveDraw

__all__ = ["LearnerSettings", "LearnerStep"]


@dataclass(frozen=True)
class LearnerSettings:
    """Settings of :class:`CampaignLearner`.

    Parameters
    ----------
    forgetting : float
        :math:`\\lambda` in (0, 1]: weight of an observation one period older.
    floor_share : float
        Exploration floor per channel as a share of the budget (:math:`\\phi`).
    cusum_drift, cusum_threshold : float
        :math:`\\delta` and :math:`h` of the change-point CUSUM.
    reset_weight : float
        Factor applied to a channel's older observations at a detected change.
    min_obs_detect : float
        Effective observations needed before change detection starts.
    window, window_threshold : int, float
        Window test on the latest (revised) values: the last ``window``
        periods against the curve fitted on the older ones; a change when
        :math:`|\\sum z_t| / \\sqrt{m}` exceeds ``window_threshold``.
    grid_half_saturation : int
        Number of half-saturation values on the curve grid.
    grid_low, grid_high : float
        Half-saturation range as multiples of the reference spend.
    shapes : tuple of float
        Hill shapes on the grid.
    allocator_grid : int
        Grid points of the allocator's dynamic programme.
    trust_factor : float
        Trust region: a channel's spend is capped at this multiple of the
        largest spend it has been observed at (curves are not extrapolated
        far beyond the data); ``inf`` switches it off.
    temper : float
        Thompson draws come from the posterior tempered as if every
        observation counted ``temper`` times (1 = plain Thompson sampling;
        more = less exploration, posterior spread shrunk by about
        :math:`1/\\sqrt{\\tau}`).
    explore_spread : float
        Log-normal spread of the exploration periods' split.
    """

    forgetting: float = 0.995
    floor_share: float = 0.01
    cusum_drift: float = 0.5
    cusum_threshold: float = 4.0
    reset_weight: float = 0.05
    min_obs_detect: float = 6.0
    window: int = 4
    window_threshold: float = 3.0
    grid_half_saturation: int = 24
    grid_low: float = 0.02
    grid_high: float = 4.0
    shapes: tuple[float, ...] = DEFAULT_SHAPES
    allocator_grid: int = 400
    trust_factor: float = 1.5
    temper: float = 3.0
    explore_spread: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 < self.forgetting <= 1.0:
            raise ParameterError(
                f"The 'forgetting' parameter of LearnerSettings must be in (0, 1]. Got {self.forgetting!r} instead."
            )
        if not 0.0 <= self.floor_share < 1.0:
            raise ParameterError(
                f"The 'floor_share' parameter of LearnerSettings must be in [0, 1). Got {self.floor_share!r} instead."
            )
        if not self.trust_factor > 1.0:
            raise ParameterError(
                f"The 'trust_factor' parameter of LearnerSettings must be > 1. Got {self.trust_factor!r} instead."
            )
        if self.cusum_threshold <= 0 or not 0.0 <= self.reset_weight <= 1.0:
            raise ParameterError(
                "LearnerSettings needs cusum_threshold > 0 and reset_weight in [0, 1]."
            )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["shapes"] = list(self.shapes)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LearnerSettings:
        data = dict(data)
        if "shapes" in data:
            data["shapes"] = tuple(float(s) for s in data["shapes"])
        return cls(**data)


@dataclass(frozen=True)
class LearnerStep:
    """The learner's proposal for one period."""

    period: int
    channels: tuple[str, ...]
    spend: np.ndarray
    budget: float
    explored: bool
    draws: tuple[CurveDraw, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "budget": self.budget,
            "explored": self.explored,
            "allocation": {c: float(s) for c, s in zip(self.channels, self.spend, strict=True)},
            "draws": {c: d.to_dict() for c, d in zip(self.channels, self.draws, strict=False)},
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "channel": list(self.channels),
                "spend": self.spend.round(2),
                "share": (self.spend / max(self.spend.sum(), 1e-300)).round(6),
            }
        )
