r"""Fitting the scorer's terms: main effects, chosen pairs, out-of-fold predictions.

:func:`fit_additive` runs, on the training rows' cells:

1. **Main effects** of every column, jointly, with one smoothing parameter per column
   estimated by :func:`~leadlever.engine.scoring._additive.fit_joint`. A numeric column
   with few distinct values (counts, period codes) is fitted as an ordered curve or as
   categories, whichever has the larger Laplace-approximate marginal likelihood on its
   own (:func:`~leadlever.engine.scoring._additive.block_evidence`).
2. **Pair candidates**: every pair of columns is ranked by FAST on the main-effect
   model's residuals; the best :data:`PAIRS_PER_COLUMN` times the number of columns (at
   most :data:`MAX_PAIR_CANDIDATES`; fewer on small data: one per
   :data:`ROWS_PER_PAIR_CONVERSION` rows of the rarer outcome)
   become candidates, and each is fitted in
   rank order on top of the model so far (its own smoothing parameter estimated),
   as in GA\ :sup:`2`\ M / EBM.
3. **How many pairs**, by ``cv``-fold cross-validation: in each fold the main effects
   are refitted on the training rows (smoothing parameters re-estimated there, warm
   start from the full fit; one fold from scratch, beside the full fit), then the candidates are added in the same order (each
   pair's smoothing kept from the full fit: re-estimated on two thirds of the rows, it
   cost the simulated sessions' true pair its place); the smallest number :math:`K` of pairs whose
   summed held-out deviance is within :data:`PAIR_DEVIANCE_TOL` of the best count wins. The held-out linear predictors of the
   chosen model are the out-of-fold predictions the calibration is fitted on.
   The folds (:mod:`~leadlever.engine.scoring._folds`) run on a second process beside
   step 2 where that is safe, with the same result to the last bit.
4. **Purification and centring**: each chosen pair's table gives its weighted margins
   to the two main effects; each main effect is centred on its training mean (the
   intercept takes the rest), so a term's contribution is measured against the
   average lead. The linear predictor is unchanged by both steps.

Cells come from every row's features (no outcomes) and the pair ranking from the
full-data model; the folds re-estimate every coefficient and the main effects'
smoothing, not those choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from scipy.linalg import cho_factor

from leadlever.engine.scoring._additive import fit_joint
from leadlever.engine.scoring._block import block_evidence, fit_block, term_penalty
from leadlever.engine.scoring._folds import cross_validate, send_full, send_pair, start_folds
from leadlever.engine.scoring._penalised import (
    FitResult,
    inverse_factor,
    offsets,
    sigmoid,
    warn_if_not_converged,
)
from leadlever.engine.scoring._terms import (
    SPLINE_BASIS,
    fast_ranking,
    main_term,
    pair_term,
    purify,
)
from leadlever.engine.stats._cv import stratified_kfold

__all__ = [
    "AdditiveFit",
    "fit_additive",
    "MAX_PAIR_CANDIDATES",
    "PAIRS_PER_COLUMN",
    "PAIR_DEVIANCE_TOL",
    "ROWS_PER_PAIR_CONVERSION",
    "SPLINE_EVIDENCE_MARGIN",
]

#: at most this many pair candidates per column are tried ...: 1.5 gave the same 5-fold
#: AUC within +-0.0001 as 2 on eight data sets (both bank-marketing sets, Hillstrom, the
#: simulated sessions, the online shoppers, the education leads twice, a retail set) for
#: 10-15 % less fit time; 1 lost 0.0010 on the education leads
PAIRS_PER_COLUMN = 1.5
#: ... and never more than this many in all (wide exports)
MAX_PAIR_CANDIDATES = 60
#: one pair candidate per this many rows of the rarer outcome (small data: fewer pairs)
ROWS_PER_PAIR_CONVERSION = 40
#: a smooth main effect keeps one value per cell only when that has a log evidence larger
#: than its P-spline's by more than this (a Bayes factor of e^3 = 20, "strong"): bank
#: marketing's period codes (consumer price index -469, euribor -238) and day of the
#: month (-41) keep their cells; the online shoppers' and simulated sessions' smooth
#: columns were within -6..+20 of it (and the P-spline costs a fifth of the cells)
SPLINE_EVIDENCE_MARGIN = 3.0
#: the fewest pairs whose summed held-out deviance is within this of the best count win
#: (2 = the deviance one more parameter must save under AIC)
PAIR_DEVIANCE_TOL = 2.0


@dataclass
class AdditiveFit:
    """Fitted terms, out-of-fold linear predictors and what was chosen on the way."""

    intercept: float
    mains: list[dict[str, Any]]
    pairs: list[dict[str, Any]]
    oof_eta: np.ndarray
    choices: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _main_terms(infos, cells, y, monotone):
    """Every column's main-effect term, and what the evidence chose for some of them.

    A smooth over more than :data:`~leadlever.engine.scoring._terms.SPLINE_BASIS` cells
    is a P-spline unless one value per cell has a log evidence larger by more than
    :data:`SPLINE_EVIDENCE_MARGIN` (period codes, days of the month: a jagged curve); a
    numeric column with few distinct values is then an ordered curve or categories,
    whichever has the larger evidence. The evidences
    (:func:`~leadlever.engine.scoring._block.block_evidence`) are of each column on its
    own, on one weighted row per cell."""
    base = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    offset = np.full(len(y), np.log(base / (1 - base)))
    terms, choices = [], {}
    for info, codes in zip(infos, cells, strict=True):
        name = info["name"]
        direction = int(monotone.get(name, 0))
        if info["kind"] in ("categorical", "binary"):
            terms.append((main_term(info, codes, "ridge", direction), "ridge"))
            continue
        evidence = {}
        smooth = main_term(info, codes, "smooth", direction, spline=True)
        if smooth.basis is not None:
            evidence["spline"] = block_evidence(smooth, y, offset)
            cell_curve = main_term(info, codes, "smooth", direction)
            evidence["cells"] = block_evidence(cell_curve, y, offset)
            if evidence["cells"] > evidence["spline"] + SPLINE_EVIDENCE_MARGIN:
                smooth = cell_curve
        penalty, term = "smooth", smooth
        if info.get("few_levels") and info["missing_cell"] >= 3 and not direction:
            ridge = main_term(info, codes, "ridge")
            evidence["ridge"] = block_evidence(ridge, y, offset)
            chosen = "spline" if smooth.basis is not None else "cells"
            if chosen not in evidence:
                evidence[chosen] = block_evidence(smooth, y, offset)
            evidence["smooth"] = evidence[chosen]
            if evidence["ridge"] > evidence["smooth"]:
                penalty, term = "ridge", ridge
        if evidence:
            choices[name] = {"penalty": penalty, "log_evidence": evidence}
        terms.append((term, penalty))
    return terms, choices


def _n_candidates(y: np.ndarray, interactions: int | str, n_columns: int) -> int:
    if interactions != "auto":
        return int(interactions)
    rarer = int(min(y.sum(), len(y) - y.sum()))
    most = min(PAIRS_PER_COLUMN * n_columns, MAX_PAIR_CANDIDATES)
    return int(min(most, rarer // ROWS_PER_PAIR_CONVERSION))


def fit_additive(
    infos: list[dict],
    cells: list[np.ndarray],
    y: np.ndarray,
    *,
    interactions: int | str = "auto",
    monotone: dict[str, int] | None = None,
    cv: int = 3,
    random_state: int = 0,
    workers: int = 1,
) -> AdditiveFit:
    """Fit main effects and pairs on cells; see the module docstring for the steps."""
    y = np.asarray(y, dtype=float)
    monotone = dict(monotone or {})
    built, penalty_choices = _main_terms(infos, cells, y, monotone)
    mains = [t for t, _ in built]
    folds = stratified_kfold(y.astype(np.int64), cv, seed=random_state)
    # the folds' main effects do not depend on the pairs: a second process refits them
    # (one from scratch while this one fits all rows, the others from that fit) while
    # this one fits the pairs on all rows
    job = start_folds(infos, cells, mains, y, folds, workers)
    try:
        full = fit_joint(mains, y)
        converged = [full.converged]
        send_full(job, full)
        pairs = _fit_pairs(infos, cells, y, full, interactions, converged, job)
        choose = partial(_pair_count, interactions=interactions)
        oof_eta, deviance, fold_converged, k = cross_validate(
            mains, pairs, full, y, folds, choose, job
        )
    finally:
        if job is not None:  # (already closed after its answer: ends it on an error here)
            job.close(kill=True)
    converged += fold_converged
    warnings = warn_if_not_converged("Fitting the conversion model", converged)
    fit = _finalise(infos, cells, mains, built, full, pairs[:k], y)
    fit.oof_eta = oof_eta
    fit.warnings = warnings
    fit.choices = {
        "penalties": penalty_choices,
        "candidates": [
            {"columns": [infos[c["a"]]["name"], infos[c["b"]]["name"]], "fast_gain": c["gain"]}
            for c in pairs
        ],
        "cv_deviance": deviance.sum(axis=0).tolist(),
        "n_pairs": k,
        "mode": "cross-validated" if interactions == "auto" else "fixed",
        "iterations": full.n_iter,
    }
    return fit


def _pair_count(deviance: np.ndarray, interactions: int | str) -> int:
    """The fewest pairs whose summed held-out deviance (``deviance``: folds x 0..K pairs)
    is within :data:`PAIR_DEVIANCE_TOL` of the best count; all of them for a fixed
    number."""
    if interactions != "auto":
        return deviance.shape[1] - 1
    total = deviance.sum(axis=0)
    return int(np.flatnonzero(total <= total.min() + PAIR_DEVIANCE_TOL)[0])


def _fit_pairs(infos, cells, y, full: FitResult, interactions, converged, job) -> list[dict]:
    """The pair candidates, ranked on the main-effect model's residuals (FAST), each
    fitted in rank order on top of the model so far with its own smoothing (and sent to
    the folds' ``job``, if any, as soon as it is)."""
    p = sigmoid(full.eta)
    n_cand = _n_candidates(y, interactions, len(infos))
    ranking = fast_ranking(infos, cells, y - p, p * (1 - p)) if n_cand > 0 else []
    candidates = [r for r in ranking if r[0] > 0][:n_cand]
    pairs, eta = [], full.eta.copy()
    for gain, first, second in candidates:
        a, b = min(first, second), max(first, second)  # the table's column order
        term, layout = pair_term(infos[a], cells[a], infos[b], cells[b])
        # smoothing starts where the earlier pairs' ended (fewer Fellner-Schall steps)
        start_lam = np.exp(np.mean([np.log(q["lam"]) for q in pairs])) if pairs else None
        beta, lam, ok, A = fit_block(term, y, eta, lam=start_lam)
        converged.append(ok)
        # edf = tr(A^-1 H), H = diag(h) the binomial weights per cell at the fit
        h = np.diagonal(A) - np.diagonal(term_penalty(term, lam))
        R = inverse_factor(cho_factor(A))  # A^-1 = R R^T
        edf = float(np.einsum("ij,ij->i", R, R) @ h)
        eta = eta + beta[term.codes]
        pairs.append(
            {"term": term, "layout": layout, "beta": beta, "lam": lam, "a": a, "b": b, "edf": edf}
        )
        pairs[-1]["gain"] = gain
        send_pair(job, pairs[-1])
    return pairs


def _finalise(infos, cells, mains, built, full: FitResult, pairs, y) -> AdditiveFit:
    """Purify the pairs into the main effects, centre the main effects, attach bands."""
    values = [c.copy() for c in full.coefs]
    intercept = full.intercept
    out_pairs = []
    for pair in pairs:
        a, b = pair["a"], pair["b"]
        na, nb = pair["layout"]["shape"]
        table = pair["beta"].reshape(na, nb)
        weight = np.bincount(pair["term"].codes, minlength=na * nb).reshape(na, nb)
        pure, rows, cols = purify(table, weight)
        map_a, map_b = (np.asarray(m) for m in pair["layout"]["maps"])
        values[a] += rows[map_a]
        values[b] += cols[map_b]
        out_pairs.append(
            {
                "columns": [infos[a]["name"], infos[b]["name"]],
                "index": [a, b],
                "maps": pair["layout"]["maps"],
                "shape": [na, nb],
                "values": pure.ravel(),
                "counts": weight.ravel().tolist(),
                "lambda": [float(v) for v in pair["lam"]],
                "edf": pair["edf"],
                "fast_gain": float(pair["gain"]),
            }
        )
    out_mains = []
    off = offsets(mains)
    influence = np.einsum("ij,ji->i", full.cov, full.hessian)  # diag(V H): edf per coefficient
    for k, ((term, penalty), info) in enumerate(zip(built, infos, strict=True)):
        counts = np.bincount(cells[k], minlength=term.size).astype(float)
        share = counts / counts.sum()
        centre = float(share @ values[k])
        centred = values[k] - centre
        intercept += centre
        # cells no training row fell in (unseen categories, no missing values) = average lead
        empty = (counts == 0) & ~np.asarray(info["chain"], dtype=bool)
        centred[empty] = 0.0
        sl = slice(off[k], off[k + 1])
        V = full.cov[sl, sl] if term.basis is None else term.basis @ full.cov[sl, sl] @ term.basis.T
        C = np.eye(term.size) - share[None, :]
        se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", C, V, C), 0.0))
        se[empty] = 0.0
        out_mains.append(
            {
                "column": info["name"],
                "penalty": penalty,
                "lambda": float(full.lam[k]),
                "edf": float(influence[sl].sum()),
                "monotone": int(term.monotone),
                "splines": None if term.basis is None else SPLINE_BASIS,
                "values": centred,
                "se": se,
            }
        )
    return AdditiveFit(intercept=intercept, mains=out_mains, pairs=out_pairs, oof_eta=np.empty(0))
