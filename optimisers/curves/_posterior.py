r"""The conjugate posterior of a curve's scale on a grid of its other parameters.

Every curve kind is :math:`v(x) = a\, b(x; \phi)` with a scale :math:`a` and a
basis :math:`b` of the other parameters :math:`\phi` (for Hill
:math:`\phi = (K, k)`, and the carry-over rate when the basis is evaluated at
adstocked spend). Given the basis values :math:`b_{gt}` of grid points
:math:`g = 1..G` at the observations :math:`t`, the model

.. math:: y_t = a\, b_{gt} + \varepsilon_t, \quad \varepsilon_t \sim N(0, \sigma^2 / w_t),

with a uniform prior over the grid, :math:`p(\sigma^2) \propto 1/\sigma^2` and
Zellner's g-prior :math:`a \mid \sigma^2, g \sim N(0, c\,\sigma^2 / S_{hh})`
(:math:`c = \nu`, unit information) is closed form. With
:math:`S_{hh} = \sum w b^2`, :math:`S_{hy} = \sum w b y`, :math:`S_{yy} = \sum w y^2`,
:math:`\nu = \sum w` and :math:`\rho = c/(1+c)`:

.. math::

    R_g = S_{yy} - \rho\, S_{hy}^2 / S_{hh}, \qquad p(g \mid y) \propto R_g^{-\nu/2},

    \sigma^2 \mid g, y \sim \text{Inv-Gamma}(\nu/2, R_g/2), \qquad
    a \mid \sigma^2, g, y \sim N(\rho S_{hy}/S_{hh},\ \rho \sigma^2 / S_{hh}).

The learner (:mod:`leadlever.optimisers.learning._bayes_curves`) and the weekly
curve fit (:mod:`leadlever.optimisers.curves._weekly`) share this code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ScalePosterior", "scale_posterior", "draw_from_posterior"]

_TINY = 1e-300


@dataclass(frozen=True)
class ScalePosterior:
    """Posterior over grid points and the conditional scale.

    Attributes
    ----------
    log_post : ndarray (G,)
        Normalised :math:`\\log p(g \\mid y)` (the uniform prior when :math:`\\nu = 0`).
    a_mean, s_hh, resid : ndarray (G,)
        :math:`\\rho S_{hy}/S_{hh}`, :math:`S_{hh}`, :math:`R_g`.
    nu : float
    """

    log_post: np.ndarray
    a_mean: np.ndarray
    s_hh: np.ndarray
    resid: np.ndarray
    nu: float


def scale_posterior(
    basis: np.ndarray, value: np.ndarray, weight: np.ndarray, log_prior: np.ndarray | None = None
) -> ScalePosterior:
    """The posterior for basis values ``basis`` of shape (G, n) (see the module docstring);
    ``log_prior`` over the grid points (default uniform)."""
    value = np.asarray(value, float)
    weight = np.asarray(weight, float)
    s_hh = (basis * basis) @ weight
    s_hy = basis @ (weight * value)
    s_yy = float(weight @ (value * value))
    nu = float(weight.sum())
    g = basis.shape[0]
    if nu <= 0.0:
        return ScalePosterior(np.full(g, -np.log(g)), np.zeros(g), s_hh, np.ones(g), nu)
    rho = nu / (1.0 + nu)
    a_mean = rho * s_hy / np.maximum(s_hh, _TINY)
    resid = np.maximum(s_yy - a_mean * s_hy, 1e-12 * max(s_yy, _TINY))
    log_ev = np.where(s_hh > _TINY, -0.5 * nu * np.log(resid), -np.inf)
    if log_prior is not None:
        log_ev = log_ev + log_prior
    if not np.any(np.isfinite(log_ev)):
        return ScalePosterior(np.full(g, -np.log(g)), a_mean, s_hh, resid, nu)
    log_ev = log_ev - log_ev.max()
    return ScalePosterior(log_ev - np.log(np.exp(log_ev).sum()), a_mean, s_hh, resid, nu)


def draw_from_posterior(
    post: ScalePosterior, rng: np.random.Generator, n: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` draws: grid indices from :math:`p(g \\mid y)`, then :math:`\\sigma^2`, then the
    scale (truncated at 0: value is never negative). Returns (indices, scales)."""
    rho = post.nu / (1.0 + post.nu)
    p = np.exp(post.log_post)
    idx = rng.choice(p.size, size=n, p=p / p.sum())
    scales = np.empty(n)
    for i, g in enumerate(idx):
        sigma2 = 0.5 * post.resid[g] / rng.gamma(0.5 * post.nu)
        sd = np.sqrt(rho * sigma2 / max(post.s_hh[g], _TINY))
        scales[i] = max(post.a_mean[g] + sd * rng.standard_normal(), 0.0)
    return idx, scales
