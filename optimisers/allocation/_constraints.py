"""Allocation constraints: per-channel bounds, locks, linear group limits, feasibility.

Bounds are absolute (``min_spend`` / ``max_spend``) or relative to the current
spend (``min_relative`` / ``max_relative``: e.g. 0.8 and 1.2 keep every
channel within +-20% of today); a locked channel keeps its current spend. The
tightest of all applicable limits wins. :func:`check_feasible` raises an
:class:`~leadlever.optimisers.exceptions.InfeasibleRequirementError` naming the conflict
instead of letting a solver return a wrong answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from leadlever.optimisers.exceptions import InfeasibleRequirementError

__all__ = ["GroupConstraint", "resolve_bounds", "check_feasible", "group_matrix"]


@dataclass(frozen=True)
class GroupConstraint:
    r"""A linear limit on the total spend of a group of channels.

    :math:`\text{min\_spend} \le \sum_{i \in G} x_i \le \text{max\_spend}`, where a
    share is turned into spend as share x budget.

    Parameters
    ----------
    channels : tuple of str
        Names of the channels in the group.
    max_budget_share, min_budget_share : float, optional
        Limits as a share of the budget (0-1).
    max_spend, min_spend : float, optional
        Absolute limits.
    name : str
        Label used in diagnostics.
    """

    channels: tuple[str, ...]
    max_budget_share: float | None = None
    min_budget_share: float | None = None
    max_spend: float | None = None
    min_spend: float | None = None
    name: str = "group"

    def limits(self, budget: float) -> tuple[float, float]:
        """(lower, upper) spend limits of the group for a given budget."""
        lo = max(
            self.min_spend if self.min_spend is not None else 0.0,
            self.min_budget_share * budget if self.min_budget_share is not None else 0.0,
        )
        hi = min(
            self.max_spend if self.max_spend is not None else np.inf,
            self.max_budget_share * budget if self.max_budget_share is not None else np.inf,
        )
        return lo, hi


def _vector(value, n: int, name: str, default: float) -> np.ndarray:
    if value is None:
        return np.full(n, default)
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise InfeasibleRequirementError(
            f"The '{name}' parameter must hold one number per channel ({n}). Got shape {arr.shape} instead.",
            "shape",
        )
    return np.where(np.isnan(arr), default, arr)


def resolve_bounds(
    names: Sequence[str],
    *,
    min_spend=None,
    max_spend=None,
    current_spend=None,
    min_relative=None,
    max_relative=None,
    locked: Sequence[str] = (),
) -> tuple[np.ndarray, np.ndarray]:
    r"""Per-channel spend bounds :math:`[l_i, u_i]` from absolute and relative limits.

    .. math:: l_i = \max(\text{min}_i, r^{min}_i c_i, 0), \quad
              u_i = \min(\text{max}_i, r^{max}_i c_i)

    with current spend :math:`c_i`; locked channels get :math:`l_i = u_i = c_i`.
    """
    n = len(names)
    lo = np.maximum(_vector(min_spend, n, "min_spend", 0.0), 0.0)
    hi = _vector(max_spend, n, "max_spend", np.inf)
    needs_current = min_relative is not None or max_relative is not None or len(locked) > 0
    if needs_current and current_spend is None:
        raise InfeasibleRequirementError(
            "Relative bounds and locked channels need the current spend per channel; pass current_spend.",
            "missing_current",
        )
    if current_spend is not None:
        cur = _vector(current_spend, n, "current_spend", 0.0)
        if min_relative is not None:
            lo = np.maximum(lo, _vector(min_relative, n, "min_relative", 0.0) * cur)
        if max_relative is not None:
            hi = np.minimum(hi, _vector(max_relative, n, "max_relative", np.inf) * cur)
        unknown = [c for c in locked if c not in names]
        if unknown:
            raise InfeasibleRequirementError(
                f"Locked channel(s) {', '.join(map(repr, unknown))} are not among the channels "
                f"{', '.join(names)}.",
                "unknown_channel",
            )
        for c in locked:
            i = list(names).index(c)
            lo[i] = hi[i] = cur[i]
    return lo, hi


def group_matrix(names: Sequence[str], groups: Sequence[GroupConstraint], budget: float):
    """Rows of 0/1 membership and (lower, upper) limits for the groups."""
    index = {n: i for i, n in enumerate(names)}
    rows, lows, highs = [], [], []
    for g in groups:
        unknown = [c for c in g.channels if c not in index]
        if unknown:
            raise InfeasibleRequirementError(
                f"Group '{g.name}' names unknown channel(s) {', '.join(map(repr, unknown))}; "
                f"the channels are {', '.join(names)}.",
                "unknown_channel",
            )
        row = np.zeros(len(names))
        row[[index[c] for c in g.channels]] = 1.0
        lo, hi = g.limits(budget)
        rows.append(row)
        lows.append(lo)
        highs.append(hi)
    return np.array(rows).reshape(len(rows), len(names)), np.array(lows), np.array(highs)


def check_feasible(
    names: Sequence[str],
    lo: np.ndarray,
    hi: np.ndarray,
    budget: float,
    *,
    groups: Sequence[GroupConstraint] = (),
    exact_budget: bool = True,
) -> None:
    """Raise :class:`InfeasibleRequirementError` naming the first conflict found.

    Checks, in order: each channel's min <= max; the budget against the sum of
    minimums (and, when the budget must be spent exactly, the sum of maximums);
    each group against its members' bounds; then all together by a linear
    feasibility problem.
    """
    if not np.isfinite(budget) or budget < 0:
        raise InfeasibleRequirementError(
            f"The budget must be a finite number >= 0. Got {budget!r} instead.", "budget"
        )
    bad = np.flatnonzero(lo > hi * (1 + 1e-12) + 1e-300)
    if bad.size:
        i = int(bad[0])
        raise InfeasibleRequirementError(
            f"Channel '{names[i]}' has minimum spend {lo[i]:,.6g} above its maximum {hi[i]:,.6g} "
            "(check min/max spend, relative bounds and locks).",
            "channel_bounds",
        )
    tol = 1e-9 * max(budget, 1e-300)
    if lo.sum() > budget + tol:
        raise InfeasibleRequirementError(
            f"The channels' minimum spends add up to {lo.sum():,.6g}, more than the budget "
            f"{budget:,.6g}: raise the budget or lower the minimums (largest: "
            f"'{names[int(np.argmax(lo))]}' at {lo.max():,.6g}).",
            "budget_below_min",
        )
    if exact_budget and hi.sum() < budget - tol:
        raise InfeasibleRequirementError(
            f"The channels' maximum spends add up to {hi.sum():,.6g}, less than the budget "
            f"{budget:,.6g}: lower the budget, raise the maximums, or maximise profit with the "
            "budget as a cap.",
            "budget_above_max",
        )
    if not groups:
        return
    a, glo, ghi = group_matrix(names, groups, budget)
    for g, row, gl, gh in zip(groups, a, glo, ghi, strict=True):
        members = row.astype(bool)
        if gl > gh + tol:
            raise InfeasibleRequirementError(
                f"Group '{g.name}' needs at least {gl:,.6g} but at most {gh:,.6g}.", "group_limits"
            )
        if lo[members].sum() > gh + tol:
            raise InfeasibleRequirementError(
                f"Group '{g.name}' may spend at most {gh:,.6g}, but its channels' minimums add up "
                f"to {lo[members].sum():,.6g}.",
                "group_below_min",
            )
        if hi[members].sum() < gl - tol:
            raise InfeasibleRequirementError(
                f"Group '{g.name}' must spend at least {gl:,.6g}, but its channels' maximums add "
                f"up to {hi[members].sum():,.6g}.",
                "group_above_max",
            )
    from scipy.optimize import linprog

    a_eq = np.ones((1, len(names))) if exact_budget else None
    b_eq = [budget] if exact_budget else None
    a_ub = np.vstack([a, -a] + ([] if exact_budget else [np.ones((1, len(names)))]))
    b_ub = np.concatenate([ghi, -glo] + ([] if exact_budget else [[budget]]))
    finite = np.isfinite(b_ub)
    res = linprog(
        np.zeros(len(names)),
        A_ub=a_ub[finite],
        b_ub=b_ub[finite],
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=list(zip(lo, np.where(np.isfinite(hi), hi, None), strict=True)),
        method="highs",
    )
    if res.status == 2:
        raise InfeasibleRequirementError(
            "The group constraints, channel bounds and budget cannot all hold together "
            f"(groups: {', '.join(g.name for g in groups)}); relax a group limit or a bound.",
            "groups_jointly",
        )
