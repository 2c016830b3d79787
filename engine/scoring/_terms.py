r"""Terms of the additive scorer: penalties, pair tables, FAST ranking, purification.

Main effect of a column
    one value per cell. ``smooth``: second differences along the chain of ordered
    cells, :math:`S = D_2^\top D_2` (spikes and the missing cell are left free, so a
    zero-inflated column keeps its jump at 0); over more than :data:`SPLINE_BASIS`
    ordered cells, a P-spline: the chain's values are :data:`SPLINE_BASIS` cubic
    B-splines (:func:`spline_basis`) and the same penalty is on their coefficients;
    ``ridge``: :math:`S = I` (categories, and few-level integers whose levels behave like
    categories).
Pair term of two columns
    one value per cell of a small table over coarse groups of both columns' cells
    (at most :data:`MAX_PAIR_CELLS`; a category keeps its most frequent levels), with
    one penalty per axis, :math:`\lambda_a K_a \otimes I + \lambda_b I \otimes K_b` (a
    tensor-product smooth): :math:`K` is second differences along an ordered axis and
    differences from the mean level along a category axis, so the surface is smooth
    where the columns are ordered and shrinks towards "no interaction" elsewhere.

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
    "PAIR_SIDE",
    "FAST_GROUPS",
    "difference_penalty",
    "main_term",
    "spline_basis",
    "SPLINE_BASIS",
    "pair_layout",
    "pair_term",
    "fast_ranking",
    "purify",
]

#: a smooth main effect over more ordered cells than this is this many cubic B-splines
#: (a P-spline: Eilers & Marx 1996): the joint fit's systems shrink with the cube
SPLINE_BASIS = 20
SPLINE_DEGREE = 3
#: most cells a pair table may have (dense solves stay about a millisecond)
MAX_PAIR_CELLS = 256
#: groups per axis of a pair of two ordered columns (or large categories): 12 x 12 = 144
#: cells fit in 0.2-0.4 of a 16 x 16 table's time (dense solves grow with the cube) with
#: the same 5-fold AUC within +-0.0005 on the online shoppers, the simulated sessions,
#: both bank-marketing sets, the education leads and a retail campaign set
PAIR_SIDE = 12
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


def spline_basis(chain: np.ndarray, k: int = SPLINE_BASIS) -> np.ndarray | None:
    r"""Cells x parameters :math:`M` of a P-spline over the ``chain`` cells: ``k`` cubic
    B-splines on equally spaced knots over the chain's positions :math:`0..m-1`, then one
    parameter per other cell (spikes, missing); ``None`` when the chain has at most ``k``
    cells. B-splines reproduce straight lines, so second differences of their
    coefficients leave the same linear trend free as second differences of the cells."""
    from scipy.interpolate import BSpline

    chain = np.asarray(chain, dtype=bool)
    links, others = np.flatnonzero(chain), np.flatnonzero(~chain)
    m = len(links)
    if m <= k:
        return None
    # equally spaced knots, continued beyond both ends (not repeated there), so that the
    # coefficients of a straight line lie on a straight line
    h = (m - 1.0) / (k - SPLINE_DEGREE)
    t = h * np.arange(-SPLINE_DEGREE, k + 1, dtype=float)
    B = BSpline.design_matrix(np.arange(m, dtype=float), t, SPLINE_DEGREE).toarray()
    M = np.zeros((len(chain), k + len(others)))
    M[links, :k] = B
    M[others, k + np.arange(len(others))] = 1.0
    return M


def main_term(
    info: dict, codes: np.ndarray, penalty: str, monotone: int = 0, *, spline: bool = False
) -> Term:
    """The :class:`Term` of one column's main effect (``penalty``: smooth or ridge); with
    ``spline``, a smooth over more than :data:`SPLINE_BASIS` ordered cells is a P-spline
    (:func:`spline_basis`; never a monotone one)."""
    n = info["n_cells"]
    if penalty == "smooth":
        chain = np.asarray(info["chain"], dtype=bool)
        M = spline_basis(chain) if spline and not monotone else None
        if M is not None:
            splines = np.arange(M.shape[1]) < SPLINE_BASIS
            return Term(codes=codes, size=n, penalty=difference_penalty(splines, 2), basis=M)
        S = difference_penalty(chain, 2)
    else:
        S = np.eye(n)
        S[info["missing_cell"], info["missing_cell"]] = 0.0
    order = np.arange(info["missing_cell"]) if monotone else np.empty(0, dtype=np.int64)
    return Term(codes=codes, size=n, penalty=S, monotone=int(monotone), order=order)


def pair_layout(info_a: dict, info_b: dict) -> tuple[int, int]:
    """Groups per axis of a pair table: a small category keeps all its levels, the other
    axis gets what :data:`MAX_PAIR_CELLS` leaves; two other columns get
    :data:`PAIR_SIDE` groups each."""

    def levels(info):
        if info["kind"] == "categorical":
            return info["n_cells"] - 2
        return 2 if info["kind"] == "binary" else None

    la, lb = levels(info_a), levels(info_b)
    if la is not None and la <= 24 and (lb is None or la <= lb):
        return la + 1, max(MAX_PAIR_CELLS // (la + 1), 2)
    if lb is not None and lb <= 24:
        return max(MAX_PAIR_CELLS // (lb + 1), 2), lb + 1
    return PAIR_SIDE, PAIR_SIDE


def pair_term(
    info_a: dict, codes_a: np.ndarray, info_b: dict, codes_b: np.ndarray
) -> tuple[Term, dict]:
    """The :class:`Term` of a pair and its layout (``maps``, ``shape``) for scoring."""
    ga, gb = pair_layout(info_a, info_b)
    map_a, chain_a = coarse_map(info_a, ga)
    map_b, chain_b = coarse_map(info_b, gb)
    na, nb = len(chain_a), len(chain_b)
    K_a, K_b = _axis_penalty(info_a, chain_a), _axis_penalty(info_b, chain_b)
    codes = map_a[codes_a].astype(np.int64) * nb + map_b[codes_b]
    layout = {"maps": [map_a.tolist(), map_b.tolist()], "shape": [na, nb]}
    term = Term(
        codes=codes,
        size=na * nb,
        penalty=np.kron(K_a, np.eye(nb)),
        extra_penalties=(np.kron(np.eye(na), K_b),),
        kron_eigs=(np.linalg.eigvalsh(K_a), np.linalg.eigvalsh(K_b)),
    )
    return term, layout


def _axis_penalty(info: dict, chain: np.ndarray) -> np.ndarray:
    """Along an ordered axis, second differences of the chain groups (a linear trend is
    free; spikes and missing shrink towards 0); along a category axis, differences from
    the mean level."""
    n = len(chain)
    centre = np.eye(n) - np.full((n, n), 1.0 / n)
    if info["kind"] in ("categorical", "binary") or not chain.any():
        return centre
    K = difference_penalty(chain, 2)
    special = ~np.asarray(chain, dtype=bool)
    K[special, special] += 1.0
    return K


def _ordered_groups(codes: np.ndarray, n: int, g: np.ndarray, h: np.ndarray, ordered: bool):
    """Groups renumbered so that a cut is meaningful: categories by mean residual."""
    if ordered:
        return codes, n
    G = np.bincount(codes, g, n)
    H = np.bincount(codes, h, n)
    # empty groups (H = 0) divide by zero; np.where replaces them with 0
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(H > 0, G / H, 0.0)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(mean, kind="stable")] = np.arange(n)
    return rank[codes], n


def fast_ranking(
    infos: list[dict], cells: list[np.ndarray], g: np.ndarray, h: np.ndarray
) -> list[tuple[float, int, int]]:
    """``[(gain, a, b)]`` for every pair of columns, largest FAST gain first."""
    grouped, ordered = [], []
    for info, c in zip(infos, cells, strict=True):
        mapping, _ = coarse_map(info, FAST_GROUPS)
        n = int(mapping.max()) + 1
        is_ordered = info["kind"] in ("numeric", "date")
        grouped.append(_ordered_groups(mapping[c], n, g, h, ordered=is_ordered))
        ordered.append(is_ordered)
    G0, H0 = float(g.sum()), float(h.sum())
    base = G0 * G0 / H0 if H0 > 0 else 0.0
    out = []
    for a in range(len(grouped)):
        for b in range(a):
            # a category goes on the rows: its levels are re-ordered for every column cut
            r, c = (b, a) if ordered[a] and not ordered[b] else (a, b)
            (cr, nr), (cc, nc) = grouped[r], grouped[c]
            if nr < 2 or nc < 2:
                out.append((0.0, a, b))
                continue
            G = np.bincount(cr * nc + cc, g, nr * nc).reshape(nr, nc)
            H = np.bincount(cr * nc + cc, h, nr * nc).reshape(nr, nc)
            total = _split_gains(G, H, reorder=not ordered[r])
            gain = 0.5 * (float(np.max(total, initial=base)) - base)
            out.append((max(gain, 0.0), a, b))
    out.sort(key=lambda t: -t[0])
    return out


def _split_gains(G: np.ndarray, H: np.ndarray, reorder: bool) -> np.ndarray:
    r""":math:`\sum_q G_q^2/H_q` for every (row cut, column cut) of a 2-D histogram.

    With ``reorder`` (categories on the rows) the rows are sorted, for each column cut,
    by the contrast of their mean residual left and right of the cut, the order in
    which the best two-set split of categories for that cut is a prefix (Fisher 1958).
    """
    gl, hl = G.cumsum(1)[:, :-1], H.cumsum(1)[:, :-1]  # rows x column cuts
    gr, hr = G.sum(1)[:, None] - gl, H.sum(1)[:, None] - hl
    if reorder:
        with np.errstate(divide="ignore", invalid="ignore"):
            contrast = np.where(hl > 0, gl / hl, 0.0) - np.where(hr > 0, gr / hr, 0.0)
        order = np.argsort(contrast, axis=0, kind="stable")
        gl, hl, gr, hr = (np.take_along_axis(x, order, axis=0) for x in (gl, hl, gr, hr))
    q = []
    for gs, hs in ((gl, hl), (gr, hr)):
        top_g, top_h = gs.cumsum(0)[:-1], hs.cumsum(0)[:-1]
        q += [(top_g, top_h), (gs.sum(0) - top_g, hs.sum(0) - top_h)]
    ok = np.all([qh >= MIN_QUADRANT_WEIGHT for _, qh in q], axis=0)
    # quadrants too light to count (some qh = 0) divide by zero; np.where drops them
    with np.errstate(divide="ignore", invalid="ignore"):
        total = sum(np.where(ok, qg * qg / qh, 0.0) for qg, qh in q)
    return total[ok]


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
