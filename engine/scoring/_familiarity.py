r"""Category values a fitted model has no estimate of its own for, and the warning they get.

A categorical column's levels are fixed at fit; rare levels are pooled into ``other``.
At scoring, a value that is not one of those levels (a new lead source, a renamed
origin) is scored like the pooled ``other`` level, or like the average lead when the
column had no rare levels, so that column says nothing specific about those leads. A few
such leads are normal (the rare levels of the training data are among them); a share far
above the one at fit means the leads have changed since the model was fitted:

.. math::
    \text{warn} \iff n_u \ge n_{\min} \;\text{and}\; n_u / n > s_{\text{fit}} + m,

with :math:`n_u` the leads with such a value in the column, :math:`s_{\text{fit}}` the
share of training leads in its ``other``/``unseen`` cells, :math:`m` =
:data:`UNFAMILIAR_SHARE_MARGIN` and :math:`n_{\min}` = :data:`UNFAMILIAR_MIN_ROWS`.

Numeric and yes/no columns are compared with the fit as a whole: their training cells are
merged into about :data:`SHIFT_GROUPS` groups of equal training counts (spikes and
missing values apart), and the population stability index

.. math::
    \mathrm{PSI} = \sum_g (a_g - e_g) \ln(a_g / e_g)

of the shares :math:`a_g` now and :math:`e_g` at fit (half a lead added to every group)
above :data:`SHIFT_PSI` on at least :data:`SHIFT_MIN_ROWS` leads gets a warning naming the
group that gained most (a column sent in minutes instead of seconds, a new form that
leaves a field empty). 0.25 is the usual alarm for a major shift; the bar here is higher
because the leads scored (often the open ones) may differ from the closed training leads
for good reasons. Dates are not compared: new leads are younger by nature.

Counts are plain sums (keys ``"unfamiliar_rows"``, ``"unfamiliar:{column}"`` and
``"unfamiliar:{column}:{value}"``), so chunks scored apart, on one machine or on Dask
workers, add up to the counts of the whole file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from leadlever.engine.features._binning import coarse_map, factorized_cells, group_labels
from leadlever.engine.features._levels import _to_text

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.engine.scoring._conversion import ConversionModel

__all__ = [
    "UNFAMILIAR_SHARE_MARGIN",
    "UNFAMILIAR_MIN_ROWS",
    "SHIFT_PSI",
    "unfamiliar_counts",
    "counts_from_factors",
    "unfamiliar_warnings",
    "unfamiliar_values",
]

#: warn when the share of leads with unfamiliar values exceeds the fit's share by this much
UNFAMILIAR_SHARE_MARGIN = 0.02
#: ... and at least this many leads have them
UNFAMILIAR_MIN_ROWS = 10
#: values counted per column and chunk (the most frequent; the row total counts them all)
_VALUES_PER_CHUNK = 20
#: values named in a warning
_VALUES_NAMED = 3
_PREFIX = "unfamiliar:"
_ROWS = "unfamiliar_rows"
#: a numeric column's shift (population stability index) above this gets a warning
SHIFT_PSI = 1.0
#: ... on at least this many leads (the index of n leads in g groups is about (g - 1) / n
#: by chance alone)
SHIFT_MIN_ROWS = 200
#: training cells are merged into about this many groups of equal counts for the index
SHIFT_GROUPS = 10
_CELLS = "cells:"
#: texts the levels give missing or pooled values: never "unfamiliar" themselves
_PSEUDO_LEVELS = frozenset({"missing", "other"})


def _categorical_plans(model: Any) -> list[dict[str, Any]]:
    return [p for p in model.preprocessor_.plans_ if p["kind"] == "categorical"]


def _counted(model: Any) -> bool:
    """Only a fitted additive model has the cells the counts are read against."""
    return hasattr(model, "bins_") and hasattr(model, "preprocessor_")


def unfamiliar_counts(model: Any, X: pd.DataFrame) -> dict[str, int]:
    """:func:`counts_from_factors` of ``X``, factorising its columns here (the scoring
    path reuses its own factorisation instead); ``{}`` for a model without cells."""
    if not _counted(model):
        return {}
    names = {p["name"] for p in _categorical_plans(model)} | {
        b["name"] for b in _shift_infos(model)
    }
    factors = {
        b["name"]: factorized_cells(model.preprocessor_, b, X[b["name"]])
        for b in model.bins_
        if b["name"] in names and b["name"] in X.columns
    }
    return counts_from_factors(model, factors, len(X))


def counts_from_factors(
    model: Any,
    factors: Mapping[str, tuple[np.ndarray, np.ndarray, pd.Series]],
    n: int,
    rows: np.ndarray | None = None,
) -> dict[str, int]:
    """Per categorical column, the rows whose value is not a level of the fitted model; per
    numeric or yes/no column, the rows in each group of training cells (module docstring).

    ``factors`` maps a column to ``(row -> distinct value, distinct value -> cell, distinct
    values)``, as :func:`~leadlever.engine.features._binning.factorized_cells` and the
    scoring's :class:`~leadlever.engine.scoring._term_scoring.TermEvaluation` give them.

    Returns
    -------
    dict
        ``"unfamiliar_rows"`` -> ``n``, ``"unfamiliar:{column}"`` -> rows (every column the
        model reads as categories, 0 included), ``"unfamiliar:{column}:{value}"`` -> rows for
        the most frequent such values (empty or missing values are not counted: they have a
        cell of their own), and ``"cells:{column}:{group}"`` -> rows. ``{}`` for a model
        without cells. With ``rows`` (a boolean mask of the ``n`` rows), only those rows are
        counted (the open leads of a scored table), from the same factorisation.
    """
    if not _counted(model):
        return {}
    pre = model.preprocessor_
    keep = None if rows is None else np.asarray(rows, dtype=bool)
    out: dict[str, int] = {_ROWS: n if keep is None else int(keep.sum())}

    def per_value(codes: np.ndarray, size: int) -> np.ndarray:
        return np.bincount(codes if keep is None else codes[keep], minlength=size)

    for plan in _categorical_plans(model):
        name = plan["name"]
        out[f"{_PREFIX}{name}"] = 0
        if name not in factors or not len(factors[name][2]):
            continue
        codes, _, uniques = factors[name]
        text, strange = _strange(pre, plan, uniques)
        if not strange.any():
            continue
        by_value = pd.Series(
            per_value(codes, len(uniques))[strange], index=text[strange].to_numpy()
        )
        by_value = by_value.groupby(level=0).sum().sort_values(ascending=False, kind="stable")
        out[f"{_PREFIX}{name}"] = int(by_value.sum())
        for value, count in by_value.iloc[:_VALUES_PER_CHUNK].items():
            out[f"{_PREFIX}{name}:{value}"] = int(count)
    for info in _shift_infos(model):
        if info["name"] in factors:
            codes, cells, uniques = factors[info["name"]]
            weights = per_value(codes, len(uniques))
            for g, count in enumerate(np.bincount(_groups(info)[cells], weights=weights)):
                if count:
                    out[f"{_CELLS}{info['name']}:{g}"] = int(count)
    return out


def _strange(pre: Any, plan: dict[str, Any], uniques: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The distinct values of a categorical column as text, and which are not levels."""
    distinct = pre._text_sentinels_as_missing(uniques.reset_index(drop=True), str(plan["name"]))
    text = _to_text(pd.Series(np.asarray(distinct, dtype=object)))
    return text, ~text.isin(set(plan["levels"]) | _PSEUDO_LEVELS).to_numpy()


def unfamiliar_values(model: Any, X: pd.DataFrame) -> list[dict[str, str]]:
    """Per row of ``X``, the columns read as categories whose value is not a level of the
    fitted model, with that value as text: ``[{"lead_source": "TikTok"}, {}, ...]``.

    Those values are scored like the pooled ``other`` level (or the average lead), so the
    column says nothing specific about the lead: what :func:`unfamiliar_warnings` counts,
    told lead by lead. Empty or missing values are not listed (they have a cell of their
    own); every row gets ``{}`` for a model without cells.
    """
    out: list[dict[str, str]] = [{} for _ in range(len(X))]
    if not _counted(model):
        return out
    by_name = {b["name"]: b for b in model.bins_}
    for plan in _categorical_plans(model):
        name = plan["name"]
        if name not in X.columns or name not in by_name:
            continue
        rows, _, uniques = factorized_cells(model.preprocessor_, by_name[name], X[name])
        text, strange = _strange(model.preprocessor_, plan, uniques)
        for i in np.flatnonzero(strange[rows]):
            out[i][str(name)] = str(text.iat[rows[i]])
    return out


def _shift_infos(model: Any) -> list[dict[str, Any]]:
    return [b for b in model.bins_ if b["kind"] in ("numeric", "binary")]


def _groups(info: dict[str, Any]) -> np.ndarray:
    """Cell -> group (about :data:`SHIFT_GROUPS` groups of equal training counts)."""
    return coarse_map(info, SHIFT_GROUPS)[0]


def _shift_warning(info: dict[str, Any], counts: Mapping[str, float]) -> str | None:
    groups = _groups(info)
    n_groups = int(groups.max()) + 1
    now = np.array([counts.get(f"{_CELLS}{info['name']}:{g}", 0) for g in range(n_groups)])
    if now.sum() < SHIFT_MIN_ROWS:
        return None
    fit = np.bincount(groups, weights=np.asarray(info["counts"], float), minlength=n_groups)
    a, e = (now + 0.5) / (now.sum() + 0.5 * n_groups), (fit + 0.5) / (fit.sum() + 0.5 * n_groups)
    psi = float(np.sum((a - e) * np.log(a / e)))
    if psi <= SHIFT_PSI:
        return None
    g = int(np.argmax(a - e))
    where = group_labels(info, groups)[g]
    return (
        f"Column '{info['name']}' is distributed unlike the leads the model was fitted on "
        f"(population stability index {psi:.2f}; 0.25 is the usual alarm): {a[g]:.0%} of "
        f"these leads have '{info['name']}' {where}, against {e[g]:.0%} at fit. Check that the column means "
        "the same thing (unit, coding, form) before acting on these scores; refit if it does."
    )


def _fit_share(model: ConversionModel, name: str) -> float:
    """Share of the training leads in the column's ``other`` and ``unseen`` cells."""
    info = next(b for b in model.bins_ if b["name"] == name)
    counts = np.asarray(info["counts"], dtype=float)
    levels = list(info["levels"])
    cells = [levels.index(v) for v in ("other", "unseen") if v in levels]
    return float(counts[cells].sum() / counts.sum()) if counts.sum() else 0.0


def unfamiliar_warnings(model: Any, counts: Mapping[str, float]) -> list[str]:
    """Plain-words warnings for the columns whose unfamiliar share or shift calls for one
    (see the module docstring); ``counts`` as :func:`counts_from_factors` gives them,
    summed over chunks; none for a model without cells."""
    if not _counted(model):
        return []
    out: list[str] = [w for info in _shift_infos(model) if (w := _shift_warning(info, counts))]
    n_rows = int(counts.get(_ROWS, 0))
    if n_rows <= 0:
        return out
    for plan in _categorical_plans(model):
        name = plan["name"]
        n_u = int(counts.get(f"{_PREFIX}{name}", 0))
        share, fit_share = n_u / n_rows, _fit_share(model, name)
        if n_u < UNFAMILIAR_MIN_ROWS or share <= fit_share + UNFAMILIAR_SHARE_MARGIN:
            continue
        prefix = f"{_PREFIX}{name}:"
        values = sorted(
            ((k[len(prefix) :], int(v)) for k, v in counts.items() if k.startswith(prefix)),
            key=lambda kv: (-kv[1], kv[0]),
        )[:_VALUES_NAMED]
        named = ", ".join(f"'{v}' ({n:,})" for v, n in values)
        like = "the pooled 'other' level" if "other" in plan["levels"] else "the average lead"
        out.append(
            f"Column '{name}': {n_u:,} of {n_rows:,} leads ({share:.1%}) have a value the "
            f"model was not fitted on (e.g. {named}); at fit {fit_share:.1%} of the leads "
            f"had one. They are scored like {like}, so this column says nothing specific "
            "about them. Refit (`score fit`) on data that includes these values."
        )
    return out
