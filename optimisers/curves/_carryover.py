r"""Carry-over of spend into later weeks (geometric adstock) and the shared time effect.

**Geometric adstock**, normalised so that a steady spend keeps its level: with
carry-over rate :math:`\lambda \in [0, 1)`,

.. math:: A_t = \lambda A_{t-1} + (1 - \lambda)\, x_t
          = (1-\lambda) \sum_{l \ge 0} \lambda^l x_{t-l},

so a week's spend acts :math:`(1-\lambda)\lambda^l` in the week :math:`l` later
and a spend held at :math:`x` has :math:`A = x` (the *steady state*, which is
what the allocator's curves describe). Before the first observed week the
spend is taken to have been steady at the first week's level.

**Time effect**, shared by all channels and multiplicative:

.. math:: m_t = \exp\Big(\beta\,\frac{t - t_{ref}}{52} + \sum_{j=1}^{J}
          a_j \sin\frac{2\pi j\, w_t}{52.18} + b_j \cos\frac{2\pi j\, w_t}{52.18}\Big)

with the trend :math:`\beta` (log growth per year) measured from the last
observed week :math:`t_{ref}` and :math:`w_t` the week of the year (from the
dates when the history has them). :math:`m = 1` at the last week's level and
an average week of the year, the level the steady-state curves describe.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["geometric_adstock", "time_design", "time_effect", "WEEKS_PER_YEAR"]

#: mean length of a year in weeks (365.25 / 7)
WEEKS_PER_YEAR = 365.25 / 7.0


def geometric_adstock(spend: Any, rate: Any, *, initial: Any = None) -> np.ndarray:
    r"""Normalised geometric adstock along the first axis (weeks).

    Parameters
    ----------
    spend : array-like, shape (T, ...)
        Spend per week (first axis) and any further axes (channels, grid points).
    rate : float or array-like
        Carry-over rate :math:`\lambda \in [0, 1)`, broadcast against ``spend[0]``.
    initial : array-like, optional
        Adstock before the first week (default: the first week's spend, i.e. a
        steady state).

    Returns
    -------
    ndarray
        :math:`A_t`, broadcast shape of ``spend`` and ``rate``.
    """
    x = np.asarray(spend, dtype=float)
    lam = np.asarray(rate, dtype=float)
    if x.ndim == 1 and lam.ndim == 0 and initial is None:  # one series: a plain loop is fastest
        out1, a, r, keep = np.empty(x.size), float(x[0]), float(lam), 1.0 - float(lam)
        for t, v in enumerate(x.tolist()):
            a = r * a + keep * v
            out1[t] = a
        return out1
    shape = np.broadcast_shapes(x.shape[1:], lam.shape)
    out = np.empty((x.shape[0], *shape))
    prev = np.broadcast_to(x[0] if initial is None else np.asarray(initial, float), shape)
    keep = 1.0 - lam
    for t in range(x.shape[0]):
        prev = lam * prev + keep * x[t]
        out[t] = prev
    return out


def time_design(week_of_year: Any, weeks_from_end: Any, *, order: int, trend: bool) -> np.ndarray:
    """Columns of the log time effect: trend (years from the last week), then sin/cos pairs."""
    w = np.asarray(week_of_year, dtype=float)
    cols = [np.asarray(weeks_from_end, dtype=float) / 52.0] if trend else []
    for j in range(1, order + 1):
        angle = 2.0 * np.pi * j * w / WEEKS_PER_YEAR
        cols += [np.sin(angle), np.cos(angle)]
    return np.column_stack(cols) if cols else np.zeros((w.size, 0))


def time_effect(design: np.ndarray, coef: Any) -> np.ndarray:
    r"""The multiplier :math:`m_t = \exp(D\,\theta)` (1 when there are no columns)."""
    coef = np.asarray(coef, dtype=float)
    if design.shape[1] == 0:
        return np.ones(design.shape[0])
    return np.exp(design @ coef)
