r"""Drop MILP columns that no optimal plan needs (exact for the class model).

Every plan sells at most

.. math:: D = \sum_b K_b U_b

distinct leads (packages times maximum bundle size). Classes are ranked in one
total order: cheaper first (:math:`\kappa` ascending), then more likely to
convert (:math:`p` descending), then by index. For an exclusive buyer :math:`b`,
class :math:`c'` *dominates* class :math:`c` when it comes earlier in that order
and, if :math:`b` states a mean-p or rating requirement, :math:`p_{c'} \ge p_c`
(so :math:`\kappa_{c'} \le \kappa_c` always). If the classes dominating :math:`c`
for :math:`b` hold at least :math:`D` leads together, the column :math:`x_{bc}`
is dropped: in any plan using it, those classes have at least :math:`x_{bc}`
unsold leads (all plans sell at most :math:`D` distinct leads, the
:math:`x_{bc}` among them), and moving the :math:`x_{bc}` leads there keeps
size, mean p, the linear rating condition and the budget, and does not lower
the profit. A buyer whose rating windows cap a bundle's expected conversions
from above (:func:`leadlever.optimisers.packaging._ratings.certified_windows`) also needs the
dominating class's largest member probability to be no larger, so the cap holds
after the move.

Leads sold in *shared* mode (to non-exclusive buyers) move as a whole: a lead of
class :math:`c` sold to a set :math:`S` of non-exclusive buyers can be swapped
for an unsold lead of a class :math:`c'` that is eligible for every
non-exclusive buyer :math:`c` is eligible for, comes earlier in the order and,
if one of those buyers has a mean-p or rating requirement, has
:math:`p_{c'} \ge p_c`. When such classes hold at least :math:`D` leads, every
shared column of :math:`c` is dropped.

Every move sends sold leads to strictly earlier classes, so repeating moves
ends; the plan it ends with is optimal and uses no dropped column. This holds
for integer and continuous counts alike.

After pruning, :func:`merge_classes` drops classes left without a column and
merges classes of the same conversion and cost band whose remaining columns are
the same (they differed only in buyers that would never take them). The merged
class takes the smallest :math:`p` and the mean cost of its parts, as every
class does, so it is a class of the same model with fewer, larger classes.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from leadlever.optimisers.packaging._buyers import Market
from leadlever.optimisers.packaging._classes import LeadClasses

__all__ = ["lead_demand", "useful_columns", "class_rank", "merge_classes"]


def lead_demand(market: Market) -> int:
    r""":math:`D = \sum_b K_b U_b`, the most distinct leads any plan can sell."""
    return int(sum(b.packages * b.max_leads for b in market.buyers))


def class_rank(p: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Position of each class in the order (cost ascending, p descending, index)."""
    order = np.lexsort((np.arange(p.size), -p, cost))
    rank = np.empty(p.size, dtype=np.int64)
    rank[order] = np.arange(p.size)
    return rank


def _needs_p(market: Market) -> np.ndarray:
    return np.array(
        [
            b.min_mean_p is not None or any(g is not None for g, _ in b.tiers(market.scale))
            for b in market.buyers
        ],
        dtype=bool,
    )


def useful_columns(
    p: np.ndarray,
    cost: np.ndarray,
    count: np.ndarray,
    eligible: np.ndarray,
    market: Market,
    *,
    p_max: np.ndarray | None = None,
    capped: np.ndarray | None = None,
) -> np.ndarray:
    """``(n_classes, n_buyers)`` mask: the columns some optimal plan may need.

    Parameters
    ----------
    p, cost, count : ndarray of shape (n_classes,)
        Class probability (as used in the model), mean cost and number of leads.
    eligible : ndarray of shape (n_classes, n_buyers), bool
    market : Market
    p_max : ndarray of shape (n_classes,), optional
        Largest member probability of each class (default ``p``).
    capped : ndarray of shape (n_buyers,), bool, optional
        Buyers with an upper bound on a bundle's expected conversions (rating windows,
        :func:`leadlever.optimisers.packaging._ratings.certified_windows`): a dominating class must also have
        ``p_max`` no larger, so that moving leads keeps that bound.
    """
    p_max = p if p_max is None else p_max
    capped = np.zeros(len(market.buyers), dtype=bool) if capped is None else capped
    keep = eligible.copy()
    demand = lead_demand(market)
    if count[eligible.any(axis=1)].sum() <= demand:
        return keep
    rank = class_rank(p, cost)
    needs_p = _needs_p(market)
    weights = count.astype(float)
    for b, buyer in enumerate(market.buyers):
        cls = np.flatnonzero(eligible[:, b])
        if not buyer.exclusive or count[cls].sum() <= demand:
            continue
        # dom[i, j]: class j dominates class i for this buyer
        dom = rank[cls][None, :] < rank[cls][:, None]
        if needs_p[b]:
            dom &= p[cls][None, :] >= p[cls][:, None]
        if capped[b]:
            dom &= p_max[cls][None, :] <= p_max[cls][:, None]
        keep[cls, b] = dom.astype(float) @ weights[cls] < demand
    shared = np.array([not b.exclusive for b in market.buyers], dtype=bool)
    if shared.any():
        cls = np.flatnonzero(eligible[:, shared].any(axis=1))
        elig = eligible[np.ix_(cls, np.flatnonzero(shared))].astype(float)
        # superset[i, j]: class j is eligible for every shared buyer class i is eligible for
        superset = (elig @ (1.0 - elig).T) == 0
        dom = (rank[cls][None, :] < rank[cls][:, None]) & superset
        strict_p = (elig @ needs_p[shared].astype(float)) > 0
        dom &= ~strict_p[:, None] | (p[cls][None, :] >= p[cls][:, None])
        strict_cap = (elig @ capped[shared].astype(float)) > 0
        dom &= ~strict_cap[:, None] | (p_max[cls][None, :] <= p_max[cls][:, None])
        gone = dom.astype(float) @ weights[cls] >= demand
        keep[np.ix_(cls[gone], np.flatnonzero(shared))] = False
    return keep


def merge_classes(
    classes: LeadClasses, keep: np.ndarray, p: np.ndarray, cost: np.ndarray
) -> LeadClasses:
    """Classes with the columns ``keep``: empty ones dropped, equivalent ones merged.

    Two classes are merged when they share a band (``classes.band``) and the same
    row of ``keep``. Members are handed out cheapest first, then most likely
    (``p``, ``cost``: per lead).
    """
    live = np.flatnonzero(keep.any(axis=1))
    if classes.band is None or live.size == 0:
        return dataclasses.replace(
            classes,
            members=tuple(classes.members[c] for c in live),
            p=classes.p[live],
            cost=classes.cost[live],
            count=classes.count[live],
            eligible=keep[live],
            band=None if classes.band is None else classes.band[live],
            p_max=classes.p_high[live],
        )
    key = np.column_stack([np.packbits(keep[live], axis=1), classes.band[live, None]])
    _, group = np.unique(key, axis=0, return_inverse=True)
    group = group.ravel()
    order = np.argsort(group, kind="stable")
    cuts = np.flatnonzero(np.diff(group[order])) + 1
    members, first = [], []
    for part in np.split(live[order], cuts):
        rows = np.concatenate([classes.members[c] for c in part])
        members.append(rows[np.lexsort((-p[rows], cost[rows]))] if part.size > 1 else rows)
        first.append(part[0])
    starts = np.concatenate([[0], cuts])
    count = np.add.reduceat(classes.count[live][order], starts)
    total_cost = np.add.reduceat((classes.cost * classes.count)[live][order], starts)
    return LeadClasses(
        tuple(members),
        np.minimum.reduceat(classes.p[live][order], starts),
        total_cost / count,
        count,
        keep[np.array(first)],
        classes.band[np.array(first)],
        np.maximum.reduceat(classes.p_high[live][order], starts),
    )
