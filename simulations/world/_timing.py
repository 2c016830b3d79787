r"""The simulated world's law of the time to placement (one definition).

A lead that converts is placed after :math:`T` days, Weibull with shape :math:`k` and a
scale that falls with the lead's readiness (proportional hazards):

.. math::
    \eta_i = 0.9\,(s_i - 0.5) + 0.3 \log(1 + d_i) - 0.4\,a_i / 30, \qquad
    \lambda_i = \lambda_0\, e^{-\eta_i / k}, \qquad
    P(T_i \le t) = 1 - e^{-(t / \lambda_i)^{k}},

with :math:`s` the skills match, :math:`d` the downloads, :math:`a` the days since the last
activity, :math:`k = 1.3` and :math:`\lambda_0 = 60` days (a lead with :math:`\eta = 0`).
Sampled days are rounded up and kept within ``[2, max_days]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["TimingLaw", "TIMING_LAW"]


@dataclass(frozen=True)
class TimingLaw:
    """Weibull days to placement with proportional hazards (see the module docstring).

    Parameters
    ----------
    shape : float
        Weibull shape :math:`k`.
    base_scale : float
        Scale :math:`\\lambda_0` in days of a lead with linear predictor 0.
    """

    shape: float = 1.3
    base_scale: float = 60.0

    def linear_predictor(
        self, skills: np.ndarray, downloads: np.ndarray, days_since_last_activity: np.ndarray
    ) -> np.ndarray:
        r""":math:`\eta = 0.9 (s - 0.5) + 0.3 \log(1 + d) - 0.4 a / 30`."""
        return (
            0.9 * (np.asarray(skills, dtype=float) - 0.5)
            + 0.3 * np.log1p(np.asarray(downloads, dtype=float))
            - 0.4 * (np.asarray(days_since_last_activity, dtype=float) / 30.0)
        )

    def scale(self, eta: np.ndarray | float = 0.0) -> np.ndarray | float:
        r""":math:`\lambda = \lambda_0 e^{-\eta / k}` (the base scale for :math:`\eta = 0`)."""
        return self.base_scale * np.exp(-np.asarray(eta, dtype=float) / self.shape)

    def survival(
        self, days: np.ndarray | float, scale: np.ndarray | float | None = None
    ) -> np.ndarray:
        r""":math:`P(T > t) = e^{-(t/\lambda)^k}` (``scale`` defaults to :math:`\lambda_0`)."""
        lam = self.base_scale if scale is None else np.asarray(scale, dtype=float)
        return np.exp(-((np.asarray(days, dtype=float) / lam) ** self.shape))

    def cdf(self, days: np.ndarray | float, scale: np.ndarray | float | None = None) -> np.ndarray:
        r""":math:`P(T \le t) = 1 - e^{-(t/\lambda)^k}`."""
        return 1.0 - self.survival(days, scale)

    def sample(self, rng: np.random.Generator, scale: np.ndarray, max_days: float) -> np.ndarray:
        """Whole days to placement, one per scale, rounded up, within ``[2, max_days]``."""
        scale = np.asarray(scale, dtype=float)
        return np.clip(np.ceil(scale * rng.weibull(self.shape, scale.size)), 2, max_days)


#: the law the simulator uses
TIMING_LAW = TimingLaw()
