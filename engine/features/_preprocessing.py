"""Turn any CRM export into a numeric design matrix, and back to column names.

:class:`Preprocessor` types every column automatically and learns how to encode
it from the training table; the learned plan is a plain ``dict`` (JSON-safe) so
a model file never needs pickle.

Column kinds
------------
``id``           unique per row (text) or named like an id: excluded, with a notice
``binary``       yes/no, true/false, 1/0 (any case) and booleans -> 0/1
``numeric``      median-imputed plus a missing indicator; declared sentinels are missing;
                 winsorised at the 0.5 % / 99.5 % training quantiles and standardised
``categorical``  text; empty -> level ``"missing"``, rare levels (fewer than
                 ``min_level_count`` rows) and unseen levels -> ``"other"``; one-hot
                 against the most frequent level
``date``         converted to age in days, :math:`a = (t_{ref} - t)` in days, with the
                 training table's latest date as :math:`t_{ref}`, then numeric

A numeric column may get a restricted cubic spline basis (Harrell) with knots
:math:`k_1<\\dots<k_K` at training quantiles:

.. math::
    s_j(x) = \\frac{(x-k_j)_+^3 - (x-k_{K-1})_+^3\\frac{k_K-k_j}{k_K-k_{K-1}}
             + (x-k_K)_+^3\\frac{k_{K-1}-k_j}{k_K-k_{K-1}}}{(k_K-k_1)^2},
    \\quad j = 1..K-2,

linear beyond the outer knots.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import DataError, MissingColumnsError, ParameterError
from leadlever.engine.features._levels import _to_text, level_counts
from leadlever.engine.features._splines import rcs_basis, rcs_combination
from leadlever.engine.io._dates import distinct_text, looks_like_dates
from leadlever.engine.io._formats import ID_NAME_PATTERN
from leadlever.engine.io._lead_schema import is_outcome_column
from leadlever.engine.io._schema import _FALSE, _TRUE, closest_names, require_columns

__all__ = ["Preprocessor", "infer_kind", "ID_NAME_PATTERN"]

logger = logging.getLogger(__name__)


def infer_kind(series: pd.Series, name: str) -> str:
    """Kind of a column: ``id``, ``binary``, ``numeric``, ``categorical``, ``date`` (ISO) or
    ``other date`` (dates in other or mixed formats, which are left out of the features)."""
    n = len(series)
    if ID_NAME_PATTERN.search(str(name)):
        return "id"
    if pd.api.types.is_bool_dtype(series):
        return "binary"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    if pd.api.types.is_numeric_dtype(series):
        values = pd.to_numeric(series, errors="coerce").dropna()
        uniq = np.unique(values.to_numpy(dtype=float))
        if len(uniq) <= 2 and set(uniq.tolist()) <= {0.0, 1.0}:
            return "binary"
        return "numeric"
    text, counts = distinct_text(series)  # distinct stripped cells, rows holding each
    if text.empty:
        return "categorical"
    lower = set(text.str.lower().unique().tolist())
    if len(lower) <= 2 and lower <= (_TRUE | _FALSE):
        return "binary"
    if n >= 20 and len(text) == n:
        return "id"
    iso = text.str.match(r"^\d{4}-\d{2}-\d{2}").to_numpy(dtype=bool)
    if counts[iso].sum() / counts.sum() > 0.95:
        return "date"
    if looks_like_dates(series, text):
        return "other date"  # regional or mixed formats: left out, with a notice
    return "categorical"


def _to_binary(series: pd.Series) -> np.ndarray:
    """0/1 float with NaN for missing or unrecognised values."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype("float").to_numpy()
    if pd.api.types.is_numeric_dtype(series):
        return pd.to_numeric(series, errors="coerce").astype(float).to_numpy()
    text = series.astype("string").str.strip().str.lower()
    out = np.full(len(series), np.nan)
    out[text.isin(_TRUE).fillna(False).to_numpy(dtype=bool)] = 1.0
    out[text.isin(_FALSE).fillna(False).to_numpy(dtype=bool)] = 0.0
    return out


class Preprocessor:
    """Learn a column-by-column encoding from a training table.

    Parameters
    ----------
    drop : sequence of str
        Columns never used as features (e.g. ones that leak the outcome).
    sentinels : dict
        ``{column: [values]}`` declared to mean "missing" (e.g. ``{"pdays": [999]}``).
    min_level_count : int
        Categorical levels seen fewer times are pooled into ``"other"``.
    spline_knots : int
        Knots of the restricted cubic spline basis added to numeric columns with at
        least ``2 * spline_knots`` distinct values (0 = no splines).
    spline_columns : sequence of str, optional
        Only these numeric columns get splines (``None`` = every eligible one).
    """

    def __init__(
        self,
        *,
        drop: tuple[str, ...] | list[str] = (),
        sentinels: dict[str, list[Any]] | None = None,
        min_level_count: int = 10,
        spline_knots: int = 0,
        spline_columns: list[str] | None = None,
    ) -> None:
        self.drop = tuple(drop)
        self.sentinels = dict(sentinels or {})
        self.min_level_count = min_level_count
        self.spline_knots = spline_knots
        self.spline_columns = spline_columns

    # ------------------------------------------------------------------ fit
    def fit(self, frame: pd.DataFrame) -> Preprocessor:
        """Learn the plan of every column of ``frame`` (outcome already removed)."""
        if self.spline_knots not in (0,) and not 3 <= self.spline_knots <= 7:
            raise ParameterError(
                f"The 'spline_knots' parameter of Preprocessor must be 0 or an int in [3, 7]. "
                f"Got {self.spline_knots!r} instead."
            )
        unknown = [c for c in list(self.drop) + list(self.sentinels) if c not in frame.columns]
        if unknown:
            hints = {
                c: (closest_names(c, [str(x) for x in frame.columns]) or [""])[0] for c in unknown
            }
            raise MissingColumnsError(
                "Columns named in --drop or sentinels are not in the table: "
                + ", ".join(
                    f"'{c}'" + (f" (did you mean '{hints[c]}'?)" if hints[c] else "")
                    for c in unknown
                )
                + ". Fix the names or remove them.",
                unknown,
                {k: v for k, v in hints.items() if v},
            )
        plans: list[dict[str, Any]] = []
        excluded: list[str] = []
        other_dates: list[str] = []
        leaking = [
            str(c) for c in frame.columns if c not in self.drop and is_outcome_column(str(c))
        ]
        if leaking:
            msg = (
                f"Excluded outcome and ground-truth column(s) {leaking} from the features: they are "
                "only known after a lead is worked (shared lead vocabulary), so they would leak the "
                "outcome. Rename a column if it really is known when a lead arrives."
            )
            logger.info(msg)
            warnings.warn(msg, UserWarning, stacklevel=2)
        for name in frame.columns:
            if name in self.drop or str(name) in leaking:
                continue
            series = self._text_sentinels_as_missing(frame[name], str(name))
            kind = infer_kind(series, name)
            if kind == "id":
                excluded.append(str(name))
                continue
            if kind == "other date":
                other_dates.append(str(name))
                continue
            plan = getattr(self, f"_fit_{kind}")(series, str(name))
            if plan is not None:
                plans.append(plan)
        if excluded:
            msg = (
                f"Excluded ID-like column(s) {excluded} from the features (unique per row or named "
                "like an id)."
            )
            logger.info(msg)
            warnings.warn(msg, UserWarning, stacklevel=2)
        if other_dates:
            msg = (
                f"Left out date column(s) {other_dates} from the features: they are dates written "
                "in regional or mixed formats (e.g. 2017-03-01 next to 03/01/2017), which a model "
                "would read as one category per day. Export them as ISO dates (2017-03-01) to use "
                "them as features."
            )
            logger.info(msg)
            warnings.warn(msg, UserWarning, stacklevel=2)
        if not plans:
            raise DataError(
                "No usable feature columns remain after excluding ids and dropped columns. "
                "Provide a table with at least one feature column besides the target."
            )
        self.plans_ = plans
        self.excluded_ = excluded
        self.feature_names_, self.feature_source_ = self._names()
        return self

    def _numeric_values(self, series: pd.Series, name: str) -> np.ndarray:
        values = pd.to_numeric(series, errors="coerce").astype(float).to_numpy(copy=True)
        for s in self.sentinels.get(name, []):
            values[values == float(s)] = np.nan
        return values

    def _fit_numeric(
        self, series: pd.Series, name: str, kind: str = "numeric", ref=None
    ) -> dict | None:
        values = self._numeric_values(series, name) if kind == "numeric" else series
        finite = values[np.isfinite(values)]
        if finite.size == 0 or np.ptp(finite) == 0 and not np.isnan(values).any():
            logger.info("Column %r is constant; left out.", name)
            return None
        lo, hi = np.quantile(finite, [0.005, 0.995]).tolist() if finite.size else [0.0, 0.0]
        med = float(np.median(finite)) if finite.size else 0.0
        filled = np.clip(np.where(np.isfinite(values), values, med), lo, hi)
        sd = float(filled.std()) or 1.0
        plan: dict[str, Any] = {
            "name": name,
            "kind": kind,
            "median": med,
            "clip": [lo, hi],
            "mean": float(filled.mean()),
            "scale": sd,
            "missing_indicator": bool(np.isnan(values).any()),
            "quartiles": np.quantile(finite, [0.25, 0.75]).tolist() if finite.size else [0.0, 0.0],
            "knots": [],
        }
        if ref is not None:
            plan["reference_date"] = ref
        eligible = self.spline_columns is None or name in self.spline_columns
        if self.spline_knots and eligible and len(np.unique(finite)) >= 2 * self.spline_knots:
            probs = np.linspace(0.05, 0.95, self.spline_knots)
            knots = np.unique(np.quantile(finite, probs))
            if len(knots) >= 3:
                plan["knots"] = knots.tolist()
        return plan

    def _fit_date(self, series: pd.Series, name: str) -> dict | None:
        dates = pd.to_datetime(series, errors="coerce")
        ref = dates.max()
        if pd.isna(ref):
            return None
        age = (ref - dates).dt.total_seconds().to_numpy(dtype=float) / 86400.0
        return self._fit_numeric(age, name, kind="date", ref=ref.isoformat())

    def _fit_binary(self, series: pd.Series, name: str) -> dict | None:
        values = _to_binary(series)
        finite = values[~np.isnan(values)]
        if finite.size == 0 or np.ptp(finite) == 0:
            return None
        return {
            "name": name,
            "kind": "binary",
            "mode": float(np.round(finite.mean())),
            "missing_indicator": bool(np.isnan(values).any()),
            "mean": float(np.nan_to_num(values, nan=np.round(finite.mean())).mean()),
        }

    def _fit_categorical(self, series: pd.Series, name: str) -> dict | None:
        counts = level_counts(series)
        keep = counts[counts >= self.min_level_count]
        pooled = int(counts[counts < self.min_level_count].sum())
        levels = keep.index.tolist()
        if pooled and "other" not in levels:
            levels.append("other")
        if len(levels) < 2:
            return None
        return {"name": name, "kind": "categorical", "levels": [str(v) for v in levels]}

    def _names(self) -> tuple[list[str], list[str]]:
        names, source = [], []
        for p in self.plans_:
            n = p["name"]
            if p["kind"] in ("numeric", "date"):
                cols = [n] + [f"{n}__spline{j + 1}" for j in range(max(len(p["knots"]) - 2, 0))]
                if p["missing_indicator"]:
                    cols.append(f"{n}__missing")
            elif p["kind"] == "binary":
                cols = [n] + ([f"{n}__missing"] if p["missing_indicator"] else [])
            else:
                cols = [f"{n}={lv}" for lv in p["levels"][1:]]
            names.extend(cols)
            source.extend([n] * len(cols))
        return names, source

    # ------------------------------------------------------------ transform
    def check_columns(self, frame: pd.DataFrame, source: str | None = None) -> None:
        """Raise :class:`MissingColumnsError` when a column the model needs is absent."""
        require_columns(
            frame,
            [p["name"] for p in self.plans_],
            source=source,
            needed_for="that the model was trained on",
            fix="Add them (empty cells are allowed and are treated as missing) or refit the model "
            "without them.",
        )

    def transform(self, frame: pd.DataFrame, source: str | None = None) -> np.ndarray:
        """Design matrix (float64, rows x ``len(feature_names_)``), centred on the training means."""
        self.check_columns(frame, source)
        blocks = [self.values_design(p, self.raw_values(p, frame[p["name"]])) for p in self.plans_]
        return np.column_stack(blocks) if blocks else np.empty((len(frame), 0))

    def _text_sentinels_as_missing(self, series: pd.Series, name: str) -> pd.Series:
        """Text cells equal to a declared sentinel (e.g. ``Specialization=Select``) -> missing."""
        words = [str(v).strip().lower() for v in self.sentinels.get(name, []) if isinstance(v, str)]
        if not words or pd.api.types.is_numeric_dtype(series):
            return series
        text = series.astype("string").str.strip().str.lower()
        return series.mask(text.isin(words).fillna(False).to_numpy(dtype=bool))

    def raw_values(self, plan: dict[str, Any], series: pd.Series) -> np.ndarray:
        """The column's values as the model sees them before scaling (for reason texts)."""
        kind = plan["kind"]
        series = self._text_sentinels_as_missing(series, plan["name"])
        if kind == "numeric":
            return self._numeric_values(series, plan["name"])
        if kind == "date":
            ref = pd.Timestamp(plan["reference_date"])
            dates = pd.to_datetime(series, errors="coerce")
            if getattr(dates.dt, "tz", None) is not None and ref.tzinfo is None:
                ref = ref.tz_localize(dates.dt.tz)
            return (ref - dates).dt.total_seconds().to_numpy(dtype=float) / 86400.0
        if kind == "binary":
            return _to_binary(series)
        return self.category_codes(plan, series)

    def category_codes(
        self, plan: dict[str, Any], series: pd.Series, unseen: int | None = None
    ) -> np.ndarray:
        """Index into ``plan['levels']``; unseen levels -> ``other``, else ``unseen`` if given,
        else the reference level (index 0)."""
        levels = pd.Index(plan["levels"])
        fallback = levels.get_loc("other") if "other" in levels else (unseen or 0)
        missing = levels.get_loc("missing") if "missing" in levels else fallback
        # factorise once, then map the few distinct values (fast on millions of rows)
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        lookup = levels.get_indexer(_to_text(pd.Series(np.asarray(uniques, dtype=object))))
        lookup = np.where(lookup < 0, fallback, lookup).astype(np.int64)
        return np.where(
            codes < 0, missing, lookup[np.maximum(codes, 0)] if len(lookup) else fallback
        )

    def plan_width(self, plan: dict[str, Any]) -> int:
        """Number of design columns a plan produces."""
        if plan["kind"] == "categorical":
            return len(plan["levels"]) - 1
        extra = max(len(plan.get("knots", [])) - 2, 0)
        return 1 + extra + int(plan["missing_indicator"])

    def plan_contribution(
        self, plan: dict[str, Any], series: pd.Series, w: np.ndarray
    ) -> np.ndarray:
        """:math:`\\sum_k w_k x_k` over the plan's design columns, without building them.

        Each distinct value is encoded once and the result gathered back
        (:func:`pandas.factorize`), which is what makes scoring millions of rows fast.
        """
        codes, uniques = pd.factorize(series, use_na_sentinel=False)
        values = self.raw_values(plan, pd.Series(uniques, name=series.name))
        return self.values_contribution(plan, values, w)[codes]

    @staticmethod
    def values_contribution(plan: dict[str, Any], values: np.ndarray, w: np.ndarray) -> np.ndarray:
        """:meth:`plan_contribution` of the plan's raw values (:meth:`raw_values`)."""
        kind = plan["kind"]
        if kind == "categorical":
            return np.r_[0.0, w][values]
        missing = np.isnan(values)
        if kind == "binary":
            out = w[0] * np.where(missing, plan["mode"], values)
        else:
            lo, hi = plan["clip"]
            filled = np.clip(np.where(missing, plan["median"], values), lo, hi)
            out = (w[0] / plan["scale"]) * (filled - plan["mean"])
            if plan["knots"]:
                out += rcs_combination(filled, plan["knots"], w[1 : len(plan["knots"]) - 1])
        if plan["missing_indicator"]:
            out += w[-1] * missing
        return out

    @staticmethod
    def values_design(plan: dict[str, Any], values: np.ndarray) -> np.ndarray:
        """The plan's design columns from its raw values (:meth:`raw_values`)."""
        kind = plan["kind"]
        if kind == "categorical":
            codes = values
            k = len(plan["levels"])
            onehot = np.zeros((len(codes), k - 1))
            rows = np.flatnonzero(codes > 0)
            onehot[rows, codes[rows] - 1] = 1.0
            return onehot
        missing = np.isnan(values)
        if kind == "binary":
            filled = np.where(missing, plan["mode"], values)
            cols = [filled]
        else:
            lo, hi = plan["clip"]
            filled = np.clip(np.where(missing, plan["median"], values), lo, hi)
            z = (filled - plan["mean"]) / plan["scale"]
            cols = [z]
            if plan["knots"]:
                basis = rcs_basis(filled, plan["knots"])
                cols.extend(basis.T)
        if plan["missing_indicator"]:
            cols.append(missing.astype(float))
        return np.column_stack(cols)

    # ------------------------------------------------------------- persist
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe learned state and parameters."""
        return {
            "params": {
                "drop": list(self.drop),
                "sentinels": {k: list(v) for k, v in self.sentinels.items()},
                "min_level_count": self.min_level_count,
                "spline_knots": self.spline_knots,
                "spline_columns": self.spline_columns,
            },
            "plans": self.plans_,
            "excluded": self.excluded_,
            "feature_names": self.feature_names_,
            "feature_source": self.feature_source_,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preprocessor:
        """Rebuild a fitted preprocessor from :meth:`to_dict` output."""
        obj = cls(**data["params"])
        obj.plans_ = data["plans"]
        obj.excluded_ = data["excluded"]
        obj.feature_names_ = list(data["feature_names"])
        obj.feature_source_ = list(data["feature_source"])
        return obj
