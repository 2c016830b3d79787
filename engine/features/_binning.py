r"""Histogram cells for additive models: every column becomes a small integer code.

The cells are learned from the training table on top of the
:class:`~leadlever.engine.features._preprocessing.Preprocessor`'s column types and raw
values (sentinels already mean "missing", dates are ages in days):

numeric, date
    *Spikes* first: a value held by at least ``spike_share`` of the rows (the 0 of a
    zero-inflated "page value", a ``999`` code) gets a cell of its own. The other
    values are cut at up to ``max_bins`` training quantiles, so knots follow the data
    on heavy-tailed columns and never collapse on a spike. A column with at most
    ``max_bins`` distinct values (counts, period codes, few-level integers) gets one
    cell per value. Thresholds :math:`t_1 < \dots < t_m` give the cell
    :math:`c(x) = \#\{j: t_j \le x\}`; a spike :math:`s` is the cell
    :math:`[s, s^+)`.
binary
    cells ``0``, ``1``.
categorical
    the Preprocessor's levels (rare levels pooled into ``other``) plus an ``unseen`` cell.

Every column has a ``missing`` cell (empty, unreadable or sentinel values). Cells of a
numeric column that are neither spikes nor missing form the *chain*: the ordered cells
a smoothness penalty links. Values outside the training range fall in the first or
last cell (the effect is held constant beyond the data).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.engine.features._preprocessing import Preprocessor

__all__ = [
    "SPIKE_SHARE",
    "fit_bins",
    "shared_cap",
    "cell_codes",
    "factorized_cells",
    "coarse_map",
    "cell_labels",
    "group_labels",
]

#: share of rows one value must hold to get a cell of its own (a spike)
SPIKE_SHARE = 0.05
#: at most this many spikes per column (the most frequent values)
MAX_SPIKES = 4


def _numeric_bins(values: np.ndarray, max_bins: int) -> dict[str, Any]:
    finite = values[np.isfinite(values)]
    uniq, counts = np.unique(finite, return_counts=True)
    if len(uniq) <= max_bins:
        return {
            "thresholds": uniq[1:].tolist(),
            "spikes": [],
            "few_levels": True,
            "range": [float(uniq[0]), float(uniq[-1])] if len(uniq) else [0.0, 0.0],
        }
    frequent = np.argsort(-counts, kind="stable")[:MAX_SPIKES]
    spikes = np.sort(uniq[frequent[counts[frequent] >= SPIKE_SHARE * len(finite)]])
    rest = finite[~np.isin(finite, spikes)]
    n_quantile = max(max_bins - len(spikes), 2)
    probs = np.linspace(0.0, 1.0, n_quantile + 1)[1:-1]
    cuts = np.unique(np.quantile(rest, probs)) if rest.size else np.empty(0)
    # a spike s is the cell [s, next float after s); no threshold at or below the smallest
    # value (it would open an empty cell that new, lower values would fall in)
    thresholds = np.unique(np.concatenate([cuts, spikes, np.nextafter(spikes, np.inf)]))
    thresholds = thresholds[thresholds > uniq[0]]
    return {
        "thresholds": thresholds.tolist(),
        "spikes": spikes.tolist(),
        "few_levels": False,
        "range": [float(uniq[0]), float(uniq[-1])],
    }


def _spike_cells(info: dict[str, Any]) -> list[bool]:
    """Which interval cells of a numeric column hold exactly one spike value: those whose
    upper threshold is the next float after a spike."""
    ends = {float(np.nextafter(v, np.inf)) for v in info["spikes"]}
    return [t in ends for t in info["thresholds"]] + [False]


def fit_bins(
    pre: Preprocessor, frame: pd.DataFrame, max_bins: int
) -> tuple[list[dict[str, Any]], list[np.ndarray]]:
    """One cell plan per Preprocessor plan (same order), learned from ``frame``, and the
    cells of ``frame``'s rows.

    Each plan holds ``name``, ``kind``, ``n_cells``, ``missing_cell``, ``chain`` (bool
    per cell: ordered cells a smoothness penalty links), ``counts`` (training rows per
    cell) and, by kind, ``thresholds``/``spikes``/``few_levels``/``range`` or ``levels``.
    """
    out, cells = [], []
    for plan in pre.plans_:
        kind = plan["kind"]
        series = frame[plan["name"]]
        info: dict[str, Any] = {"name": plan["name"], "kind": kind}
        if kind in ("numeric", "date"):
            values = pre.raw_values(plan, series)
            info.update(_numeric_bins(values, max_bins))
            n_interval = len(info["thresholds"]) + 1
            chain = [not spike for spike in _spike_cells(info)]
        elif kind == "binary":
            n_interval, chain = 2, [False, False]
        else:
            info["levels"] = list(plan["levels"]) + ["unseen"]
            n_interval, chain = len(info["levels"]), [False] * len(info["levels"])
        info["n_cells"] = n_interval + 1
        info["missing_cell"] = n_interval
        info["chain"] = chain + [False]
        codes = cell_codes(pre, info, series)
        info["counts"] = np.bincount(codes, minlength=info["n_cells"]).tolist()
        out.append(info)
        cells.append(codes)
    return out, cells


def shared_cap(bins: list[dict[str, Any]], budget: int, floor: int) -> int | None:
    """The largest number of cells per numeric or date column that keeps the cells of all
    columns of ``bins`` (:func:`fit_bins`) within ``budget``, at least ``floor``; ``None``
    when they are within it already."""
    numeric = [b["n_cells"] for b in bins if b["kind"] in ("numeric", "date")]
    other = sum(b["n_cells"] for b in bins) - sum(numeric)
    if other + sum(numeric) <= budget or not numeric:
        return None
    for cap in range(max(numeric), floor, -1):
        if other + sum(min(n, cap) for n in numeric) <= budget:
            return cap
    return floor


def _cells_of_raw(pre: Preprocessor, info: dict[str, Any], uniques: pd.Series) -> np.ndarray:
    """Cell of each distinct value of a column."""
    plan = next(p for p in pre.plans_ if p["name"] == info["name"])
    kind = info["kind"]
    if kind == "categorical":
        codes = pre.category_codes(plan, uniques, unseen=len(info["levels"]) - 1)
        return np.asarray(codes, dtype=np.int64)
    values = pre.raw_values(plan, uniques)
    missing = ~np.isfinite(values)
    if kind == "binary":
        cells = np.where(values == 1.0, 1, 0)
    else:
        thresholds = np.asarray(info["thresholds"], dtype=float)
        cells = np.searchsorted(thresholds, np.where(missing, 0.0, values), side="right")
    return np.where(missing, info["missing_cell"], cells).astype(np.int64)


def factorized_cells(
    pre: Preprocessor, info: dict[str, Any], series: pd.Series
) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """``(row -> distinct value index, distinct value -> cell, distinct values)``.

    Each distinct value is binned once (:func:`pandas.factorize`), which is what makes
    scoring millions of rows fast; reason texts reuse the distinct values.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    distinct = pd.Series(np.asarray(uniques, dtype=object), name=series.name)
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        distinct = pd.Series(uniques, name=series.name)
    return codes, _cells_of_raw(pre, info, distinct), distinct


def cell_codes(pre: Preprocessor, info: dict[str, Any], series: pd.Series) -> np.ndarray:
    """The cell of every row of ``series``."""
    codes, cells, _ = factorized_cells(pre, info, series)
    return cells[codes]


def coarse_map(info: dict[str, Any], max_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Merge a column's cells into at most ``max_groups`` groups for pair terms.

    Chain cells are merged into contiguous groups of about equal training counts;
    spikes and the missing cell keep their own group; categories keep their most
    frequent levels and pool the rest. Returns ``(cell -> group, chain flag per group)``.
    """
    counts = np.asarray(info["counts"], dtype=float)
    chain = np.asarray(info["chain"], dtype=bool)
    n = len(counts)
    if info["kind"] == "categorical":
        order = np.argsort(-counts[:-1], kind="stable")
        keep = np.sort(order[: max(max_groups - 1, 1)])
        mapping = np.full(n, len(keep), dtype=np.int64)
        mapping[keep] = np.arange(len(keep), dtype=np.int64)
        return mapping, np.zeros(len(keep) + 1, dtype=bool)
    links = np.flatnonzero(chain)
    special = np.flatnonzero(~chain)
    n_groups = max(min(max_groups - len(special), len(links)), 1)
    mapping = np.zeros(n, dtype=np.int64)
    if len(links):
        cum = np.cumsum(counts[links])
        total = cum[-1] if cum[-1] > 0 else 1.0
        mid = (cum - counts[links] / 2) / total
        raw = np.minimum((mid * n_groups).astype(np.int64), n_groups - 1)
        _, groups = np.unique(raw, return_inverse=True)
        mapping[links] = groups
        n_chain = int(groups.max()) + 1
    else:
        n_chain = 0
    mapping[special] = n_chain + np.arange(len(special))
    flags = np.r_[np.ones(n_chain, dtype=bool), np.zeros(len(special), dtype=bool)]
    return mapping, flags


def _number(x: float) -> str:
    if not np.isfinite(x):
        return str(x)
    return f"{x:.4g}" if abs(x) < 1e5 else f"{x:,.0f}"


def _edges(info: dict[str, Any]) -> tuple[list[float], list[float]]:
    """Lower and upper value of each interval cell of a numeric column."""
    th = list(info["thresholds"])
    lo, hi = info["range"]
    return [lo, *th], [*th, hi]


def cell_labels(info: dict[str, Any]) -> list[str]:
    """A short label per cell: ``"< 3"``, ``"3 to 7"``, ``"= 0"``, ``"retired"``, ``"missing"``."""
    kind = info["kind"]
    if kind == "categorical":
        return list(info["levels"]) + ["missing"]
    if kind == "binary":
        return ["no", "yes", "missing"]
    lower, upper = _edges(info)
    after_spike = {float(np.nextafter(v, np.inf)): v for v in info["spikes"]}
    spike_cells = _spike_cells(info)
    last = len(lower) - 1
    labels = []
    for k, (left, right) in enumerate(zip(lower, upper, strict=True)):
        if info["few_levels"]:
            labels.append(f"= {_number(left)}")
        elif spike_cells[k]:
            labels.append(f"= {_number(after_spike[right])}")
        elif k == last:
            sign = "> " if left in after_spike else ">= "
            labels.append(sign + _number(after_spike.get(left, left)))
        elif k == 0:
            labels.append(f"< {_number(right)}")
        elif left in after_spike:
            labels.append(f"above {_number(after_spike[left])} to {_number(right)}")
        else:
            labels.append(f"{_number(left)} to {_number(right)}")
    return labels + ["missing"]


def group_labels(info: dict[str, Any], mapping: np.ndarray) -> list[str]:
    """A label per group of :func:`coarse_map`: its cell's label, or the span of its cells."""
    labels = cell_labels(info)
    numeric = info["kind"] in ("numeric", "date")
    lower, upper = _edges(info) if numeric else ([], [])
    out = []
    for g in range(int(np.max(mapping)) + 1):
        members = np.flatnonzero(np.asarray(mapping) == g)
        if len(members) == 1:
            out.append(labels[members[0]])
        elif not numeric:
            out.append("other levels")
        else:
            a, b = members[0], members[-1]
            if info["few_levels"]:
                out.append(f"{_number(lower[a])} to {_number(lower[b])}")
            elif a == 0:
                out.append(f"< {_number(upper[b])}")
            elif b == len(lower) - 1:
                out.append(f">= {_number(lower[a])}")
            else:
                out.append(f"{_number(lower[a])} to {_number(upper[b])}")
    return out
