"""Plain lead records read as the models read them, and the GLMs' linear predictors.

Every model of a qualification bundle reads a lead through
:class:`~leadlever.engine.features.Preprocessor` plans. Here each plan's raw values
(numbers, category codes, yes/no, date ages) are read from the records with the same
rules as :meth:`Preprocessor.raw_values`, once per distinct plan for all models
(:class:`RawValues`). The timing model and the GLMs (effort, value, fit) are linear: a
constant plus one term per plan, :meth:`Preprocessor.plan_contribution`, computed here
with the library's own formula (same operations in the same order, so the result is the
library's to the last bit on the same input). The conversion model's cells and term
tables are in :mod:`._fast_additive`.

A categorical cell that is not text (a number or yes/no where the export had words)
raises :class:`Unsupported`: pandas would give the column a dtype that depends on the
whole batch (``1`` or ``1.0``), so such leads are left to the library's path.

What this reads of a fitted preprocessor: ``plans_`` (each plan's ``name``, ``kind``,
``levels``, ``median``, ``clip``, ``mean``, ``scale``, ``mode``, ``missing_indicator``,
``knots``, ``reference_date``), ``sentinels`` and :meth:`Preprocessor.plan_width`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from leadlever.engine.features._preprocessing import Preprocessor
from leadlever.engine.features._splines import rcs_weights

__all__ = ["PlanReader", "RawValues", "Term", "LinearPredictor", "Unsupported"]

#: the text a categorical plan reads for an empty cell (see ``engine.features._levels._to_text``)
MISSING_LEVEL = "missing"
#: the level unseen categories fall back to when the plan has it
OTHER_LEVEL = "other"
#: up to this many leads, numeric terms are computed lead by lead on Python floats
SCALAR_MAX = 16


class Unsupported(Exception):
    """Records the fast path does not read as the library would (see the module docstring)."""


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _numeric_column(values: Sequence[Any]) -> bool:
    """Whether pandas would give these cells a numeric (or boolean) dtype: some present
    cells, all of them numbers (or booleans)."""
    present = False
    for v in values:
        if v is None:
            continue
        if not isinstance(v, int | float):
            return False
        present = present or v == v  # NaN is missing
    return present


@dataclass(frozen=True)
class PlanReader:
    """How one plan reads its column (compiled once per model version).

    Parameters
    ----------
    plan : dict
        The preprocessor's plan (never modified).
    words, numbers : tuple
        The column's declared text and numeric sentinels (read as missing).
    index : dict, optional
        Level text -> code, for a categorical plan.
    unseen : int, optional
        The code of an unseen level when the plan has no ``other`` level (the additive
        model's ``unseen`` cell); None: the reference level 0.
    key : tuple
        What makes two readers read alike (the cache key of :class:`RawValues`).
    """

    plan: dict[str, Any]
    words: tuple[str, ...] = ()
    numbers: tuple[float, ...] = ()
    index: dict[str, int] | None = None
    unseen: int | None = None
    key: tuple = ()

    @classmethod
    def of(cls, pre: Any, plan: dict[str, Any], unseen: int | None = None) -> PlanReader:
        """The reader of ``plan`` of the fitted preprocessor ``pre``.

        With ``unseen`` (the additive model's cells, :func:`_cells_of_raw`), a categorical
        plan maps unseen levels there and reads declared text sentinels as levels, as
        ``Preprocessor.category_codes`` does.
        """
        declared = pre.sentinels.get(plan["name"], [])
        words = tuple(str(v).strip().lower() for v in declared if isinstance(v, str))
        numbers = tuple(float(v) for v in declared) if plan["kind"] == "numeric" else ()
        index = None
        if plan["kind"] == "categorical":
            index = {str(v): i for i, v in enumerate(plan["levels"])}
            if unseen is not None:
                words = ()
        key = (plan["name"], plan["kind"], tuple(plan.get("levels", ())), words, numbers,
               plan.get("reference_date"), unseen)  # fmt: skip
        return cls(plan, words, numbers, index, unseen, key)

    def read(self, values: list[Any]) -> np.ndarray:
        """:meth:`Preprocessor.raw_values` of the cells ``values``."""
        kind = self.plan["kind"]
        numeric = kind != "categorical" and _numeric_column(values)
        if self.words and not numeric:  # declared text sentinels read as missing
            values = [None if not _is_missing(v) and str(v).strip().lower() in self.words else v
                      for v in values]  # fmt: skip
        if kind == "categorical":
            return self._codes(values)
        if kind == "binary":
            return _binary(values, numeric)
        if kind == "date":
            return _date_ages(self.plan, values)
        if numeric:  # numbers, booleans and missing cells only: float() of each, as _number
            out = np.array([math.nan if v is None else v for v in values], dtype=float)
        else:
            out = np.array([_number(v) for v in values], dtype=float)
        for s in self.numbers:
            out[out == s] = np.nan
        return out

    def _codes(self, values: list[Any]) -> np.ndarray:
        """``Preprocessor.category_codes`` of text cells (others: :class:`Unsupported`)."""
        index = self.index or {}
        fallback = index.get(OTHER_LEVEL, self.unseen or 0)
        missing = index.get(MISSING_LEVEL, fallback)
        codes: dict[Any, int] = {}  # each distinct text looked up once
        out = np.empty(len(values), dtype=np.int64)
        for i, v in enumerate(values):
            if isinstance(v, str):
                code = codes.get(v)
                if code is None:
                    code = codes[v] = index.get(v.strip() or MISSING_LEVEL, fallback)
                out[i] = code
            elif _is_missing(v):
                out[i] = missing
            else:
                raise Unsupported(f"{self.plan['name']}: a category given as {type(v).__name__}")
        return out


class RawValues:
    """Each plan's raw values for a list of records, computed once per distinct plan.

    Parameters
    ----------
    records : list of dict
        The leads; a field a record lacks is a missing value.
    """

    def __init__(self, records: Sequence[dict[str, Any]]) -> None:
        self.records = records
        self.n = len(records)
        self._cache: dict[tuple, np.ndarray] = {}

    def get(self, reader: PlanReader) -> np.ndarray:
        """The raw values ``reader`` reads from every record (read once per reader key)."""
        key = reader.key
        if key not in self._cache:
            name = reader.plan["name"]
            self._cache[key] = reader.read([r.get(name) for r in self.records])
        return self._cache[key]


def _number(v: Any) -> float:
    """``pd.to_numeric(errors="coerce")`` of one cell, as a float."""
    if _is_missing(v):
        return math.nan
    if isinstance(v, bool | int | float):
        return float(v)
    import pandas as pd  # text cells: pandas' own parser decides, as in the library

    return float(pd.to_numeric(pd.Series([v], dtype=object), errors="coerce").astype(float)[0])


def _binary(values: list[Any], numeric: bool) -> np.ndarray:
    from leadlever.engine.io._schema import _FALSE, _TRUE

    if numeric:
        return np.array([_number(v) for v in values], dtype=float)
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if _is_missing(v):
            continue
        text = str(v).strip().lower()
        out[i] = 1.0 if text in _TRUE else 0.0 if text in _FALSE else np.nan
    return out


def _date_ages(plan: dict[str, Any], values: list[Any]) -> np.ndarray:
    """Dates are parsed by pandas exactly as the library does (format inference included)."""
    import pandas as pd

    from leadlever.engine.features._preprocessing import Preprocessor

    return Preprocessor().raw_values(plan, pd.Series(values))


@dataclass(frozen=True)
class Term:
    """One plan's weights in one linear predictor."""

    reader: PlanReader
    w: np.ndarray
    #: a categorical plan's contribution per level code (``np.r_[0.0, w]``)
    table: np.ndarray | None = None
    #: a numeric plan's spline weights per knot (:func:`rcs_weights`)
    spline: tuple[float, ...] = ()

    @classmethod
    def of(cls, reader: PlanReader, w: np.ndarray) -> Term:
        plan = reader.plan
        if plan["kind"] == "categorical":
            return cls(reader, w, np.r_[0.0, w])
        knots = plan.get("knots") or []
        spline = tuple(rcs_weights(knots, w[1 : len(knots) - 1]).tolist()) if knots else ()
        return cls(reader, w, None, spline)

    def contribution(self, raw: RawValues) -> np.ndarray:
        """:meth:`Preprocessor.values_contribution` of the raw values (for a few leads, the
        same operations in the same order lead by lead on Python floats, where numpy's
        per-call cost would dominate)."""
        plan, w = self.reader.plan, self.w
        values = raw.get(self.reader)
        if self.table is not None:
            return self.table[values]
        if raw.n <= SCALAR_MAX:
            return np.array([self._one(v) for v in values.tolist()], dtype=float)
        return Preprocessor.values_contribution(plan, values, w)

    def _one(self, v: float) -> float:
        """The same operations, in the same order, on one value."""
        plan, w = self.reader.plan, self.w
        missing = math.isnan(v)
        if plan["kind"] == "binary":
            out = float(w[0]) * (plan["mode"] if missing else v)
        else:
            lo, hi = plan["clip"]
            filled = min(max(plan["median"] if missing else v, lo), hi)
            out = (float(w[0]) / plan["scale"]) * (filled - plan["mean"])
            if self.spline:
                total = 0.0
                for kk, ck in zip(plan["knots"], self.spline, strict=True):
                    t = max(filled - kk, 0.0)
                    total += ck * (t * t * t)
                out += total
        if plan["missing_indicator"]:
            out += float(w[-1]) * (1.0 if missing else 0.0)
        return out


@dataclass(frozen=True)
class LinearPredictor:
    r"""A GLM's or the timing model's :math:`\eta` as the library sums it (``design_dot``):
    the terms from zero, zero-weight plans skipped, ``intercept`` (if any) added last."""

    terms: tuple[Term, ...]
    intercept: float | None = None

    @classmethod
    def of(cls, pre: Any, w: np.ndarray, *, intercept: float | None = None) -> LinearPredictor:
        """Split the weights ``w`` (one per design column) over the preprocessor's plans."""
        terms, pos = [], 0
        for plan in pre.plans_:
            width = pre.plan_width(plan)
            part = np.asarray(w[pos : pos + width], dtype=float)
            pos += width
            if np.any(part):
                terms.append(Term.of(PlanReader.of(pre, plan), part))
        return cls(tuple(terms), intercept)

    def __call__(self, raw: RawValues) -> np.ndarray:
        r""":math:`\eta` of every record of ``raw``."""
        eta = np.zeros(raw.n)
        for term in self.terms:
            eta += term.contribution(raw)
        return eta if self.intercept is None else self.intercept + eta
