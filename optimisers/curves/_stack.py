"""Many channels' curves evaluated together: grouped by kind, parameters stacked in arrays.

The allocator works on a :class:`CurveStack` so that value, marginal value and
the inverse marginal value of thousands of channels cost a few numpy calls.
"""

from __future__ import annotations

import numpy as np

from leadlever.optimisers.curves._family import Curve
from leadlever.optimisers.exceptions import CurveError

__all__ = ["CurveStack"]


class CurveStack:
    """Many channels' curves evaluated together (grouped by kind, vectorised).

    Parameters
    ----------
    curves : sequence of Curve
    """

    def __init__(self, curves: list[Curve] | tuple[Curve, ...]):
        curves = tuple(curves)
        for c in curves:
            if not isinstance(c, Curve):
                raise CurveError(f"Expected Curve objects; got {type(c).__name__}.")
        kinds: dict[type[Curve], list[int]] = {}
        for i, c in enumerate(curves):
            kinds.setdefault(type(c), []).append(i)
        groups = []
        for cls, idx in kinds.items():
            params = tuple(np.array([getattr(curves[i], n) for i in idx]) for n in cls.param_names)
            groups.append((cls, np.array(idx), params))
        self._init(len(curves), groups, curves)

    def _init(self, n: int, groups, curves: tuple[Curve, ...] | None) -> None:
        self.n = n
        self._groups: list[tuple[type[Curve], np.ndarray, tuple[np.ndarray, ...]]] = groups
        self._curves = curves
        self.inflection = self._apply("_infl", None)

    @property
    def curves(self) -> tuple[Curve, ...]:
        """The individual curves (built on demand for stacks made from arrays)."""
        if self._curves is None:
            out: list[Curve | None] = [None] * self.n
            for cls, ix, params in self._groups:
                for j, i in enumerate(ix):
                    out[i] = cls(*(float(p[j]) for p in params))
            self._curves = tuple(out)  # type: ignore[arg-type]
        return self._curves

    def _apply(self, method: str, x: np.ndarray | None) -> np.ndarray:
        out = np.empty(self.n)
        for cls, ix, params in self._groups:
            fn = getattr(cls, method)
            out[ix] = fn(*params) if x is None else fn(x[ix], *params)
        return out

    def value(self, x: np.ndarray) -> np.ndarray:
        """Value of channel i at ``x[i]``."""
        return self._apply("_v", np.maximum(np.asarray(x, dtype=float), 0.0))

    def derivative(self, x: np.ndarray) -> np.ndarray:
        """Marginal value of channel i at ``x[i]``."""
        return self._apply("_d", np.maximum(np.asarray(x, dtype=float), 0.0))

    def inverse_derivative(self, lam: np.ndarray | float) -> np.ndarray:
        """Spend on each channel's concave branch where its marginal value is ``lam``."""
        return self._apply("_dinv", np.broadcast_to(np.asarray(lam, dtype=float), (self.n,)))

    @property
    def is_concave(self) -> np.ndarray:
        return self.inflection == 0.0

    def rescaled(self, spend_factor: float, value_factor: float) -> CurveStack:
        """All curves rescaled as :meth:`Curve.rescaled` (vectorised, no per-curve objects)."""
        groups = [
            (
                cls,
                ix,
                tuple(
                    np.asarray(p, dtype=float) * np.ones(ix.size)
                    for p in cls._rescale(params, spend_factor, value_factor)
                ),
            )
            for cls, ix, params in self._groups
        ]
        out = CurveStack.__new__(CurveStack)
        out._init(self.n, groups, None)
        return out
