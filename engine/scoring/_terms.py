r"""Terms of the additive scorer: penalties, pair tables, FAST ranking, purification.

Main effect of a column
    one value per cell. ``smooth``: second differences along the chain of ordered
    cells, :math:`S = D_2^\top D_2` (spikes and the missing cell are left free, so a
    zero-inflated column keeps its jump at 0); ``ridge``: :math:`S = I` (categories,
    and few-level integers whose levels behave like categories).
Pair term of two columns
    one value per cell of a small table over coarse groups of both columns' cells
    (at most :data:`MAX_PAIR_CELLS`; a category keeps its most frequent levels), with
    first differences along ordered axes plus a ridge,
    :math:`S = K_a \otimes I + I \otimes K_b + I`: a low-rank surface that shrinks
    towards "no interaction".

Pairs are ranked by FAST (Lou, Caruana, Gehrke & Hooker 2013): on the main-effect
model's gradient :math:`g_i = y_i - p_i` and Hessian :math:`h_i = p_i(1-p_i)`, the
best four-quadrant split of the pair's 2-D histogram (one cut per axis, categories
ordered by their mean residual) improves the log-likelihood by about

.. math::
    \tfrac12\Big(\sum_{q=1}^4 G_q^2/H_q - G^2/H\Big).

Purification (Lengerich et al. 2020) moves a pair table's weighted row and column
means into the two main effects (iterated until the table's weighted margins are 0),
so a pair term holds only what neither column explains alone; predictions are
unchanged.
"""

from __future__ import annotations

import numpy as np

from leadlever.engine.features._binning import coarse_map
from leadlever.engine.scoring._penalised import Term

__all__ = [
    "MAX_PAIR_CELLS",
    "FAST_GROUPS",
    "difference_penalty",
    "main_term",
    "pair_layout",
    "pair_term",
    "fast_ranking",
    "purify",
]

#: most cells a pair table may have (dense solves stay about a millisecond)
MAX_PAIR_CELLS = 256
#: groups per column in the FAST ranking's 2-D histograms
FAST_GROUPS = 16
#: a FAST quadrant needs at least this much binomial weight (sum of p(1-p))
MIN_QUADRANT_WEIGHT = 1.0
#: purification stops when no weighted margin exceeds this (log-odds)
PURIFY_TOL = 1e-10


def difference_penalty(chain: np.ndarray, order: int) -> np.ndarray:
    """:math:`D^\\top D` of ``order``-th differences along the ``chain`` cells (others 0)."""
    chain = np.asarray(chain, dtype=bool)
    S = np.zeros((len(chain), len(chain)))
    links = np.flatnonzero(chain)
    order = min(order, len(links) - 1)
    if order >= 1:
        D = np.diff(np.eye(len(links)), order, axis=0)
        S[np.ix_(links, links)] = D.T @ D
    return S


def main_term(info: dict, codes: np.ndarray, penalty: str, monotone: int = 0) -> Term:
    """The :class:`Term` of one column's main effect (``penalty``: smooth or ridge)."""
    n = info["n_cells"]
    if penalty == "smooth":
        S = difference_penalty(np.asarray(info["chain"]), 2)
    else:
        S = np.eye(n)
        S[info["missing_cell"], info["missing_cell"]] = 0.0
    order = np.arange(info["missing_cell"]) if monotone else np.empty(0, dtype=np.int64)
    return Term(codes=codes, size=n, penalty=S, monotone=int(monotone), order=order)


def pair_layout(info_a: dict, info_b: dict) -> tuple[int, int]:
    """Groups per axis of a pair table: a small category keeps all its levels, the other
    axis gets what :data:`MAX_PAIR_CELLS` leaves."""

    def levels(info):
        return info["n_cells"] - 2 if info["kind"] == "categorical" else None

    la, lb = levels(info_a), levels(info_b)
    side = int(np.sqrt(MAX_PAIR_CELLS))
    if la is not None and la <= 24 and (lb is None or la <= lb):
        return la + 1, max(MAX_PAIR_CELLS // (la + 1), 2)
    if lb is not None and lb <= 24:
        return max(MAX_PAIR_CELLS // (lb + 1), 2), lb + 1
    return side, side


def pair_term(
    info_a: dict, codes_a: np.ndarray, info_b: dict, codes_b: np.ndarray
) -> tuple[Term, dict]:
    """The :class:`Term` of a pair and its layout (``maps``, ``shape``) for scoring."""
    ga, gb = pair_layout(info_a, info_b)
    map_a, chain_a = coarse_map(info_a, ga)
    map_b, chain_b = coarse_map(info_b, gb)
    na, nb = len(chain_a), len(chain_b)
    S = (
        np.kron(difference_penalty(chain_a, 1), np.eye(nb))
        + np.kron(np.eye(na), difference_penalty(chain_b, 1))
        + np.eye(na * nb)
    )
    codes = map_a[codes_a].astype(np.int64) * nb + map_b[codes_b]
    layout = {"maps": [map_a.tolist(), map_b.tolist()], "shape": [na, nb]}
    return Term(codes=codes, size=na * nb, penalty=S), layout


def _ordered_groups(codes: np.ndarray, n: int, g: np.ndarray, h: np.ndarray, ordered: bool):
    """Groups renumbered so that a cut is meaningful: categories by mean residual."""
    if ordered:
        return codes, n
    G = np.bincount(codes, g, n)
    H = np.bincount(codes, h, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(H > 0, G / H, 0.0)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(mean, kind="stable")] = np.arange(n)
    return rank[codes], n


def fast_ranking(
    infos: list[dict], cells: list[np.ndarray], g: np.ndarray, h: np.ndarray
) -> list[tuple[float, int, int]]:
    """``[(gain, a, b)]`` for every pair of columns, largest FAST gain first."""
    grouped = []
    for info, c in zip(infos, cells, strict=True):
        mapping, _ = coarse_map(info, FAST_GROUPS)
        n = int(mapping.max()) + 1
        grouped.append(
            _ordered_groups(mapping[c], n, g, h, ordered=info["kind"] in ("numeric", "date"))
        )
    G0, H0 = float(g.sum()), float(h.sum())
    base = G0 * G0 / H0 if H0 > 0 else 0.0
    out = []
    for a in range(len(grouped)):
        ca, na = grouped[a]
        for b in range(a):
            cb, nb = grouped[b]
            code = ca * nb + cb
            Gt = np.bincount(code, g, na * nb).reshape(na, nb).cumsum(0).cumsum(1)
            Ht = np.bincount(code, h, na * nb).reshape(na, nb).cumsum(0).cumsum(1)
            if na < 2 or nb < 2:
                out.append((0.0, a, b))
                continue
            q = _quadrants(Gt, Ht, G0, H0)
            ok = np.all([qh >= MIN_QUADRANT_WEIGHT for _, qh in q], axis=0)
            with np.errstate(divide="ignore", invalid="ignore"):
                total = sum(np.where(ok, qg * qg / qh, 0.0) for qg, qh in q)
            gain = 0.5 * (float(np.max(np.where(ok, total, base))) - base)
            out.append((max(gain, 0.0), a, b))
    out.sort(key=lambda t: -t[0])
    return out


def _quadrants(Gt: np.ndarray, Ht: np.ndarray, G0: float, H0: float):
    """Sums of the four quadrants for every (row cut, column cut), from 2-D cumulative sums."""
    g1, h1 = Gt[:-1, :-1], Ht[:-1, :-1]
    gr, hr = Gt[:-1, -1:], Ht[:-1, -1:]
    gc, hc = Gt[-1:, :-1], Ht[-1:, :-1]
    return [
        (g1, h1),
        (gr - g1, hr - h1),
        (gc - g1, hc - h1),
        (G0 - gr - gc + g1, H0 - hr - hc + h1),
    ]


def purify(values: np.ndarray, weights: np.ndarray, max_iter: int = 100):
    """``(pure table, row effects, column effects)``: table = pure + rows + columns,
    with every weighted row and column mean of ``pure`` zero (rows/columns without
    weight are left alone)."""
    pure = np.array(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    rows = np.zeros(pure.shape[0])
    cols = np.zeros(pure.shape[1])
    wr, wc = w.sum(axis=1), w.sum(axis=0)
    for _ in range(max_iter):
        r = np.divide((pure * w).sum(axis=1), wr, out=np.zeros_like(wr), where=wr > 0)
        pure -= r[:, None]
        rows += r
        c = np.divide((pure * w).sum(axis=0), wc, out=np.zeros_like(wc), where=wc > 0)
        pure -= c[None, :]
        cols += c
        if max(np.abs(r).max(initial=0), np.abs(c).max(initial=0)) < PURIFY_TOL:
            break
    return pure, rows, cols
