r"""Ease of conversion, timing: a Cox model of the time to conversion.

:class:`TimingModel` fits statsmodels' ``PHReg`` (Efron ties) on the days from
arrival to placement with right-censoring, and predicts the probability of
conversion within any horizon :math:`H` (defaults 30 and 180 days, the case
study's "now or within six months"):

.. math::
    F(H \mid x) = 1 - \exp\!\big(-\Lambda_0(H)\, e^{x^\top \beta}\big)

with the Breslow baseline cumulative hazard :math:`\Lambda_0` stored as a step
function of whole days. Event times are rounded to whole days: with a few
hundred distinct times the Efron likelihood is cheap and nothing of practical
value is lost.

Lost leads
----------
A lead closed lost will never convert. Two treatments are offered by
:func:`survival_target`:

``"competing"`` (default)
    Lost leads stay in the risk set until the end of their follow-up (the days
    from arrival to the observation date, or the longest follow-up in the table
    when ``created_at`` is absent), as in Fine and Gray's subdistribution
    hazard. :math:`F(H \mid x)` is then the cumulative incidence of placement,
    i.e. the probability of being placed within :math:`H` days, which is what
    the qualification profile needs.
``"censor"``
    The textbook choice: lost leads are censored at their closing day. The
    model then estimates the time to placement in a world where nobody is lost,
    and :math:`F(H)` over-states the chance of placement (a test shows it).

Open leads are always censored at the days observed so far.

Durations come from the export's created and closed dates
(:func:`durations_from_dates`: open leads are censored at the observation date
``as_of``, by default the export's latest date) or, in the shared vocabulary, from
``days_to_convert`` (:func:`survival_target`). Features are the export's own columns
(:class:`leadlever.engine.features.Preprocessor`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import (
    DataError,
    MissingColumnsError,
    NotFittedError,
    ParameterError,
)
from leadlever.engine.features._preprocessing import Preprocessor
from leadlever.engine.qualification._cox import _breslow, _efron_newton, concordance_index
from leadlever.engine.qualification._glm import (
    design_dot,
    feature_columns,
    fit_features,
    independent_columns,
)

__all__ = ["TimingModel", "survival_target", "durations_from_dates"]

LOST_CHOICES = ("competing", "censor")
_DAY = pd.Timedelta(days=1)


def durations_from_dates(
    converted: np.ndarray,
    created: pd.Series,
    closed: pd.Series | None,
    *,
    as_of: str | pd.Timestamp | None = None,
    lost: str = "competing",
    column_names: tuple[str, str] = ("created", "closed"),
) -> tuple[np.ndarray, np.ndarray, pd.Timestamp]:
    """Days from creation to placement (event), loss or the observation date (censored).

    Parameters
    ----------
    converted : array
        1 won, 0 lost, NaN open.
    created, closed : Series of datetimes
        When each lead arrived and (if closed) when it was won or lost.
    as_of : date, optional
        Observation date for open leads (and lost ones with ``lost="competing"``);
        default the latest created or closed date.
    lost : {"competing", "censor"}
        See the module docstring.

    Returns
    -------
    duration : ndarray (NaN where ``created`` is missing)
    event : ndarray of int
    as_of : Timestamp

    Raises
    ------
    DataError
        A won lead without a closing date, or a closing date before the creation date,
        naming the rows.
    """
    if lost not in LOST_CHOICES:
        raise ParameterError(
            f"The 'lost' parameter must be one of {LOST_CHOICES}. Got {lost!r} instead."
        )
    conv = np.asarray(converted, dtype=float)
    closed = pd.Series(pd.NaT, index=created.index) if closed is None else closed
    latest = pd.concat([created, closed]).max()
    ref = pd.Timestamp(as_of) if as_of is not None else latest
    if pd.isna(ref):
        raise DataError("No dates to measure time to close: the created dates are all empty.")
    won = conv == 1
    no_close = won & closed.isna().to_numpy()
    if no_close.any():
        rows = (np.flatnonzero(no_close) + 1).tolist()
        raise DataError(
            f"Column '{column_names[1]}': {len(rows)} won lead(s) have no closing date (data rows "
            f"{rows[:5]}). Fill them in, or fit without --closed-col."
        )
    to_close = ((closed - created) / _DAY).to_numpy(dtype=float, na_value=np.nan)
    to_ref = ((ref - created) / _DAY).to_numpy(dtype=float, na_value=np.nan)
    negative = (to_close < 0) | (to_ref < 0)
    if negative.any():
        rows = (np.flatnonzero(negative) + 1).tolist()
        raise DataError(
            f"Columns '{column_names[0]}'/'{column_names[1]}': {len(rows)} lead(s) close before "
            f"they were created or after the observation date {ref.date()} (data rows "
            f"{rows[:5]}). Check the dates and --as-of."
        )
    is_lost = conv == 0
    if lost == "censor":
        lost_days = np.where(np.isfinite(to_close), to_close, to_ref)
    else:
        lost_days = to_ref
    duration = np.where(won, to_close, np.where(is_lost, lost_days, to_ref))
    return np.round(duration), won.astype(np.int64), ref


def survival_target(
    frame: pd.DataFrame,
    *,
    lost: str = "competing",
    as_of: str | pd.Timestamp | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Durations (whole days) and event flags from a lead table.

    Parameters
    ----------
    frame : DataFrame
        Needs ``converted`` (1 placed, 0 lost, empty open) and ``days_to_convert``;
        ``created_at`` is used for the follow-up of lost leads when present.
    lost : {"competing", "censor"}
        How lost leads enter the model (see the module docstring).
    as_of : date, optional
        Observation date for the follow-up of lost leads; defaults to the
        latest ``created_at`` plus the shortest open follow-up (0 if none).

    Returns
    -------
    duration : ndarray of float
    event : ndarray of int
        1 if placed at ``duration``, 0 if censored.
    """
    if lost not in LOST_CHOICES:
        raise ParameterError(
            f"The 'lost' parameter of survival_target must be one of {LOST_CHOICES}. Got {lost!r} instead."
        )
    missing = [c for c in ("converted", "days_to_convert") if c not in frame.columns]
    if missing:
        raise MissingColumnsError(
            f"The table lacks {missing}, needed for the time-to-conversion model. "
            "Add 'converted' (1/0/empty) and 'days_to_convert'.",
            missing,
            {},
        )
    conv = pd.to_numeric(frame["converted"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    days = pd.to_numeric(frame["days_to_convert"], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    bad = np.flatnonzero(~np.isfinite(days) | (days < 0))
    if bad.size:
        raise DataError(
            f"Column 'days_to_convert' has {bad.size} missing or negative value(s) (rows "
            f"{(bad[:5] + 1).tolist()}). Give days to placement, or days observed for lost and open leads."
        )
    duration = np.round(days)
    event = (conv == 1).astype(np.int64)
    if lost == "competing":
        is_lost = conv == 0
        if "created_at" in frame.columns:
            created = pd.to_datetime(frame["created_at"], errors="coerce")
            if as_of is None:
                is_open = np.isnan(conv)
                ref = created.max()
                if is_open.any():
                    ref = (created[is_open] + pd.to_timedelta(days[is_open], unit="D")).max()
                as_of = ref
            follow = (pd.Timestamp(as_of) - created).dt.days.to_numpy(dtype=float, na_value=np.nan)
            follow = np.where(np.isfinite(follow), follow, np.nanmax(duration))
        else:
            follow = np.full(duration.shape, np.nanmax(duration))
        duration = np.where(is_lost, np.maximum(duration, np.round(follow)), duration)
    return duration, event


class TimingModel:
    """Cox proportional-hazards model of the days to placement.

    Parameters
    ----------
    columns : sequence of str, optional
        Feature columns; default every column of ``X`` except outcome columns.
    horizons : tuple of int
        Default horizons (days) reported by :meth:`predict_within`.
    solver : {"newton", "phreg"}
        ``"newton"`` (default) maximises the Efron partial likelihood with a
        vectorised Newton method (:func:`_efron_newton`, several times faster on
        100,000 leads); ``"phreg"`` calls statsmodels' ``PHReg(ties="efron")``.
        Both give the same coefficients (a test checks it to 1e-5).
    """

    def __init__(
        self, *, columns=None, horizons: tuple[int, ...] = (30, 180), solver: str = "newton"
    ):
        self.columns = columns
        self.horizons = horizons
        self.solver = solver

    def fit(self, X: pd.DataFrame, duration, event) -> TimingModel:
        """Fit on features ``X``, durations (days) and event flags (1 placed, 0 censored)."""
        from statsmodels.duration.hazard_regression import PHReg

        if self.solver not in ("newton", "phreg"):
            raise ParameterError(
                f"The 'solver' parameter of TimingModel must be 'newton' or 'phreg'. Got {self.solver!r} instead."
            )
        if not self.horizons or any(float(h) <= 0 for h in self.horizons):
            raise ParameterError(
                f"The 'horizons' parameter of TimingModel must be positive days. Got {self.horizons!r} instead."
            )
        duration = np.round(np.asarray(duration, dtype=float))
        event = np.asarray(event, dtype=np.int64)
        if duration.shape[0] != len(X) or event.shape[0] != len(X):
            raise DataError("X, duration and event must have the same number of rows.")
        if not np.all(np.isfinite(duration)) or (duration < 0).any():
            raise DataError("Durations must be finite days >= 0; drop rows without dates first.")
        if event.sum() < 5:
            raise DataError(
                f"Only {int(event.sum())} placements in the history; the timing model needs at least 5."
            )
        self.columns_ = list(self.columns) if self.columns is not None else feature_columns(X)
        # linear terms (no splines): a proportional-hazards model of many columns stays quick
        self.features_ = fit_features(X, self.columns_, splines=0)
        Z = self.features_.transform(X[self.columns_])
        keep = independent_columns(Z, keep_first=False)
        self.design_names_ = [
            n for n, k in zip(self.features_.feature_names_, keep, strict=True) if k
        ]
        self.keep_ = keep
        if self.solver == "phreg":
            res = PHReg(duration, Z[:, keep], status=event, ties="efron").fit()
            self.coef_ = np.asarray(res.params, dtype=float)
            times, cumhaz = _breslow(duration, event, Z[:, keep], self.coef_)
            self.baseline_times_, self.baseline_cumhaz_ = times, cumhaz
        else:
            beta, times, cumhaz = _efron_newton(duration, event, Z[:, keep])
            self.coef_, self.baseline_times_, self.baseline_cumhaz_ = beta, times, cumhaz
        self.n_events_ = int(event.sum())
        self.n_obs_ = int(len(X))
        return self

    def _check(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError("This TimingModel is not fitted yet. Call fit first.")

    def predict_risk(self, X: pd.DataFrame) -> np.ndarray:
        r"""Linear predictor :math:`x^\top\beta` (higher = sooner)."""
        self._check()
        self.features_.check_columns(X)  # a missing column is named, with its fix
        full = np.zeros(self.keep_.size)
        full[self.keep_] = self.coef_
        return design_dot(self.features_, X, full)

    def cumulative_hazard(self, days) -> np.ndarray:
        r"""Baseline :math:`\Lambda_0(t)` at the given days (step function)."""
        self._check()
        idx = np.searchsorted(self.baseline_times_, np.asarray(days, dtype=float), side="right") - 1
        return np.where(idx >= 0, self.baseline_cumhaz_[np.maximum(idx, 0)], 0.0)

    def predict_within(self, X: pd.DataFrame, horizons=None) -> dict[int, np.ndarray]:
        """P(placed within H days) for each horizon H (default :attr:`horizons`)."""
        hs = list(horizons if horizons is not None else self.horizons)
        if any(float(h) <= 0 for h in hs):
            raise ParameterError(f"Horizons must be positive days. Got {hs!r} instead.")
        rel = np.exp(self.predict_risk(X))
        return {int(h): 1.0 - np.exp(-self.cumulative_hazard(h) * rel) for h in hs}

    def survival_curve(self, X: pd.DataFrame, days) -> np.ndarray:
        """Mean probability of not yet placed at each day, over the rows of ``X``."""
        rel = np.exp(self.predict_risk(X))
        lam = self.cumulative_hazard(days)
        return np.array([np.exp(-la * rel).mean() for la in lam])

    def score(self, X: pd.DataFrame, duration, event) -> float:
        """Concordance index on held-out data."""
        return concordance_index(
            np.round(np.asarray(duration, dtype=float)), event, self.predict_risk(X)
        )

    def to_dict(self) -> dict[str, Any]:
        self._check()
        return {
            "kind": "timing",
            "params": {
                "columns": self.columns,
                "horizons": list(self.horizons),
                "solver": self.solver,
            },
            "feature_columns": list(self.columns_),
            "features": self.features_.to_dict(),
            "keep": self.keep_.astype(int).tolist(),
            "coef": self.coef_.tolist(),
            "baseline_times": self.baseline_times_.tolist(),
            "baseline_cumhaz": self.baseline_cumhaz_.tolist(),
            "n_events": self.n_events_,
            "n_obs": self.n_obs_,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TimingModel:
        p = data["params"]
        model = cls(columns=p["columns"], horizons=tuple(p["horizons"]), solver=p["solver"])
        model.columns_ = list(data["feature_columns"])
        model.features_ = Preprocessor.from_dict(data["features"])
        model.keep_ = np.asarray(data["keep"], dtype=bool)
        model.design_names_ = [
            n for n, k in zip(model.features_.feature_names_, model.keep_, strict=True) if k
        ]
        model.coef_ = np.asarray(data["coef"], dtype=float)
        model.baseline_times_ = np.asarray(data["baseline_times"], dtype=float)
        model.baseline_cumhaz_ = np.asarray(data["baseline_cumhaz"], dtype=float)
        model.n_events_ = int(data["n_events"])
        model.n_obs_ = int(data["n_obs"])
        return model
