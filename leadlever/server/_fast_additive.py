r"""The additive conversion model on plain lead records: cells, term tables, log-odds.

:class:`AdditiveScorer` is compiled once per model version from a fitted
:class:`~leadlever.engine.scoring.ConversionModel`'s persisted state (``preprocessor_``,
``bins_``, ``mains_``, ``pairs_``, ``intercept_``). For each lead it finds every column's
cell as :func:`leadlever.engine.features._binning._cells_of_raw` does

numeric, date
    :math:`c(x) = \#\{j: t_j \le x\}` over the cell thresholds (values beyond the
    training range fall in the first or last cell); missing, unreadable, sentinel or
    infinite values: the ``missing`` cell;
binary
    ``1`` for a value of 1, else ``0``; missing: the ``missing`` cell;
categorical
    the level's index; unseen levels: ``other`` when the plan has it, else the
    ``unseen`` cell; empty and missing cells: the ``missing`` level when the plan has
    it, else the same fallback (text sentinels are read as levels, as in the library);

then looks up every main-effect table and every pair table (each column's cell mapped
to its coarse group, :math:`g_{ab}[m_a(c_a)\,n_b + m_b(c_b)]`), and sums
:math:`\eta = \beta_0 + \sum_c r_c + \sum_{(a,b)} r_{ab}` in the order and with the
operations of :func:`~leadlever.engine.scoring._term_scoring.evaluate_terms`, so
:math:`\eta` and every contribution are the library's to the last bit on the same raw
values. The raw values are read by :class:`~leadlever.server._fast_terms.PlanReader`.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from leadlever.server._fast_terms import SCALAR_MAX, PlanReader, RawValues

__all__ = ["AdditiveScorer", "additive_structure_ok"]

#: column kinds whose cells this module finds
KINDS = ("numeric", "date", "binary", "categorical")
#: calibration maps applied by the library's own ``Calibrator.predict``
CALIBRATIONS = ("platt", "isotonic", "none")


def additive_structure_ok(model: Any) -> bool:
    """Whether ``model`` has exactly the structure :class:`AdditiveScorer` reads.

    One cell plan and one main effect per preprocessor plan, in the same order; kinds in
    :data:`KINDS`; a categorical column's cells are its plan's levels plus ``unseen`` and
    ``missing``; every table has one value per cell (pairs: per group pair, with one
    group per cell of each column); a calibration in :data:`CALIBRATIONS`.
    """
    try:
        plans, bins, mains = model.preprocessor_.plans_, model.bins_, model.mains_
        if not (len(plans) == len(bins) == len(mains)):
            return False
        for plan, info, main in zip(plans, bins, mains, strict=True):
            kind = info["kind"]
            if kind not in KINDS or plan["kind"] != kind:
                return False
            if not (plan["name"] == info["name"] == main["column"]):
                return False
            n = int(info["n_cells"])
            if len(main["values"]) != n or int(info["missing_cell"]) != n - 1:
                return False
            if kind == "categorical" and list(info["levels"]) != [*plan["levels"], "unseen"]:
                return False
            if kind == "binary" and n != 3:
                return False
            if kind in ("numeric", "date") and len(info["thresholds"]) != n - 2:
                return False
        for pair in model.pairs_:
            a, b = (int(i) for i in pair["index"])
            na, nb = (int(s) for s in pair["shape"])
            maps = [np.asarray(m) for m in pair["maps"]]
            if [mains[a]["column"], mains[b]["column"]] != list(pair["columns"]):
                return False
            if len(pair["values"]) != na * nb:
                return False
            if len(maps[0]) != bins[a]["n_cells"] or len(maps[1]) != bins[b]["n_cells"]:
                return False
            if maps[0].max() >= na or maps[1].max() >= nb or min(maps[0].min(), maps[1].min()) < 0:
                return False
        return model.calibrator_.method_ in CALIBRATIONS and np.isfinite(model.intercept_)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        return False


@dataclass(frozen=True)
class _Column:
    """One column's cell rule and main-effect table."""

    reader: PlanReader
    kind: str
    missing_cell: int
    thresholds: np.ndarray
    values: np.ndarray
    #: the thresholds as Python floats (``bisect_right`` is ``searchsorted(side="right")``)
    edges: list[float] = field(default_factory=list)

    def cells(self, raw: RawValues) -> np.ndarray:
        """The cell of every record (``_cells_of_raw``; for a few records, the same rule
        on Python floats, where numpy's per-call cost would dominate)."""
        values = raw.get(self.reader)
        if self.kind == "categorical":
            return values
        if raw.n <= SCALAR_MAX:
            return np.array([self._cell(v) for v in values.tolist()], dtype=np.int64)
        missing = ~np.isfinite(values)
        if self.kind == "binary":
            cells = np.where(values == 1.0, 1, 0)
        else:
            cells = np.searchsorted(self.thresholds, np.where(missing, 0.0, values), side="right")
        return np.where(missing, self.missing_cell, cells).astype(np.int64)

    def _cell(self, v: float) -> int:
        if not math.isfinite(v):
            return self.missing_cell
        if self.kind == "binary":
            return 1 if v == 1.0 else 0
        return bisect_right(self.edges, v)


@dataclass(frozen=True)
class _Pair:
    """One pair term: the two columns, their cell -> group maps and the table."""

    a: int
    b: int
    map_a: np.ndarray
    map_b: np.ndarray
    nb: int
    values: np.ndarray


class AdditiveScorer:
    """:math:`\\eta` and the term contributions of a few leads given as records.

    Parameters
    ----------
    model : ConversionModel
        Fitted, with :func:`additive_structure_ok` true.
    """

    def __init__(self, model: Any) -> None:
        pre = model.preprocessor_
        self.model = model
        self.intercept = float(model.intercept_)
        self.columns: list[_Column] = []
        for plan, info, main in zip(pre.plans_, model.bins_, model.mains_, strict=True):
            unseen = len(info["levels"]) - 1 if info["kind"] == "categorical" else None
            self.columns.append(
                _Column(
                    reader=PlanReader.of(pre, plan, unseen=unseen),
                    kind=info["kind"],
                    missing_cell=int(info["missing_cell"]),
                    thresholds=np.asarray(info.get("thresholds", []), dtype=float),
                    values=np.asarray(main["values"], dtype=float),
                    edges=[float(x) for x in info.get("thresholds", [])],
                )
            )
        self.pairs = [
            _Pair(
                a=int(p["index"][0]),
                b=int(p["index"][1]),
                map_a=np.asarray(p["maps"][0], dtype=np.int64),
                map_b=np.asarray(p["maps"][1], dtype=np.int64),
                nb=int(p["shape"][1]),
                values=np.asarray(p["values"], dtype=float),
            )
            for p in model.pairs_
        ]
        self.names = [c.reader.plan["name"] for c in self.columns]
        self.n_terms = len(self.columns) + len(self.pairs)

    def __call__(self, raw: RawValues) -> tuple[np.ndarray, np.ndarray]:
        """``(eta, contributions)``: the log-odds of every record and its ``n x terms``
        matrix of term contributions (main effects, then pairs, as ``term_names``)."""
        n = raw.n
        contrib = np.empty((n, self.n_terms))
        eta = np.full(n, self.intercept)
        cells = []
        for k, column in enumerate(self.columns):
            c = column.cells(raw)
            cells.append(c)
            part = column.values[c]
            eta += part
            contrib[:, k] = part
        for j, pair in enumerate(self.pairs, start=len(self.columns)):
            part = pair.values[pair.map_a[cells[pair.a]] * pair.nb + pair.map_b[cells[pair.b]]]
            eta += part
            contrib[:, j] = part
        return eta, contrib
