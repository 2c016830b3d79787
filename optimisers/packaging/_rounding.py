r"""Integer lead counts from a MILP solution with continuous counts.

With ``relax_counts`` only the numbers of bundles :math:`z_s` are integer and
the lead counts :math:`x_{sc}` (and shared pools :math:`u_c`) are fractions.
:func:`round_solution` rounds them down, :math:`\lfloor x_{sc} \rfloor`, which
keeps supply, sharing, budget and the size maximum, then repairs each slot's
model requirements (size minimum :math:`L_b z_s`, mean p
:math:`\sum_c (p_c - m_b) x_{sc} \ge 0`, rating line
:math:`\sum_c (p_c - \beta) x_{sc} \ge \alpha z_s`) with whole leads from the
supply the rounding freed, or from the floored counts of cheaper exclusive
slots not yet repaired (a higher price comes first; the cheaper slot repairs itself
afterwards from what is left): add the most likely class with spare leads (when
size and budget allow), or swap the least likely lead for it, or drop the least
likely lead; a rating window's cap on a bundle's expected conversions
(:func:`leadlever.optimisers.packaging._ratings.certified_windows`) is kept by dropping or swapping
down the most likely lead, and no repair adds a lead that would break it. A
last pass tops every slot up with spare leads that fit and pay. A slot it cannot repair loses one
bundle at a time. The relaxed objective bounds the integer class model from
above, so ``relaxed objective - rounded objective`` bounds the rounding loss.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from leadlever.optimisers.packaging._buyers import Market
from leadlever.optimisers.packaging._model import LeadClasses, ModelSolution, Slot

__all__ = ["round_solution", "model_objective"]

_EPS = 1e-6


def model_objective(
    counts: dict[int, dict[int, float]],
    shared: np.ndarray,
    classes: LeadClasses,
    slots: list[Slot],
    market: Market,
) -> float:
    r"""The model's objective :math:`\sum_s \pi_s n_s - \sum_c \kappa_c (\sum_{s \in X} x_{sc} + u_c)`."""
    total = 0.0
    for s, cs in counts.items():
        excl = market.buyers[slots[s].buyer].exclusive
        for c, n in cs.items():
            total += n * (slots[s].price - (classes.cost[c] if excl else 0.0))
    return total - float(np.dot(shared, classes.cost)) if shared.size else total


class _State:
    """Integer counts being repaired, with spare supply and sharing bookkeeping."""

    def __init__(self, solution: ModelSolution, classes: LeadClasses, slots, market):
        self.classes, self.slots, self.market = classes, slots, market
        self.f = {
            s: {c: int(np.floor(v + _EPS)) for c, v in cs.items()}
            for s, cs in solution.counts.items()
        }
        self.u = np.floor(np.asarray(solution.shared, dtype=float) + _EPS).astype(int)
        self.z = dict(solution.bundles)
        n_cls = classes.n_classes
        self.shared_use = np.zeros(n_cls, dtype=int)
        self.excl_use = np.zeros(n_cls, dtype=int)
        for s, cs in self.f.items():
            use = self.excl_use if self.exclusive(s) else self.shared_use
            for c, n in cs.items():
                use[c] += n
        # total shared use may exceed k * floor(u): trim the largest counts
        k = market.max_share
        for c in np.flatnonzero(self.shared_use > k * self.u):
            while self.shared_use[c] > k * self.u[c]:
                s = max(
                    (s for s in self.f if not self.exclusive(s) and self.f[s].get(c, 0) > 0),
                    key=lambda s: self.f[s][c],
                )
                self.f[s][c] -= 1
                self.shared_use[c] -= 1
        self.spare = classes.count - self.excl_use - self.u

    def exclusive(self, s: int) -> bool:
        return self.market.buyers[self.slots[s].buyer].exclusive

    def buyer_use(self, s: int, c: int) -> int:
        b = self.slots[s].buyer
        return sum(self.f[t].get(c, 0) for t in self.f if self.slots[t].buyer == b)

    def can_add(self, s: int, c: int) -> bool:
        if self.exclusive(s):
            return self.spare[c] >= 1
        k = self.market.max_share
        room = self.buyer_use(s, c) < self.u[c] and self.shared_use[c] < k * self.u[c]
        return room or self.spare[c] >= 1

    def add(self, s: int, c: int) -> None:
        if self.exclusive(s):
            self.spare[c] -= 1
            self.excl_use[c] += 1
        else:
            k = self.market.max_share
            if not (self.buyer_use(s, c) < self.u[c] and self.shared_use[c] < k * self.u[c]):
                self.spare[c] -= 1
                self.u[c] += 1
            self.shared_use[c] += 1
        self.f[s][c] = self.f[s].get(c, 0) + 1

    def remove(self, s: int, c: int) -> None:
        self.f[s][c] -= 1
        if self.exclusive(s):
            self.spare[c] += 1
            self.excl_use[c] -= 1
        else:
            self.shared_use[c] -= 1

    def sums(self, s: int) -> tuple[float, float, float]:
        """Slot ``s``'s leads, sum of class p and sum of class p_high."""
        cs = self.f[s]
        n = float(sum(cs.values()))
        psum = float(sum(self.classes.p[c] * k for c, k in cs.items()))
        high_sum = float(sum(self.classes.p_high[c] * k for c, k in cs.items()))
        return n, psum, high_sum

    def spend(self, b: int) -> float:
        return sum(
            self.slots[t].price * sum(self.f[t].values())
            for t in self.f
            if self.slots[t].buyer == b
        )


def _violations(state: _State, s: int) -> tuple[bool, bool, bool, bool, bool]:
    """(too small, too large, p too low, expected conversions too high, over budget)."""
    slot = state.slots[s]
    buyer = state.market.buyers[slot.buyer]
    z = state.z.get(s, 0)
    n, psum, high_sum = state.sums(s)
    p_bad = False
    if buyer.min_mean_p is not None and psum < buyer.min_mean_p * n - 1e-9:
        p_bad = True
    if slot.line is not None and psum < slot.line[0] * z + slot.line[1] * n - 1e-9:
        p_bad = True
    p_high = False
    if slot.window is not None:
        p_bad |= psum < slot.window[0] * z - 1e-9
        p_high = high_sum > slot.window[1] * z + 1e-9
    over = buyer.budget is not None and state.spend(slot.buyer) > buyer.budget + 1e-9
    return n < slot.min_leads * z, n > buyer.max_leads * z, p_bad, p_high, over


def _repair_slot(
    state: _State, s: int, later: list[int] | None = None, max_steps: int = 2_000
) -> bool:
    slot = state.slots[s]
    buyer = state.market.buyers[slot.buyer]
    p, high = state.classes.p, state.classes.p_high
    cand = np.flatnonzero(state.classes.eligible[:, slot.buyer])
    cand = cand[np.lexsort((state.classes.cost[cand], -p[cand]))]  # most likely, then cheapest
    thresholds = [
        t for t in (buyer.min_mean_p, slot.line[1] if slot.line else None) if t is not None
    ]
    lowest = max(thresholds) if thresholds else 0.0
    later = later or []
    held_later = np.zeros(state.classes.n_classes, dtype=int)  # leads later slots hold
    for t in later:
        for c, k in state.f[t].items():
            held_later[c] += k

    def take(c: int) -> bool:
        """Make one lead of class ``c`` addable to ``s``: from the spare supply, or by
        returning one from a later (cheaper, not yet repaired) exclusive slot."""
        if state.can_add(s, c):
            return True
        donor = next((t for t in later if state.f[t].get(c, 0) > 0), None)
        if donor is None:
            return False
        state.remove(donor, c)  # exclusive: the lead returns to the spare supply
        held_later[c] -= 1
        return True

    for _ in range(max_steps):
        small, large, p_bad, p_high, over = _violations(state, s)
        if not (small or large or p_bad or p_high or over):
            return True
        z = state.z[s]
        held = [c for c, k in state.f[s].items() if k > 0]
        n, _, high_sum = state.sums(s)
        # room under a rating window's cap on expected conversions (p_high sums)
        cap = np.inf if slot.window is None else slot.window[1] * z - high_sum

        def first_fit(extra: float = 0.0, better_than: float = -1.0, _cap: float = cap):
            return next(
                (
                    int(c)
                    for c in cand
                    if p[c] > better_than
                    and high[c] <= _cap + extra + 1e-12
                    and (held_later[c] > 0 or state.can_add(s, int(c)))
                ),
                None,
            )

        worst = min(held, key=lambda c: (p[c], -state.classes.cost[c])) if held else None
        if p_high:  # over a window's cap: drop the most likely lead, or swap it down
            top = max(held, key=lambda c: high[c]) if held else None
            if top is None:
                return False
            lower = next(
                (
                    int(c)
                    for c in cand[::-1]
                    if high[c] < high[top] and (held_later[c] > 0 or state.can_add(s, int(c)))
                ),
                None,
            )
            state.remove(s, top)
            if n <= slot.min_leads * z:
                if lower is None or not take(lower):
                    return False
                state.add(s, lower)
        elif large or over:
            if worst is None:
                return False
            state.remove(s, worst)
        elif small:
            best = first_fit()
            if best is None or not take(best):
                return False
            state.add(s, best)
        else:  # p too low: add a likely lead, else swap, else drop an unlikely one
            best = first_fit()
            affordable = buyer.budget is None or (
                state.spend(slot.buyer) + slot.price <= buyer.budget + 1e-9
            )
            if (
                best is not None
                and affordable
                and n < buyer.max_leads * z
                and p[best] > lowest
                and take(best)
            ):
                state.add(s, best)
            elif (
                worst is not None
                and (swap := first_fit(extra=float(high[worst]), better_than=float(p[worst])))
                is not None
                and take(swap)
            ):
                state.remove(s, worst)
                state.add(s, swap)
            elif worst is not None and p[worst] < lowest and n > slot.min_leads * z:
                state.remove(s, worst)
            else:
                return False
    return False


def _top_up(state: _State, s: int) -> None:
    """Fill a repaired slot with spare leads that add profit (cheapest, then most likely).

    Each class adds as many leads as size, budget, mean p, rating line, window cap and
    supply allow (the slot's sums are kept up to date, so every check is O(1)).
    """
    z = state.z.get(s, 0)
    if z == 0:
        return
    slot = state.slots[s]
    buyer = state.market.buyers[slot.buyer]
    cls = state.classes
    n, psum, high_sum = state.sums(s)
    budget_left = np.inf if buyer.budget is None else buyer.budget - state.spend(slot.buyer)
    share = state.market.max_share
    cand = np.flatnonzero(cls.eligible[:, slot.buyer])
    for c in cand[np.lexsort((-cls.p[cand], cls.cost[cand]))]:
        c = int(c)
        room = buyer.max_leads * z - n
        if room <= 0:
            break
        if slot.price > 0:
            room = min(room, budget_left / slot.price)
        limits = (
            [] if buyer.min_mean_p is None else [(buyer.min_mean_p, psum - buyer.min_mean_p * n)]
        )
        if slot.line is not None:
            limits.append((slot.line[1], psum - slot.line[0] * z - slot.line[1] * n))
        for threshold, slack in limits:
            if cls.p[c] < threshold:
                room = min(room, max(slack, 0.0) / (threshold - cls.p[c]))
        if slot.window is not None and cls.p_high[c] > 0:
            room = min(room, max(slot.window[1] * z - high_sum, 0.0) / cls.p_high[c])
        supply = int(state.spare[c]) if slot.price > cls.cost[c] else 0
        if not state.exclusive(s):
            free = min(state.u[c] - state.buyer_use(s, c), share * state.u[c] - state.shared_use[c])
            supply += max(0, int(free))
        k = int(np.floor(min(room, supply) + 1e-9))
        for _ in range(k):
            state.add(s, c)
        n += k
        psum += k * cls.p[c]
        high_sum += k * cls.p_high[c]
        budget_left -= k * slot.price


def round_solution(
    solution: ModelSolution, classes: LeadClasses, slots: list[Slot], market: Market
) -> tuple[ModelSolution, float]:
    """Integer counts meeting every model requirement; also the rounded objective.

    Slots are repaired in decreasing price order; a slot that cannot be repaired
    gives up one bundle at a time (its leads return to the spare supply). Then each
    slot, in the same order, takes the spare leads that still fit every requirement
    and earn more than they cost (what flooring the fractions left unsold).
    """
    if not solution.relaxed:
        return solution, solution.objective
    state = _State(solution, classes, slots, market)
    order = sorted(state.f, key=lambda s: -slots[s].price)
    for i, s in enumerate(order):
        later = [t for t in order[i + 1 :] if state.exclusive(t)]
        while state.z.get(s, 0) > 0 and not _repair_slot(state, s, later):
            state.z[s] -= 1
            if state.z[s] == 0:
                for c, k in list(state.f[s].items()):
                    for _ in range(k):
                        state.remove(s, c)
    for s in sorted(state.f, key=lambda s: -slots[s].price):
        _top_up(state, s)
    counts = {s: {c: k for c, k in cs.items() if k > 0} for s, cs in state.f.items()}
    counts = {s: cs for s, cs in counts.items() if state.z.get(s, 0) > 0}
    # the smallest shared pool that still serves every non-exclusive bundle
    shared = np.zeros(classes.n_classes, dtype=int)
    per_buyer: dict[tuple[int, int], int] = {}
    for s, cs in counts.items():
        if not state.exclusive(s):
            for c, k in cs.items():
                key = (slots[s].buyer, c)
                per_buyer[key] = per_buyer.get(key, 0) + k
    total = np.zeros(classes.n_classes, dtype=int)
    for (_, c), k in per_buyer.items():
        shared[c] = max(shared[c], k)
        total[c] += k
    shared = np.maximum(shared, -(-total // market.max_share))
    rounded = model_objective(counts, shared, classes, slots, market)
    out = dataclasses.replace(
        solution, counts=counts, shared=shared, bundles=dict(state.z), relaxed=False
    )
    return out, rounded
