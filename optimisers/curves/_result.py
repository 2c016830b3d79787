r"""Fitted curves with their carry-over, diagnostics, time effect and posterior draws.

:class:`CurveFitResult` is what :func:`~leadlever.optimisers.curves.fit_curves`
returns. Its :meth:`~CurveFitResult.to_frame` is the CURVES table (one row per
channel, what ``allocate solve`` reads); :meth:`~CurveFitResult.to_json` holds
what a table cannot: the shared time effect (for plans over weeks) and the
posterior draws of every channel's curve (for the uncertainty of a decision).
``allocate fit --out curves.csv`` writes both, the second as
``curves.fit.json`` next to the table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.io._persist import dumps_json, load_versioned, versioned
from leadlever.optimisers.curves._carryover import WEEKS_PER_YEAR, time_design, time_effect
from leadlever.optimisers.curves._family import CURVE_KINDS, Curve
from leadlever.optimisers.exceptions import ExtrapolationError

__all__ = [
    "TimeEffect",
    "CurveDraws",
    "FittedCurve",
    "CurveFitResult",
    "QUALITIES",
    "FIT_FORMAT",
    "fit_json_path",
    "read_fit_json",
    "write_fit",
]

FIT_FORMAT = "leadlever.curve_fit"
FIT_VERSION = 1
#: verdicts of the diagnostics, best first
QUALITIES = ("trusted", "weak", "unidentified")


#: a channel whose 95th-percentile draw is above this multiple of its median has far tails
FAR_TAIL_RATIO = 10.0


@dataclass(frozen=True)
class TimeEffect:
    r"""The shared multiplicative time effect :math:`m_t` (see :mod:`._carryover`).

    Attributes
    ----------
    order : int
        Number of yearly sin/cos pairs (0 = no season).
    trend : bool
    coef : tuple of float
        Trend first (log growth per year), then :math:`a_1, b_1, a_2, b_2, ...`.
    last_week_of_year : float or None
        Week of the year of the last observed week (None: no calendar).
    """

    order: int = 0
    trend: bool = False
    coef: tuple[float, ...] = ()
    last_week_of_year: float | None = None

    def ahead(self, weeks: int) -> np.ndarray:
        """:math:`m` for the next ``weeks`` weeks (trend extrapolated, season repeated)."""
        steps = np.arange(1, weeks + 1, dtype=float)
        woy = (self.last_week_of_year or 0.0) + steps
        design = time_design(woy % WEEKS_PER_YEAR, steps, order=self.order, trend=self.trend)
        return time_effect(design, self.coef)

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "trend": self.trend,
            "coef": list(self.coef),
            "last_week_of_year": self.last_week_of_year,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TimeEffect:
        return cls(
            int(data["order"]),
            bool(data["trend"]),
            tuple(float(v) for v in data["coef"]),
            None if data.get("last_week_of_year") is None else float(data["last_week_of_year"]),
        )


@dataclass(frozen=True)
class CurveDraws:
    """Posterior draws of every channel's steady-state curve and carry-over rate.

    Attributes
    ----------
    channels : tuple of str
    kind : str
    params : dict
        Parameter name -> array (draws, channels); ``adstock`` included.
    """

    channels: tuple[str, ...]
    kind: str
    params: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return int(next(iter(self.params.values())).shape[0])

    def select(self, channels: list[str] | tuple[str, ...]) -> CurveDraws:
        idx = [self.channels.index(c) for c in channels]
        return CurveDraws(
            tuple(channels), self.kind, {k: v[:, idx] for k, v in self.params.items()}
        )

    def values(self, spend: Any) -> np.ndarray:
        """Steady-state value of every draw: spend of shape (C,) or (S, C) -> (D, C) or (D, S, C)."""
        cls = CURVE_KINDS[self.kind]
        x = np.asarray(spend, dtype=float)
        extra = (slice(None),) + (None,) * (x.ndim - 1) + (slice(None),)
        p = [self.params[n][extra] for n in cls.param_names]
        return cls._v(np.maximum(x, 0.0)[None, ...], *p)

    def far_tails(self, spend: Any, ratio: float = FAR_TAIL_RATIO) -> list[str]:
        """The channels whose draws, at ``spend`` (C,), reach far beyond their typical value:
        95th percentile above ``ratio`` x the median (a curve the data do not pin down, whose
        draws extrapolate; the intervals built on them are then not worth reading)."""
        v = self.values(spend)
        hi, mid = np.quantile(v, 0.95, axis=0), np.median(v, axis=0)
        scale = np.maximum(np.abs(mid), 1e-9 * max(float(np.abs(mid).max()), 1.0))
        return [c for c, h, m in zip(self.channels, hi, scale, strict=True) if h > ratio * m]

    def derivatives(self, spend: Any) -> np.ndarray:
        """Marginal value of every draw at spend (C,) -> (D, C)."""
        cls = CURVE_KINDS[self.kind]
        x = np.maximum(np.asarray(spend, dtype=float), 0.0)
        return cls._d(x[None, :], *(self.params[n] for n in cls.param_names))

    def to_dict(self) -> dict[str, Any]:
        return {
            "channels": list(self.channels),
            "kind": self.kind,
            "params": {k: v.tolist() for k, v in self.params.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CurveDraws:
        return cls(
            tuple(data["channels"]),
            str(data["kind"]),
            {k: np.asarray(v, dtype=float) for k, v in data["params"].items()},
        )


@dataclass(frozen=True)
class FittedCurve:
    """A curve fitted to one channel's history, with uncertainty, diagnostics and carry-over.

    Attributes
    ----------
    channel : str
    curve : Curve
        Steady-state curve: weekly value of a spend held at ``x`` (last week's
        level, an average week of the year).
    stderr : dict
        Standard error of each parameter (NaN when not identifiable).
    r2, rmse : float
    n : int
        Observations used.
    max_observed_spend, min_observed_spend : float
    current_spend : float
        Mean spend of the last few periods (the plan the allocator compares with).
    adstock : float
        Carry-over rate :math:`\\lambda` (0: none).
    carryover_state : float
        Adstocked spend at the last observed week (what carries into the next).
    quality : str
        ``trusted``, ``weak`` or ``unidentified`` (:data:`QUALITIES`).
    reasons : tuple of str
        Why, in plain words (empty when trusted).
    response : str
        What the curve was fitted to: ``value``, or ``leads`` (value as leads x
        ``value_per_lead``, :mod:`~leadlever.optimisers.curves._leads`).
    value_per_lead : float
        The channel's value per lead over the history (NaN without a leads count).
    """

    channel: str
    curve: Curve
    stderr: dict[str, float]
    r2: float
    rmse: float
    n: int
    max_observed_spend: float
    current_spend: float = float("nan")
    adstock: float = 0.0
    carryover_state: float = float("nan")
    min_observed_spend: float = float("nan")
    quality: str = "trusted"
    reasons: tuple[str, ...] = ()
    response: str = "value"
    value_per_lead: float = float("nan")

    @property
    def trusted(self) -> bool:
        return self.quality == "trusted"

    def value(
        self, x: Any, *, allow_extrapolation: bool = False, max_extrapolation: float = 2.0
    ) -> np.ndarray:
        """Curve value; raises if ``x`` goes beyond ``max_extrapolation`` x the largest observed spend."""
        arr = np.asarray(x, dtype=float)
        limit = max_extrapolation * self.max_observed_spend
        if not allow_extrapolation and np.any(arr > limit):
            raise ExtrapolationError(
                f"Channel '{self.channel}': spend {float(np.max(arr)):,.6g} is more than "
                f"{max_extrapolation:g}x the largest spend the curve was fitted on "
                f"({self.max_observed_spend:,.6g}); the curve is not trustworthy there. Pass "
                "allow_extrapolation=True to evaluate it anyway."
            )
        return self.curve.value(arr)

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            **self.curve.to_dict(),
            **{f"{k}_se": v for k, v in self.stderr.items()},
            "adstock": self.adstock,
            "r2": self.r2,
            "rmse": self.rmse,
            "n": self.n,
            "max_observed_spend": self.max_observed_spend,
            "min_observed_spend": self.min_observed_spend,
            "current_spend": self.current_spend,
            "carryover_state": self.carryover_state,
            "quality": self.quality,
            "reasons": list(self.reasons),
            "response": self.response,
            "value_per_lead": self.value_per_lead,
        }


@dataclass(frozen=True)
class CurveFitResult:
    """Fitted curves of all channels (``to_frame()`` is the CURVES table)."""

    curves: tuple[FittedCurve, ...]
    kind: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    assumptions: tuple[dict[str, Any], ...] = ()
    time_effect: TimeEffect | None = None
    draws: CurveDraws | None = None
    n_periods: int = 0
    sequential: bool = True

    def as_mapping(self) -> dict[str, FittedCurve]:
        return {c.channel: c for c in self.curves}

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for c in self.curves:
            row = c.to_dict()
            row["reasons"] = "; ".join(c.reasons)
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "channels": [c.to_dict() for c in self.curves],
            "n_periods": self.n_periods,
            "time_effect": None if self.time_effect is None else self.time_effect.to_dict(),
            "n_draws": 0 if self.draws is None else self.draws.n,
            "assumptions": [dict(a) for a in self.assumptions],
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        """Time effect, draws, assumptions and notes as versioned JSON (the CURVES table's sidecar)."""
        body = {
            "kind": self.kind,
            "channels": [c.channel for c in self.curves],
            "n_periods": self.n_periods,
            "sequential": self.sequential,
            "time_effect": None if self.time_effect is None else self.time_effect.to_dict(),
            "draws": None if self.draws is None else self.draws.to_dict(),
            "assumptions": [dict(a) for a in self.assumptions],
            "notes": list(self.notes),
        }
        return dumps_json(versioned(FIT_FORMAT, FIT_VERSION, body), indent=None)


def fit_json_path(curves_path: str | os.PathLike) -> Path:
    """The sidecar of a CURVES file: ``curves.csv`` -> ``curves.fit.json``."""
    path = Path(curves_path)
    name = path.name
    for suffix in (".csv.gz", ".csv", ".parquet", ".tsv"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return path.with_name(name + ".fit.json")


def read_fit_json(path: str | os.PathLike) -> dict[str, Any]:
    """Read a sidecar: ``{"time_effect": TimeEffect|None, "draws": CurveDraws|None, ...}``."""
    from leadlever.optimisers.curves._fit_schema import FIT_SCHEMA, check_fit_shapes

    hint = "Fit the curves again with this LeadLever version (leadlever allocate fit)."
    doc = load_versioned(
        path, fmt=FIT_FORMAT, version=FIT_VERSION, what="curve fit file", hint=hint,
        schema=FIT_SCHEMA,
    )  # fmt: skip
    check_fit_shapes(doc, f"Curve fit file '{Path(path)}'", hint)
    te = doc.get("time_effect")
    dr = doc.get("draws")
    return {
        **doc,
        "time_effect": None if te is None else TimeEffect.from_dict(te),
        "draws": None if dr is None else CurveDraws.from_dict(dr),
    }


def write_fit(result: CurveFitResult, out: str | os.PathLike) -> str:
    """Write the CURVES table to ``out`` and its sidecar next to it; returns the sidecar's path.

    Both are written atomically; the table last, so a table never lacks its sidecar.
    """
    from leadlever.engine.io._tables import atomic_write_text, write_table

    sidecar = fit_json_path(out)
    atomic_write_text(result.to_json(), sidecar)
    write_table(result.to_frame(), out)
    return str(sidecar)
