"""The repair step: concrete lead ids for every bundle of a MILP solution.

:func:`concretise` hands out each class's leads (cheapest first), splits pooled
bundles of one buyer and tier into near-equal bundles, deals shared leads
cyclically, re-checks every requirement on each concrete bundle (exact rating
included) and prices bundles at the rating they reach within the buyer's budget.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from leadlever.optimisers.packaging._buyers import Market
from leadlever.optimisers.packaging._model import LeadClasses, ModelSolution, Slot
from leadlever.optimisers.packaging._result import Bundle, LeadPool, bundle_violations, make_bundle

__all__ = ["concretise"]


def concretise(
    solution: ModelSolution,
    classes: LeadClasses,
    slots: list[Slot],
    pool: LeadPool,
    market: Market,
) -> tuple[list[Bundle], list[str]]:
    """Repair step: hand concrete leads to every bundle and re-check every requirement.

    Each class hands out its leads cheapest first: exclusive bundles take disjoint
    runs; leads sold in shared mode form a pool from which each non-exclusive buyer
    takes a contiguous cyclic run (so no buyer gets a lead twice and no lead goes
    to more than ``max_share`` buyers). A bundle that fails a re-check is dropped
    and reported in the notes.
    """
    ptr = np.zeros(classes.n_classes, dtype=int)
    rows_of: dict[int, list[np.ndarray]] = {s: [] for s in solution.counts}
    shared_slots = [s for s in solution.counts if not market.buyers[slots[s].buyer].exclusive]
    for s, counts in solution.counts.items():
        if s in shared_slots:
            continue
        for c, n in counts.items():
            rows_of[s].append(classes.members[c][ptr[c] : ptr[c] + n])
            ptr[c] += n
    for c in np.flatnonzero(solution.shared):
        u = int(solution.shared[c])
        shared_rows = classes.members[c][ptr[c] : ptr[c] + u]
        ptr[c] += u
        offset = 0
        for s in sorted(shared_slots, key=lambda s: (slots[s].buyer, s)):
            n = solution.counts[s].get(int(c), 0)
            if n:
                rows_of[s].append(shared_rows[(offset + np.arange(n)) % u])
                offset += n
    bundles: list[tuple[Bundle, float]] = []
    notes: list[str] = []
    made = {b: 0 for b in range(len(market.buyers))}
    for s in sorted(rows_of, key=lambda s: (slots[s].buyer, s)):
        if not rows_of[s]:
            continue
        slot = slots[s]
        buyer = market.buyers[slot.buyer]
        pooled = np.concatenate(rows_of[s])
        parts = _split_balanced(pooled, max(1, solution.bundles.get(s, 1)), pool.p)
        parts = _swap_fix(parts, slot, pool, market)
        for rows in parts:
            problems = bundle_violations(rows, buyer, slot.buyer, pool, market, slot.rating)
            if problems:
                notes.append(
                    f"dropped a {buyer.name} bundle that failed the concrete re-check: "
                    f"{'; '.join(problems)}"
                )
                continue
            made[slot.buyer] += 1
            bundle = make_bundle(
                rows,
                slot.buyer,
                pool,
                market,
                f"{buyer.name}-{made[slot.buyer]}",
                shared=not buyer.exclusive,
            )
            bundles.append((bundle, slot.price))
    out = _respect_budgets(bundles, market)
    return out, notes


def _swap_fix(
    parts: list[np.ndarray], slot: Slot, pool: LeadPool, market: Market, max_rounds: int = 20
) -> list[np.ndarray]:
    """Swap leads between sibling bundles until each passes its re-check (if a swap can do it).

    Splitting pooled leads keeps the pool's mean but a part can fall just short; moving a
    low-p lead of a failing part against a higher-p lead of a sibling often fixes it.
    """
    if len(parts) < 2:
        return parts
    buyer = market.buyers[slot.buyer]

    def fails(rows: np.ndarray) -> bool:
        return bool(bundle_violations(rows, buyer, slot.buyer, pool, market, slot.rating))

    parts = [np.array(r) for r in parts]
    for _ in range(max_rounds):
        bad = [i for i, r in enumerate(parts) if fails(r)]
        if not bad:
            break
        i = bad[0]
        fixed = False
        for a in parts[i][np.argsort(pool.p[parts[i]])][:5]:
            for j in range(len(parts)):
                if j == i:
                    continue
                for b in parts[j][np.argsort(pool.p[parts[j]])]:
                    if pool.p[b] <= pool.p[a]:
                        continue
                    new_i = np.where(parts[i] == a, b, parts[i])
                    new_j = np.where(parts[j] == b, a, parts[j])
                    if not fails(new_i) and (j in bad or not fails(new_j)):
                        parts[i], parts[j] = new_i, new_j
                        fixed = True
                        break
                if fixed:
                    break
            if fixed:
                break
        if not fixed:
            break
    return parts


def _split_balanced(rows: np.ndarray, n_bundles: int, p: np.ndarray) -> list[np.ndarray]:
    """Split pooled leads into ``n_bundles`` bundles of near-equal size and near-equal sum of p.

    Sizes differ by at most one; leads in decreasing ``p`` go to the open bundle with
    the smallest sum of p per target lead (so every bundle's mean is close to the pool's).
    """
    if n_bundles <= 1:
        return [rows]
    order = rows[np.argsort(-p[rows], kind="stable")]
    base, extra = divmod(order.size, n_bundles)
    target = np.array([base + (1 if j < extra else 0) for j in range(n_bundles)], dtype=float)
    sums = np.zeros(n_bundles)
    filled = np.zeros(n_bundles, dtype=int)
    parts: list[list[int]] = [[] for _ in range(n_bundles)]
    for r in order:
        open_ = filled < target
        j = int(np.argmin(np.where(open_, sums / np.maximum(target, 1), np.inf)))
        parts[j].append(int(r))
        sums[j] += p[r]
        filled[j] += 1
    return [np.array(part, dtype=int) for part in parts if part]


def _respect_budgets(priced: list[tuple[Bundle, float]], market: Market) -> list[Bundle]:
    """Price each bundle at its exact rating unless that breaks the buyer's budget (then at its tier)."""
    out = [b for b, _ in priced]
    for buyer in market.buyers:
        if buyer.budget is None:
            continue
        idx = [i for i, (b, _) in enumerate(priced) if b.buyer == buyer.name]
        if sum(out[i].price for i in idx) > buyer.budget + 1e-9:
            for i in idx:
                out[i] = dataclasses.replace(
                    out[i], price_per_lead=min(out[i].price_per_lead, priced[i][1])
                )
    return out
