r"""Lead classes: interchangeable leads grouped for the packager's MILP.

Leads that are interchangeable for every buyer form a *class* :math:`c`: the same
set of buyers whose filters and bounds they pass, the same conversion band and the
same cost band. A class has :math:`N_c` leads, a conservative probability
:math:`p_c` (its least likely member), its most likely member's probability
:math:`\bar p_c` (for upper bounds) and a mean cost :math:`\kappa_c`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LeadClasses", "build_classes"]


@dataclass(frozen=True)
class LeadClasses:
    """Interchangeable leads grouped for the MILP.

    ``members[c]`` lists lead row indices of class ``c`` in hand-out order
    (cheapest first, then most likely to convert).
    """

    members: tuple[np.ndarray, ...]
    p: np.ndarray
    cost: np.ndarray
    count: np.ndarray
    eligible: np.ndarray  # (n_classes, n_buyers) bool
    band: np.ndarray | None = None  # conversion and cost band of each class (one integer)
    p_max: np.ndarray | None = None  # the most likely member's p (None: same as p)

    @property
    def p_high(self) -> np.ndarray:
        """Largest member probability of each class (upper bounds use it)."""
        return self.p if self.p_max is None else self.p_max

    @property
    def n_classes(self) -> int:
        return len(self.members)


def build_classes(
    p: np.ndarray,
    cost: np.ndarray,
    eligible: np.ndarray,
    *,
    p_resolution: float | None = 0.005,
    cost_bands: int = 8,
) -> LeadClasses:
    """Group leads eligible for at least one buyer into classes.

    Parameters
    ----------
    p, cost : ndarray of shape (n,)
    eligible : ndarray of shape (n, n_buyers), bool
    p_resolution : float or None
        Width of the conversion bands as a fraction of the range of ``p`` among the
        eligible leads (0.1: ten bands from the lowest to the highest ``p``); ``None``
        puts every lead in its own class (the per-lead formulation).
    cost_bands : int
        Number of quantile bands of the opportunity cost (ignored when all costs are equal).
    """
    rows = np.flatnonzero(eligible.any(axis=1))
    if rows.size == 0:
        empty = np.zeros(0)
        return LeadClasses(
            (), empty, empty, empty.astype(int), np.zeros((0, eligible.shape[1]), bool)
        )
    if p_resolution is None:
        keys = rows
    else:
        packed = np.packbits(eligible[rows], axis=1)
        if packed.shape[1] <= 8:
            padded = np.zeros((rows.size, 8), dtype=np.uint8)
            padded[:, : packed.shape[1]] = packed
            _, sig = np.unique(padded.view(np.uint64).ravel(), return_inverse=True)
        else:
            _, sig = np.unique(packed, axis=0, return_inverse=True)
        n_bands = int(np.ceil(1.0 / p_resolution)) + 1
        # bands span the range of p among these leads: a pool of unlikely leads
        # (p from 0.002 to 0.12) gets the same number of bands as one spanning 0 to 1
        lo, hi = float(p[rows].min()), float(p[rows].max())
        width = p_resolution * max(hi - lo, 1e-12)
        band = np.floor((p[rows] - lo) / width + 1e-9).astype(np.int64)
        c = cost[rows]
        uniq = np.unique(c)
        if uniq.size <= cost_bands:
            cband = np.searchsorted(uniq, c).astype(np.int64)
        elif cost_bands > 1:
            edges = np.unique(np.quantile(c, np.linspace(0, 1, cost_bands + 1))[1:-1])
            cband = np.searchsorted(edges, c, side="right").astype(np.int64)
        else:
            cband = np.zeros(rows.size, dtype=np.int64)
        bands = band * (cost_bands + 1) + cband
        keys = sig.ravel().astype(np.int64) * (n_bands * (cost_bands + 1)) + bands
    _, inverse = np.unique(keys, return_inverse=True)
    inverse = inverse.ravel()
    order = np.lexsort((-p[rows], cost[rows], inverse))
    sorted_cls = inverse[order]
    cuts = np.flatnonzero(np.diff(sorted_cls)) + 1
    members = tuple(rows[idx] for idx in np.split(order, cuts))
    count = np.array([m.size for m in members])
    starts = np.concatenate([[0], cuts])
    p_sorted = p[rows][order]
    return LeadClasses(
        members,
        np.minimum.reduceat(p_sorted, starts),
        np.add.reduceat(cost[rows][order], starts) / count,
        count,
        eligible[rows[order][starts]],  # each class's first member
        None if p_resolution is None else bands[order][starts],
        np.maximum.reduceat(p_sorted, starts),
    )
