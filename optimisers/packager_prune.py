r"""Drop MILP columns that no optimal plan needs (exact for the class model).

Every plan sells at most

.. math:: D = \sum_b K_b U_b

distinct leads (packages times maximum bundle size). For an exclusive buyer
:math:`b`, class :math:`c'` *dominates* class :math:`c` when it serves
:math:`b` at least as well: :math:`\kappa_{c'} \le \kappa_c` and, if
:math:`b` states a mean-p or grade requirement, :math:`p_{c'} \ge p_c`
(strictly better in :math:`(p, -\kappa)` or, on a tie, a lower index). If the
classes dominating :math:`c` for :math:`b` hold at least :math:`D` leads
together, the column :math:`x_{bc}` is dropped: in any plan using it, those
classes have at least :math:`x_{bc}` unsold leads (all plans sell at most
:math:`D`), and moving the :math:`x_{bc}` leads there keeps size, mean p,
the linear grade condition and the budget, and does not lower the profit.
Repeating the move strictly increases :math:`(\sum p\,x, -\sum \kappa\,x)`
lexicographically, so some optimal plan of the class model (integer or
continuous counts) uses no dropped column. Non-exclusive buyers keep every
column.
"""

from __future__ import annotations

import numpy as np

from optimisers.buyers import Market

__all__ = ["lead_demand", "useful_columns"]


def lead_demand(market: Market) -> int:
    r""":math:`D = \sum_b K_b U_b`, the most distinct leads any plan can sell."""
    return int(sum(b.packages * b.max_leads for b in market.buyers))


def useful_columns(
    p: np.ndarray, cost: np.ndarray, count: np.ndarray, eligible: np.ndarray, market: Market
) -> np.ndarray:
    """``(n_classes, n_buyers)`` mask: the columns some optimal plan may need.

    Parameters
    ----------
    p, cost, count : ndarray of shape (n_classes,)
        Class probability (as used in the model), mean cost and number of leads.
    eligible : ndarray of shape (n_classes, n_buyers), bool
    market : Market
    """
    keep = eligible.copy()
    demand = lead_demand(market)
    n_cls = p.size
    idx = np.arange(n_cls)
    for b, buyer in enumerate(market.buyers):
        cls = np.flatnonzero(eligible[:, b])
        if not buyer.exclusive or count[cls].sum() <= demand:
            continue
        needs_p = buyer.min_mean_p is not None or any(
            g is not None for g, _ in buyer.tiers(market.scale)
        )
        pc, kc, ic = p[cls], cost[cls], idx[cls]
        # dom[i, j]: class j dominates class i for this buyer
        cheaper = kc[None, :] < kc[:, None]
        tie_cost = (kc[None, :] == kc[:, None]) & (ic[None, :] < ic[:, None])
        if needs_p:
            no_worse = (pc[None, :] >= pc[:, None]) & (kc[None, :] <= kc[:, None])
            better = (pc[None, :] > pc[:, None]) | cheaper
            tie = (pc[None, :] == pc[:, None]) & tie_cost
            dom = no_worse & (better | tie)
        else:
            dom = cheaper | tie_cost
        covered = dom.astype(float) @ count[cls].astype(float)
        keep[cls, b] = covered < demand
    return keep
