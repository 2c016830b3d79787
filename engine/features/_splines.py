r"""Restricted cubic splines (Harrell): natural cubic splines linear beyond the outer knots.

With knots :math:`k_1 < \dots < k_K`, the non-linear basis terms are

.. math::
    s_j(x) = \frac{(x-k_j)_+^3 - (x-k_{K-1})_+^3\frac{k_K-k_j}{k_K-k_{K-1}}
             + (x-k_K)_+^3\frac{k_{K-1}-k_j}{k_K-k_{K-1}}}{(k_K-k_1)^2},
    \quad j = 1..K-2 .
"""

from __future__ import annotations

import numpy as np

__all__ = ["rcs_basis", "rcs_combination", "rcs_weights"]


def rcs_basis(x: np.ndarray, knots: list[float] | np.ndarray) -> np.ndarray:
    """Restricted cubic spline basis (non-linear part, ``K-2`` columns) at ``knots``."""
    k = np.asarray(knots, dtype=float)
    K = len(k)
    scale = (k[-1] - k[0]) ** 2 or 1.0
    last, prev = k[-1], k[-2]
    denom = (last - prev) or 1.0
    cols = []
    for j in range(K - 2):
        term = (
            np.maximum(x - k[j], 0) ** 3
            - np.maximum(x - prev, 0) ** 3 * (last - k[j]) / denom
            + np.maximum(x - last, 0) ** 3 * (prev - k[j]) / denom
        )
        cols.append(term / scale)
    return np.column_stack(cols) if cols else np.empty((len(x), 0))


def rcs_weights(knots: list[float] | np.ndarray, a: np.ndarray) -> np.ndarray:
    r"""Weights :math:`c_k` of :math:`\sum_j a_j s_j(x) = \sum_k c_k (x - k_k)_+^3` (one per knot)."""
    k = np.asarray(knots, dtype=float)
    K = len(k)
    scale = (k[-1] - k[0]) ** 2 or 1.0
    denom = (k[-1] - k[-2]) or 1.0
    a = np.asarray(a, dtype=float) / scale
    c = np.zeros(K)
    c[: K - 2] = a
    c[K - 2] -= np.sum(a * (k[-1] - k[: K - 2])) / denom
    c[K - 1] += np.sum(a * (k[-2] - k[: K - 2])) / denom
    return c


def rcs_combination(x: np.ndarray, knots: list[float] | np.ndarray, a: np.ndarray) -> np.ndarray:
    r""":math:`\sum_j a_j s_j(x)` for the basis of :func:`rcs_basis`, as one sum over knots
    (weights from :func:`rcs_weights`)."""
    k = np.asarray(knots, dtype=float)
    out = np.zeros(len(x))
    for kk, ck in zip(k, rcs_weights(k, a), strict=True):
        t = np.maximum(x - kk, 0.0)
        out += ck * (t * t * t)
    return out
