r"""The scorer's Hessian and gradient of the one-hot cell design, from histograms.

The design :math:`X` (one-hot cells, or a term's cells times its basis :math:`M_t`) is
never built: :math:`X^\top W X` comes from one- and two-dimensional
:func:`numpy.bincount` histograms over cell codes, block :math:`(s, t)` being
:math:`M_s^\top C_{st} M_t` with :math:`C_{st}` the weighted two-way cell counts.
"""

from __future__ import annotations

import numpy as np

from leadlever.engine.scoring._penalised import Term, offsets

__all__ = ["Design", "GROUP_CELLS", "ROWS_PER_GROUP_CELL", "CROSS_CACHE_BYTES"]

#: memory the cached pair codes of the Hessian's cross blocks may take
CROSS_CACHE_BYTES = 256e6
#: terms whose numbers of cells multiply to at most this share one joint histogram code ...
GROUP_CELLS = 256
#: ... and to at most one cell per this many rows: a group saves passes over the rows
#: but its margins are sums over the whole joint table (two groups crossed: the product
#: of both), which on small data cost more than the passes they save (a retail campaign
#: set's 1,792 rows: 0.78 s CPU with 256 cells, 0.54 s with 16; bank marketing and the
#: online shoppers' 10,000-36,000 rows: within 3 % of each other from 16 to 256)
ROWS_PER_GROUP_CELL = 128


class Design:
    """Hessian and gradient of the one-hot cell design, from bincount histograms.

    Terms with few cells are grouped (smallest first, while the product of their numbers
    of cells stays within :data:`GROUP_CELLS` and one cell per :data:`ROWS_PER_GROUP_CELL`
    rows) and every group gets one joint cell code:
    one histogram per pair of groups then holds the Hessian's blocks of all pairs of their
    terms (its margins), so a pass over the rows serves several blocks (bank-full's 15
    columns: 55 passes instead of 120).
    """

    def __init__(
        self, terms: list[Term], rows: np.ndarray | None = None, *, cache: bool = True
    ) -> None:
        self.codes = [t.codes if rows is None else t.codes[rows] for t in terms]
        self.sizes = [t.size for t in terms]
        self.bases = [t.basis for t in terms]
        self.off = offsets(terms)
        n = len(self.codes[0]) if self.codes else 0
        most = min(GROUP_CELLS, n // ROWS_PER_GROUP_CELL)
        self.groups: list[list[int]] = []
        self.group_cells: list[int] = []
        for i in sorted(range(len(terms)), key=lambda i: (self.sizes[i], i)):
            if self.groups and self.group_cells[-1] * self.sizes[i] <= most:
                self.groups[-1].append(i)
                self.group_cells[-1] *= self.sizes[i]
            else:
                self.groups.append([i])
                self.group_cells.append(self.sizes[i])
        self.group_codes = [self._joint(g) for g in self.groups]
        n_pairs = len(self.groups) * (len(self.groups) - 1) // 2
        self.cross: dict[tuple[int, int], np.ndarray] = {}
        self.cache = cache and n * n_pairs * 8 <= CROSS_CACHE_BYTES

    def _joint(self, members: list[int]) -> np.ndarray:
        code = self.codes[members[0]]
        for m in members[1:]:
            code = code * self.sizes[m] + self.codes[m]
        return code

    def gradient(self, r: np.ndarray) -> np.ndarray:
        r""":math:`X^\top r`: one histogram per group of terms (its margins are the
        terms' sums), each projected through the term's basis."""
        g = np.empty(self.off[-1])
        g[0] = r.sum()
        for gi, members in enumerate(self.groups):
            joint = np.bincount(self.group_codes[gi], r, self.group_cells[gi])
            joint = joint.reshape([self.sizes[m] for m in members])
            for x, i in enumerate(members):
                counts = _margin(joint, x, None)
                M = self.bases[i]
                g[self._slice(i)] = counts if M is None else M.T @ counts
        return g

    def _slice(self, i: int) -> slice:
        return slice(self.off[i], self.off[i + 1])

    def hessian(self, w: np.ndarray) -> np.ndarray:
        P = self.off[-1]
        H = np.zeros((P, P))
        H[0, 0] = w.sum()
        shapes = [[self.sizes[m] for m in g] for g in self.groups]
        for gi, members in enumerate(self.groups):
            joint = np.bincount(self.group_codes[gi], w, self.group_cells[gi])
            joint = joint.reshape(shapes[gi])
            for x, i in enumerate(members):
                sa = self._slice(i)
                col = _margin(joint, x, None)
                M = self.bases[i]
                H[0, sa] = H[sa, 0] = col if M is None else M.T @ col
                H[sa, sa] = np.diag(col) if M is None else (M.T * col) @ M
                for y, j in enumerate(members[:x]):
                    self._put(H, i, j, _margin(joint, x, y))
            for gj in range(gi):
                codes = self.cross.get((gi, gj))
                if codes is None:
                    codes = self.group_codes[gi] * self.group_cells[gj] + self.group_codes[gj]
                    if self.cache:
                        self.cross[gi, gj] = codes
                size = self.group_cells[gi] * self.group_cells[gj]
                both = np.bincount(codes, w, size).reshape(shapes[gi] + shapes[gj])
                for x, i in enumerate(members):
                    for y, j in enumerate(self.groups[gj]):
                        self._put(H, i, j, _margin(both, x, len(members) + y))
        return H

    def _put(self, H: np.ndarray, i: int, j: int, block: np.ndarray) -> None:
        sa, sb = self._slice(i), self._slice(j)
        if self.bases[i] is not None:
            block = self.bases[i].T @ block
        if self.bases[j] is not None:
            block = block @ self.bases[j]
        H[sa, sb] = block
        H[sb, sa] = block.T


def _margin(table: np.ndarray, x: int, y: int | None) -> np.ndarray:
    """``table`` summed over every axis but ``x`` (and ``y``), as ``[x]`` or ``[x, y]``."""
    keep = (x,) if y is None else (x, y)
    other = tuple(a for a in range(table.ndim) if a not in keep)
    out = table.sum(axis=other) if other else table
    return out.T if y is not None and y < x else out
