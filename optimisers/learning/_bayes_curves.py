r"""Bayesian Hill response curve of one channel: a grid over the shape, conjugate in the scale.

The evaluated value :math:`y_t` a channel brings in period :math:`t` (lead
volume times the evaluator's expected value of those leads) is modelled as

.. math::

    y_t = a\, h(x_t; K, k) + \varepsilon_t, \qquad
    h(x; K, k) = \frac{x^k}{K^k + x^k}, \qquad
    \varepsilon_t \sim N(0, \sigma^2 / w_t),

with spend :math:`x_t`, saturation value :math:`a`, half-saturation spend
:math:`K` and shape :math:`k` (S-shaped when :math:`k > 1`). The pair
:math:`(K, k)` lives on a fixed grid :math:`g = 1..G` with a uniform prior; the
noise has the reference prior :math:`p(\sigma^2) \propto 1/\sigma^2` and the
scale Zellner's g-prior :math:`a \mid \sigma^2, g \sim N(0, c\,\sigma^2 / S_{hh})`
(with :math:`c = \nu`, the unit-information choice), which makes the model
invariant to the units of spend and value and does not favour grid points
merely because the data say little about them. The weights
:math:`w_t \in (0, 1]` implement forgetting (a power prior: an observation of
age :math:`d` counts :math:`\lambda^{d}`).

With :math:`h_t = h(x_t; K_g, k_g)` and the weighted sums
:math:`S_{hh} = \sum w_t h_t^2`, :math:`S_{hy} = \sum w_t h_t y_t`,
:math:`S_{yy} = \sum w_t y_t^2`, :math:`\nu = \sum w_t`, everything is closed form
(:math:`\rho = c / (1 + c)`):

.. math::

    R_g = S_{yy} - \rho\, S_{hy}^2 / S_{hh}, \qquad
    p(g \mid y) \propto R_g^{-\nu/2},

    \sigma^2 \mid g, y \sim \text{Inv-Gamma}\big(\tfrac{\nu}{2}, \tfrac{R_g}{2}\big), \qquad
    a \mid \sigma^2, g, y \sim N\big(\rho\, S_{hy}/S_{hh},\; \rho\, \sigma^2 / S_{hh}\big).

A Thompson draw picks :math:`g` from its posterior, then :math:`\sigma^2`, then
:math:`a` (truncated at 0: value is never negative).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadlever.engine.exceptions import ParameterError
from leadlever.optimisers.curves._family import hill_basis
from leadlever.optimisers.curves._posterior import (
    ScalePosterior,
    draw_from_posterior,
    scale_posterior,
)

__all__ = [
    "HillGrid",
    "CurveDraw",
    "make_grid",
    "grid_log_posterior",
    "posterior_summary",
    "draw_curves",
    "DEFAULT_SHAPES",
]

#: shapes k on the default grid (1 = concave Michaelis-Menten, > 1 S-shaped)
DEFAULT_SHAPES = (0.7, 0.85, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.3, 2.6, 3.0)


@dataclass(frozen=True)
class HillGrid:
    """The grid of (half-saturation, shape) pairs, flattened.

    Attributes
    ----------
    half_saturation, shape : ndarray of shape (G,)
    """

    half_saturation: np.ndarray
    shape: np.ndarray

    def __len__(self) -> int:
        return int(self.half_saturation.shape[0])

    def to_dict(self) -> dict[str, list[float]]:
        return {"half_saturation": self.half_saturation.tolist(), "shape": self.shape.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, list[float]]) -> HillGrid:
        return cls(np.asarray(data["half_saturation"], float), np.asarray(data["shape"], float))


def make_grid(
    reference_spend: float,
    *,
    n_half_saturation: int = 24,
    low: float = 0.02,
    high: float = 4.0,
    shapes: tuple[float, ...] = DEFAULT_SHAPES,
) -> HillGrid:
    """A log-spaced grid of half-saturation spends times a grid of shapes.

    Parameters
    ----------
    reference_spend : float
        Spend scale (e.g. the period budget); :math:`K` runs from ``low`` to
        ``high`` times it.
    """
    if not np.isfinite(reference_spend) or reference_spend <= 0:
        raise ParameterError(
            f"The 'reference_spend' parameter of make_grid must be a positive number. Got {reference_spend!r} instead."
        )
    if n_half_saturation < 2 or not shapes:
        raise ParameterError("make_grid needs at least 2 half-saturation values and 1 shape.")
    ks = np.geomspace(low * reference_spend, high * reference_spend, n_half_saturation)
    kk, ss = np.meshgrid(ks, np.asarray(shapes, float), indexing="ij")
    return HillGrid(kk.ravel(), ss.ravel())


def grid_log_posterior(
    grid: HillGrid, spend: np.ndarray, value: np.ndarray, weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Normalised log posterior over the grid and the conditional quantities
    (:func:`leadlever.optimisers.curves._posterior.scale_posterior` on the Hill basis).

    Returns
    -------
    log_post : ndarray (G,)
        :math:`\\log p(g \\mid y)`, normalised (the prior when :math:`\\nu = 0`).
    a_mean, s_hh, resid : ndarray (G,)
        Posterior mean :math:`\\rho S_{hy}/S_{hh}`, :math:`S_{hh}`, :math:`R_g`.
    nu : float
        Effective number of observations :math:`\\nu`.
    """
    post = _posterior(grid, spend, value, weight)
    return post.log_post, post.a_mean, post.s_hh, post.resid, post.nu


def _posterior(grid: HillGrid, spend, value, weight) -> ScalePosterior:
    spend = np.asarray(spend, float)
    h = hill_basis(spend[None, :], grid.half_saturation[:, None], grid.shape[:, None])  # (G, n)
    return scale_posterior(h, value, weight)


@dataclass(frozen=True)
class CurveDraw:
    """One drawn (or summarised) Hill curve: value(x) = scale * h(x; half_saturation, shape)."""

    scale: float
    half_saturation: float
    shape: float

    def value(self, spend: np.ndarray | float) -> np.ndarray:
        return self.scale * hill_basis(spend, self.half_saturation, self.shape)

    def to_dict(self) -> dict[str, float]:
        return {"scale": self.scale, "half_saturation": self.half_saturation, "shape": self.shape}


def draw_curves(
    grid: HillGrid,
    spend: np.ndarray,
    value: np.ndarray,
    weight: np.ndarray,
    rng: np.random.Generator,
    n: int = 1,
) -> list[CurveDraw]:
    """Thompson draws from the posterior (see the module docstring).

    Needs :math:`\\nu > 0`; the caller explores otherwise.
    """
    post = _posterior(grid, spend, value, weight)
    if post.nu <= 0.0:
        raise ParameterError("draw_curves needs at least one (weighted) observation.")
    idx, scales = draw_from_posterior(post, rng, n)
    return [
        CurveDraw(float(a), float(grid.half_saturation[g]), float(grid.shape[g]))
        for g, a in zip(idx, scales, strict=True)
    ]


def posterior_summary(
    grid: HillGrid, spend: np.ndarray, value: np.ndarray, weight: np.ndarray
) -> CurveDraw:
    """The posterior-mode grid point with its posterior mean scale (a plug-in curve)."""
    log_post, a_mean, *_ = grid_log_posterior(grid, spend, value, weight)
    g = int(np.argmax(log_post))
    return CurveDraw(
        max(float(a_mean[g]), 0.0), float(grid.half_saturation[g]), float(grid.shape[g])
    )
