"""Class-mode helpers of the planner: the LP core by column generation, packing a
class's leads into its consultants, and the greedy repair after packing."""

from __future__ import annotations

import numpy as np

from leadlever.optimisers.planning._model import AssignmentData, lp_relaxation

__all__ = ["_pack", "_fill_in", "_lp_core"]


def _pack(leads: np.ndarray, hours: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Best-fit decreasing: largest lead first, into the consultant whose free hours it
    fills most tightly; -1 = no room."""
    out = np.full(leads.size, -1)
    free = capacity.astype(float).copy()
    for k in np.argsort(-hours[leads], kind="stable"):
        h = hours[leads[k]]
        slack = np.where(free + 1e-9 >= h, free - h, np.inf)
        j = int(np.argmin(slack))
        if np.isfinite(slack[j]):
            out[k] = j
            free[j] -= h
    return out


def _fill_in(consultant, cand, values, hours, capacity, max_tries: int = 5_000) -> None:
    """Greedy repair after packing: place leftover candidates (the ``max_tries`` most
    valuable that could fit), best first, with the free consultant who adds most value."""
    free = capacity - np.bincount(
        consultant[consultant >= 0], weights=hours[consultant >= 0], minlength=capacity.size
    )
    left = cand[consultant[cand] < 0]
    left = left[hours[left] <= free.max() + 1e-9]
    left = left[np.argsort(-values[left].max(axis=1), kind="stable")][:max_tries]
    for i in left:
        ok = free + 1e-9 >= hours[i]
        if not ok.any():
            continue
        gain = np.where(ok, values[i], -np.inf)
        j = int(np.argmax(gain))
        if gain[j] > 0:
            consultant[i] = j
            free[j] -= hours[i]


def _lp_core(full: AssignmentData, extra: int) -> tuple[float, np.ndarray, np.ndarray]:
    """LP relaxation over all leads by column generation, and the MILP's core.

    Start from the leads with the best value per hour (enough to fill twice the
    capacity), solve the LP on them, price every other lead with the hours'
    shadow prices :math:`\\lambda_g` (reduced profit :math:`\\max_g v_{ig} - \\lambda_g e_i`)
    and add those with positive reduced profit until none is left: the LP value
    is then the LP optimum over all leads. The core is the LP's leads plus the
    ``extra`` next best by reduced profit.
    """
    v, e = full.values, full.hours
    ratio = v.max(axis=1) / np.maximum(e, 1e-9)
    order = np.argsort(-ratio, kind="stable")
    fill = np.searchsorted(np.cumsum(e[order]), 2.0 * full.capacity.sum()) + 1
    active = np.zeros(v.shape[0], dtype=bool)
    active[order[: min(order.size, fill + 200)]] = True
    while True:
        idx = np.flatnonzero(active)
        bound, price = lp_relaxation(AssignmentData(v[idx], e[idx], full.capacity, full.pools))
        reduced = (v - price[None, :] * e[:, None]).max(axis=1)
        violators = np.flatnonzero(~active & (reduced > 1e-7 * max(1.0, abs(bound))))
        if violators.size == 0:
            break
        active[violators] = True
    n_core = min(v.shape[0], int(active.sum()) + extra)
    core = np.sort(np.argsort(-np.where(active, np.inf, reduced), kind="stable")[:n_core])
    return bound, price, core
