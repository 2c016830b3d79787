r"""Response curves: channel spend :math:`x \ge 0` to expected value.

Every curve is a small frozen dataclass holding one channel's parameters, with
vectorised :meth:`~Curve.value` and :meth:`~Curve.derivative` (marginal
value), the spend of its inflection point (0 for concave curves) and the
inverse of its derivative on the concave branch, which the KKT allocator uses.
The maths lives in static methods taking parameter arrays, so
:class:`CurveStack` evaluates thousands of channels at once.

=================  ======================================================  ==============================
kind               value :math:`v(x)`                                      parameters
=================  ======================================================  ==============================
hill               :math:`s\,x^k / (K^k + x^k)`                             scale, half_saturation, shape
logistic           :math:`s\,[\sigma(r(x - m)) - \sigma(-r m)]`             scale, steepness, midpoint
michaelis_menten   :math:`s\,x / (K + x)`                                   scale, half_saturation
power              :math:`s\,x^a`                                           scale, exponent
exp_saturation     :math:`s\,(1 - e^{-r x})`                                scale, rate
=================  ======================================================  ==============================

Hill is S-shaped when :math:`k > 1`, logistic when :math:`m > 0`, power is
convex when :math:`a > 1`; all others are concave on :math:`x \ge 0`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import numpy as np

from leadlever.optimisers.exceptions import CurveError

__all__ = [
    "Curve",
    "Hill",
    "Logistic",
    "MichaelisMenten",
    "Power",
    "ExpSaturation",
    "CURVE_KINDS",
    "curve_from_params",
    "hill_basis",
]


def _arr(x: Any) -> np.ndarray:
    return np.maximum(np.asarray(x, dtype=float), 0.0)


@dataclass(frozen=True)
class Curve:
    """Base class: one channel's response curve (subclasses define the maths)."""

    kind: ClassVar[str] = ""
    param_names: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for name in self.param_names:
            v = getattr(self, name)
            ok = isinstance(v, int | float | np.floating | np.integer) and not isinstance(v, bool)
            ok = ok and bool(np.isfinite(v)) and (name == "midpoint" or v > 0)
            if not ok:
                rule = "a finite number" if name == "midpoint" else "a finite number > 0"
                raise CurveError(
                    f"The '{name}' parameter of {type(self).__name__} must be {rule}. Got {v!r} instead."
                )
            object.__setattr__(self, name, float(v))

    # -- parameter access -------------------------------------------------
    def params(self) -> dict[str, float]:
        """Parameters by name."""
        return {name: getattr(self, name) for name in self.param_names}

    def _p(self) -> tuple[float, ...]:
        return tuple(getattr(self, n) for n in self.param_names)

    def to_dict(self) -> dict[str, Any]:
        return {"curve": self.kind, **asdict(self)}

    # -- maths ------------------------------------------------------------
    def value(self, x: Any) -> np.ndarray:
        """Expected value at spend ``x`` (array-like, negatives treated as 0)."""
        return self._v(_arr(x), *self._p())

    def derivative(self, x: Any) -> np.ndarray:
        """Marginal value :math:`v'(x)` at spend ``x``."""
        return self._d(_arr(x), *self._p())

    @property
    def inflection(self) -> float:
        """Spend where the curve turns from convex to concave (0 if concave; inf if convex)."""
        return float(self._infl(*self._p()))

    @property
    def is_concave(self) -> bool:
        return self.inflection == 0.0

    def inverse_derivative(self, lam: Any) -> np.ndarray:
        r"""Spend :math:`x \ge` inflection with :math:`v'(x) = \lambda` (the inflection if none)."""
        return self._dinv(np.asarray(lam, dtype=float), *self._p())

    def rescaled(self, spend_factor: float, value_factor: float) -> Curve:
        r"""The curve :math:`w(y) = v(a y) / b` for spend factor :math:`a`, value factor :math:`b`."""
        return type(self)(*self._rescale(self._p(), spend_factor, value_factor))

    # subclasses implement these on parameter arrays
    @staticmethod
    def _v(x, *p):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _d(x, *p):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _infl(*p):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _dinv(lam, *p):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _rescale(p, a, b):  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class Hill(Curve):
    r"""Hill curve :math:`v(x) = s x^k / (K^k + x^k)`.

    .. math:: v'(x) = \frac{s k K^k x^{k-1}}{(K^k + x^k)^2}, \quad
              x_{infl} = K \left(\frac{k-1}{k+1}\right)^{1/k} \ (k > 1)
    """

    scale: float
    half_saturation: float
    shape: float
    kind: ClassVar[str] = "hill"
    param_names: ClassVar[tuple[str, ...]] = ("scale", "half_saturation", "shape")

    @staticmethod
    def _v(x, s, K, k):
        # x = 0 gives 0 ** -k = inf: the np.where below sets v(0) = 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            r = x / K
            out = s / (1.0 + r ** (-k))
        return np.where(x > 0, out, 0.0)

    @staticmethod
    def _d(x, s, K, k):
        # log(0) at x = 0: the np.where below uses the limit at 0 there
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            t = k * np.log(x / K)
            logg = np.log(s * k / K) + ((k - 1.0) / k) * t - 2.0 * np.logaddexp(0.0, t)
            g = np.exp(logg)
        at0 = np.where(k < 1, np.inf, np.where(k == 1, s / K, 0.0))
        return np.where(x > 0, g, at0)

    @staticmethod
    def _infl(s, K, k):
        with np.errstate(divide="ignore", invalid="ignore"):  # k <= 1 (no inflection): 0 below
            return np.where(k > 1, K * np.abs((k - 1.0) / (k + 1.0)) ** (1.0 / k), 0.0)

    @staticmethod
    def _dinv(lam, s, K, k):
        # Newton on h(t) = log v'(K e^{t/k}) - log(lam), concave decreasing on the
        # concave branch; started right of the root it converges monotonically.
        lam, s, K, k = np.broadcast_arrays(lam, s, K, k)
        c = np.log(s * k / K) - np.log(lam)
        t = c * k / (k + 1.0)
        t_inf = np.where(k > 1, np.log(np.abs((k - 1.0) / (k + 1.0)) + (k <= 1)), -np.inf)
        a = (k - 1.0) / k
        # lam = 0 or out-of-range lam make c infinite: those t stay infinite and give the
        # limits (x = inf or 0), clipped by t_inf below
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            for _ in range(100):
                e = np.exp(-np.abs(t))
                softplus = np.maximum(t, 0.0) + np.log1p(e)
                sig = np.where(t >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
                h = c + a * t - 2.0 * softplus
                dh = a - 2.0 * sig
                step = np.where(dh < 0, h / dh, 0.0)
                t = t - step
                if np.all(np.abs(step) <= 1e-13 * (1.0 + np.abs(t))):
                    break
        t = np.maximum(t, t_inf)
        with np.errstate(over="ignore"):  # exp overflow is the limit x = inf, as intended
            return K * np.exp(t / k)

    @staticmethod
    def _rescale(p, a, b):
        s, K, k = p
        return (s / b, K / a, k)


@dataclass(frozen=True)
class MichaelisMenten(Curve):
    r"""Michaelis–Menten :math:`v(x) = s x / (K + x)`, :math:`v'(x) = s K / (K + x)^2`."""

    scale: float
    half_saturation: float
    kind: ClassVar[str] = "michaelis_menten"
    param_names: ClassVar[tuple[str, ...]] = ("scale", "half_saturation")

    @staticmethod
    def _v(x, s, K):
        return s * x / (K + x)

    @staticmethod
    def _d(x, s, K):
        return s * K / (K + x) ** 2

    @staticmethod
    def _infl(s, K):
        return np.zeros_like(np.asarray(s, dtype=float))

    @staticmethod
    def _dinv(lam, s, K):
        with np.errstate(divide="ignore"):  # lam = 0: x = inf, the limit
            return np.maximum(np.sqrt(s * K / lam) - K, 0.0)

    @staticmethod
    def _rescale(p, a, b):
        s, K = p
        return (s / b, K / a)


@dataclass(frozen=True)
class Logistic(Curve):
    r"""Logistic :math:`v(x) = s[\sigma(r(x-m)) - \sigma(-rm)]`, zero at zero spend.

    .. math:: v'(x) = s r \sigma(z)(1 - \sigma(z)),\ z = r(x - m);\quad x_{infl} = \max(m, 0)
    """

    scale: float
    steepness: float
    midpoint: float
    kind: ClassVar[str] = "logistic"
    param_names: ClassVar[tuple[str, ...]] = ("scale", "steepness", "midpoint")

    @staticmethod
    def _v(x, s, r, m):
        from scipy.special import expit

        return s * (expit(r * (x - m)) - expit(-r * m))

    @staticmethod
    def _d(x, s, r, m):
        from scipy.special import expit

        z = r * (x - m)
        return s * r * expit(z) * expit(-z)

    @staticmethod
    def _infl(s, r, m):
        return np.maximum(m, 0.0)

    @staticmethod
    def _dinv(lam, s, r, m):
        with np.errstate(divide="ignore", invalid="ignore"):  # lam = 0: x = inf, the limit
            q = np.minimum(lam / (s * r), 0.25)
            root = np.sqrt(np.maximum(1.0 - 4.0 * q, 0.0))
            lo = 2.0 * q / (1.0 + root)  # 1 - sigma, computed stably
            z = np.log1p(-lo) - np.log(lo)
            return np.maximum(m + z / r, np.maximum(m, 0.0))

    @staticmethod
    def _rescale(p, a, b):
        s, r, m = p
        return (s / b, r * a, m / a)


@dataclass(frozen=True)
class Power(Curve):
    r"""Power curve :math:`v(x) = s x^a` (concave for :math:`a \le 1`, convex above)."""

    scale: float
    exponent: float
    kind: ClassVar[str] = "power"
    param_names: ClassVar[tuple[str, ...]] = ("scale", "exponent")

    @staticmethod
    def _v(x, s, a):
        return s * x**a

    @staticmethod
    def _d(x, s, a):
        with np.errstate(divide="ignore"):  # 0 ** (a - 1) at x = 0: np.where gives the limit
            return np.where(
                x > 0, s * a * x ** (a - 1.0), np.where(a < 1, np.inf, np.where(a == 1, s, 0.0))
            )

    @staticmethod
    def _infl(s, a):
        return np.where(a > 1, np.inf, 0.0)

    @staticmethod
    def _dinv(lam, s, a):
        # lam = 0 or a = 1 give inf / 0 limits, chosen explicitly by the np.where
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            lin = np.where(lam < s, np.inf, 0.0)
            return np.where(a < 1, (lam / (s * a)) ** (1.0 / (a - 1.0)), lin)

    @staticmethod
    def _rescale(p, a_, b):
        s, a = p
        return (s * a_**a / b, a)


@dataclass(frozen=True)
class ExpSaturation(Curve):
    r"""Exponential saturation :math:`v(x) = s (1 - e^{-r x})`, :math:`v'(x) = s r e^{-r x}`."""

    scale: float
    rate: float
    kind: ClassVar[str] = "exp_saturation"
    param_names: ClassVar[tuple[str, ...]] = ("scale", "rate")

    @staticmethod
    def _v(x, s, r):
        return -s * np.expm1(-r * x)

    @staticmethod
    def _d(x, s, r):
        return s * r * np.exp(-r * x)

    @staticmethod
    def _infl(s, r):
        return np.zeros_like(np.asarray(s, dtype=float))

    @staticmethod
    def _dinv(lam, s, r):
        with np.errstate(divide="ignore"):  # lam = 0: x = inf, the limit
            return np.maximum(np.log(s * r / lam) / r, 0.0)

    @staticmethod
    def _rescale(p, a, b):
        s, r = p
        return (s / b, r * a)


CURVE_KINDS: dict[str, type[Curve]] = {
    c.kind: c for c in (Hill, Logistic, MichaelisMenten, Power, ExpSaturation)
}


def hill_basis(x: Any, half_saturation: Any, shape: Any) -> np.ndarray:
    r"""The Hill curve with unit scale, :math:`h(x) = x^k / (K^k + x^k)` (0 at :math:`x \le 0`).

    Broadcasts ``x``, ``half_saturation`` and ``shape`` against each other, so
    one call evaluates a grid of curves (the Bayesian fits and the learner use
    it; :class:`Hill` is :math:`s\,h`).
    """
    return Hill._v(_arr(x), 1.0, np.asarray(half_saturation, float), np.asarray(shape, float))


def curve_from_params(kind: str, params: dict[str, float]) -> Curve:
    """Build a curve from its kind name and a parameter mapping.

    Raises
    ------
    CurveError
        Unknown kind or missing / invalid parameters.
    """
    cls = CURVE_KINDS.get(str(kind).strip().lower())
    if cls is None:
        raise CurveError(f"Unknown curve kind {kind!r}. Use one of: {', '.join(CURVE_KINDS)}.")
    missing = [n for n in cls.param_names if n not in params or params[n] is None]
    if missing:
        raise CurveError(
            f"A '{cls.kind}' curve needs the parameters {', '.join(cls.param_names)}; "
            f"missing {', '.join(missing)}."
        )
    return cls(*(float(params[n]) for n in cls.param_names))
