r"""Credit-rating-style ratings of lead bundles.

A bundle of leads with independent conversion probabilities
:math:`p_1, \dots, p_n` converts :math:`S = \sum_i B_i` leads, a
Poisson-binomial variable. The bundle *promises* at least

.. math:: k = \max\bigl(1, \lfloor f \cdot \textstyle\sum_i p_i \rfloor\bigr)

conversions (``f`` = :attr:`RatingScale.promise_fraction`), and its
*guarantee* is the exact probability :math:`P(S \ge k)`, computed as
``sf(k - 1)`` of :mod:`leadlever.engine.stats.poisson_binomial`. The rating is the best level of the scale
whose threshold the guarantee reaches (default AAA >= 99.9%, AA >= 99%,
A >= 97.5%, BBB >= 95%, BB >= 90%, B >= 80%); below every level the bundle is
``"NR"`` (not rated).

For the MILP the rating requirement is replaced by a *linear sufficient
condition* :math:`\sum_i p_i \ge a + b\,n` (:func:`certified_line`): by
Hoeffding's (1956) inequality the binomial with the same mean is the worst case,
:math:`P(S \ge k) \ge P(\mathrm{Bin}(n, \bar p) \ge k)` for
:math:`k \le n \bar p - 1`, so every bundle whose mean exceeds the binomial
threshold :math:`p^*_n` of its size reaches the rating; the line lies above
:math:`n p^*_n` for every size in the buyer's range.

The line needs *every* mean above :math:`p^*_n` to certify the rating, and the
promise grows with the expected conversions :math:`\lambda = \sum_i p_i`, so
the guarantee is a saw-tooth in :math:`\lambda`: for unlikely leads (a few
expected conversions per bundle) the line asks for far more than the rating
needs. :func:`certified_windows` adds the low-promise regime: for a promise
:math:`k` the bundles with :math:`\lambda \in [\ell_k, h_k)`,
:math:`h_k = (k+1)/f`, all promise :math:`k` and, when :math:`\ell_k \ge k+1`
(Hoeffding's condition) and :math:`P(\mathrm{Bin}(n, \ell_k/n) \ge k)` reaches
the level for every size :math:`n` of the buyer, all reach the rating (within a
window the binomial tail grows with :math:`\lambda`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy import optimize, stats

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.stats import poisson_binomial

__all__ = [
    "RatingScale",
    "DEFAULT_LEVELS",
    "NOT_RATED",
    "BundleRating",
    "rate_bundle",
    "promised_conversions",
    "certified_line",
    "certified_windows",
    "prefix_guarantees",
    "sampled_sizes",
]

#: default rating scale: rating name -> minimum guarantee P(S >= promise)
DEFAULT_LEVELS: tuple[tuple[str, float], ...] = (
    ("AAA", 0.999),
    ("AA", 0.99),
    ("A", 0.975),
    ("BBB", 0.95),
    ("BB", 0.90),
    ("B", 0.80),
)
#: rating of a bundle below the lowest level of the scale
NOT_RATED = "NR"


@dataclass(frozen=True)
class RatingScale:
    """A rating scale and the promise rule.

    Parameters
    ----------
    levels : tuple of (str, float)
        Rating names with their minimum guarantee, best first (thresholds strictly
        decreasing, in (0, 1)).
    promise_fraction : float
        Fraction ``f`` of the expected conversions a bundle promises, in (0, 1].
    """

    levels: tuple[tuple[str, float], ...] = DEFAULT_LEVELS
    promise_fraction: float = 0.7
    _rank: dict[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not 0.0 < self.promise_fraction <= 1.0:
            raise ParameterError(
                "The 'promise_fraction' parameter of RatingScale must be in (0, 1]. "
                f"Got {self.promise_fraction!r} instead."
            )
        if not self.levels:
            raise ParameterError("The 'levels' parameter of RatingScale must not be empty.")
        thresholds = [float(t) for _, t in self.levels]
        if any(not 0.0 < t < 1.0 for t in thresholds) or any(
            a <= b for a, b in zip(thresholds, thresholds[1:], strict=False)
        ):
            raise ParameterError(
                "The 'levels' parameter of RatingScale must list grades best first with "
                f"thresholds strictly decreasing in (0, 1). Got {list(self.levels)} instead."
            )
        names = [n for n, _ in self.levels]
        if len(set(names)) != len(names) or NOT_RATED in names:
            raise ParameterError(
                f"The rating names of RatingScale must be unique and not '{NOT_RATED}'. "
                f"Got {names} instead."
            )
        object.__setattr__(self, "_rank", {n: i for i, n in enumerate(names)})

    @property
    def names(self) -> list[str]:
        """Grade names, best first."""
        return [n for n, _ in self.levels]

    def threshold(self, rating: str) -> float:
        """Minimum guarantee of ``rating``."""
        return float(self.levels[self.rank(rating)][1])

    def rank(self, rating: str) -> int:
        """0 for the best rating; ``len(levels)`` for ``NR``."""
        if rating == NOT_RATED:
            return len(self.levels)
        try:
            return self._rank[rating]
        except KeyError:
            raise ParameterError(
                f"Unknown grade {rating!r}. The scale's grades are {', '.join(self.names)}."
            ) from None

    def at_least(self, rating: str, required: str) -> bool:
        """Whether ``rating`` is as good as ``required`` or better."""
        return self.rank(rating) <= self.rank(required)

    def rating_of(self, guarantee: float) -> str:
        """Best rating whose threshold ``guarantee`` reaches (``NR`` if none)."""
        for name, level in self.levels:
            if guarantee >= level - 1e-12:
                return name
        return NOT_RATED


@dataclass(frozen=True)
class BundleRating:
    """Grade of one concrete bundle."""

    n_leads: int
    expected_conversions: float
    promised: int
    guarantee: float
    rating: str


def promised_conversions(expected: float | np.ndarray, scale: RatingScale) -> np.ndarray | int:
    r""":math:`k = \max(1, \lfloor f \cdot E \rfloor)` (a small tolerance absorbs rounding)."""
    k = np.maximum(1, np.floor(scale.promise_fraction * np.asarray(expected, dtype=float) + 1e-9))
    return int(k) if np.ndim(k) == 0 else k.astype(int)


def rate_bundle(p: np.ndarray | list[float], scale: RatingScale | None = None) -> BundleRating:
    """Exact rating of a bundle with conversion probabilities ``p``.

    The guarantee is :math:`P(S \\ge k)` = ``sf(k - 1)`` of the exact Poisson-binomial
    distribution (:func:`leadlever.engine.stats.poisson_binomial.sf`, scipy's meaning).
    """
    scale = scale or RatingScale()
    arr = np.asarray(p, dtype=float)
    expected = float(arr.sum())
    k = promised_conversions(expected, scale)
    guarantee = float(poisson_binomial.sf(k - 1, arr)) if arr.size else 0.0  # P(S >= k)
    return BundleRating(arr.size, expected, int(k), guarantee, scale.rating_of(guarantee))


def sampled_sizes(low: int, high: int, limit: int = 400) -> np.ndarray:
    """Bundle sizes ``low..high``, thinned to at most ``limit`` evenly spaced ones."""
    sizes = np.arange(low, high + 1)
    if sizes.size > limit:
        sizes = np.unique(np.linspace(low, high, limit).round().astype(int))
    return sizes


def prefix_guarantees(p: np.ndarray, scale: RatingScale | None = None) -> np.ndarray:
    r"""Guarantee :math:`P(S_n \ge k_n)` of every prefix ``p[:n]``, ``n = 1..len(p)``.

    One pass of the Poisson-binomial recursion
    :math:`P_{n}(j) = (1 - p_n) P_{n-1}(j) + p_n P_{n-1}(j - 1)`, :math:`O(N^2)` in all,
    instead of one exact distribution per prefix. Agrees with :func:`rate_bundle` to
    rounding error (a test checks it).
    """
    scale = scale or RatingScale()
    arr = np.asarray(p, dtype=float)
    k = np.atleast_1d(promised_conversions(np.cumsum(arr), scale))
    dist = np.zeros(arr.size + 1)
    dist[0] = 1.0
    out = np.empty(arr.size)
    for i, q in enumerate(arr):
        dist[1 : i + 2] = dist[1 : i + 2] * (1.0 - q) + dist[: i + 1] * q
        dist[0] *= 1.0 - q
        out[i] = dist[k[i] : i + 2].sum() if k[i] <= i + 1 else 0.0
    return out


def _threshold_means(level: float, sizes: np.ndarray, fraction: float, step: float) -> np.ndarray:
    """Smallest mean p*_n such that every binomial mean in [p*_n, 1 - 1/n] certifies ``level``.

    NaN where no mean certifies the level for that size.
    """
    grid = np.arange(step, 1.0, step)
    n = sizes[:, None].astype(float)
    k = np.maximum(1.0, np.floor(fraction * n * grid[None, :] + 1e-9))
    guarantee = stats.binom.sf(k - 1, n, grid[None, :])
    # Hoeffding's worst-case range: k <= n p - 1 and p <= 1 - 1/n
    in_range = grid[None, :] <= 1.0 - 1.0 / n
    ok = (guarantee >= level) & (k <= n * grid[None, :] - 1.0)
    ok = ok | ~in_range  # above 1 - 1/n nothing is claimed; the exact re-check decides
    # all grid points from j upward ok: reverse cumulative AND
    all_above = np.flip(np.logical_and.accumulate(np.flip(ok, axis=1), axis=1), axis=1)
    all_above &= in_range
    first = np.where(all_above.any(axis=1), all_above.argmax(axis=1), -1)
    out = np.where(first >= 0, grid[np.clip(first, 0, None)], np.nan)
    return out


@lru_cache(maxsize=256)
def certified_line(
    rating: str,
    min_leads: int,
    max_leads: int,
    scale: RatingScale = RatingScale(),
    step: float = 0.0025,
) -> tuple[float, float, int] | None:
    r"""Linear sufficient condition for ``rating`` on bundles of ``min_leads..max_leads`` leads.

    Returns ``(a, b, n0)`` such that every bundle with :math:`n \ge n_0` leads and
    :math:`\sum_i p_i \ge a + b n` reaches ``rating`` (see the module docstring),
    or ``None`` when no size in the range can certify it. The line is the
    tightest (least total excess over the sizes) with
    :math:`a + b n \ge n p^*_n` for every certifiable size.
    """
    level = scale.threshold(rating)
    sizes = sampled_sizes(max(1, min_leads), max(max_leads, min_leads))
    pstar = _threshold_means(level, sizes, scale.promise_fraction, step)
    good = np.isfinite(pstar)
    if not good.any():
        return None
    n_ok = sizes[good].astype(float)
    h = n_ok * pstar[good]
    if n_ok.size == 1:
        return float(h[0]), 0.0, int(n_ok[0])
    # minimise sum(a + b n - h) s.t. a + b n >= h  <=>  min  N a + (sum n) b  s.t. -a - b n <= -h
    res = optimize.linprog(
        c=[n_ok.size, n_ok.sum()],
        A_ub=np.column_stack([-np.ones_like(n_ok), -n_ok]),
        b_ub=-h,
        bounds=[(None, None), (None, None)],
        method="highs",
    )
    a, b = (float(v) for v in res.x)
    a += 1e-7 * max(1.0, abs(a))  # stay safely above the curve after rounding
    return a, b, int(n_ok[0])


@lru_cache(maxsize=256)
def certified_windows(
    rating: str,
    min_leads: int,
    max_leads: int,
    scale: RatingScale = RatingScale(),
    max_promise: int = 4,
    step: float = 0.001,
) -> tuple[tuple[float, float], ...]:
    r"""Windows of expected conversions in which every bundle reaches ``rating``.

    Returns ``(lo, hi)`` pairs: every bundle of ``min_leads..max_leads`` leads whose
    expected conversions :math:`\lambda = \sum_i p_i` satisfy :math:`lo \le \lambda < hi`
    reaches ``rating`` (see the module docstring). One window per promise
    :math:`k = 1..` ``max_promise``, contiguous windows joined. Empty when no low promise
    certifies the rating (the better ratings need more expected conversions than a window
    allows).
    """
    level = scale.threshold(rating)
    f = scale.promise_fraction
    sizes = sampled_sizes(max(1, min_leads), max(max_leads, min_leads))
    out = []
    for k in range(1, max_promise + 1):
        # promise floor(f * lam) stays k below (k + 1) / f; Hoeffding's range: mean p at
        # most 1 - 1/n, and his condition k <= lam - 1
        hi = min((k + 1) / f - 1e-6, sizes[0] - 1.0)
        lo = max(float(k + 1), k / f if k > 1 else 0.0)
        if lo >= hi:
            continue

        def certifies(lam: float, k: int = k) -> bool:
            # within a window the binomial tail grows with lam: bisection finds the start
            return bool((stats.binom.sf(k - 1, sizes, lam / sizes) >= level).all())

        if not certifies(hi):
            continue
        if not certifies(lo):
            left, right = lo, hi  # certifies(left) is False, certifies(right) is True
            while right - left > step:
                mid = 0.5 * (left + right)
                left, right = (left, mid) if certifies(mid) else (mid, right)
            lo = right
        first = lo
        if out and first <= out[-1][1] + 2e-6:  # contiguous with the last window: one window
            out[-1] = (out[-1][0], hi)
        else:
            out.append((first, hi))
    return tuple(out)
