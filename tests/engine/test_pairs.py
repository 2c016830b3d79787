"""Pair terms: FAST ranking against brute force, purification, coarse groups."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from leadlever.engine.features._binning import coarse_map
from leadlever.engine.scoring._terms import MIN_QUADRANT_WEIGHT, _split_gains, purify


def _brute_force_gain(G, H, row_orders):
    """Best sum over four quadrants of G^2/H, trying every row order given and every cut."""
    best = -np.inf
    nr, nc = G.shape
    for order in row_orders:
        for i in range(1, nr):
            top = list(order[:i])
            bottom = list(order[i:])
            for j in range(1, nc):
                parts = [
                    (G[top][:, :j], H[top][:, :j]),
                    (G[top][:, j:], H[top][:, j:]),
                    (G[bottom][:, :j], H[bottom][:, :j]),
                    (G[bottom][:, j:], H[bottom][:, j:]),
                ]
                if any(h.sum() < MIN_QUADRANT_WEIGHT for _, h in parts):
                    continue
                best = max(best, sum(g.sum() ** 2 / h.sum() for g, h in parts))
    return best


def test_ordered_split_gains_equal_brute_force():
    rng = np.random.default_rng(0)
    G = rng.normal(size=(5, 6))
    H = rng.uniform(1.0, 4.0, size=(5, 6))
    assert _split_gains(G, H, reorder=False).max() == pytest.approx(
        _brute_force_gain(G, H, [range(5)]), rel=1e-12
    )


def test_category_reordering_finds_the_interaction_a_fixed_order_misses():
    # levels 0 and 3 behave alike on the left of column cut 1, opposite on the right:
    # in the given order no single row cut separates them from 1 and 2
    G = np.array([[3.0, -3.0], [-3.0, 3.0], [-3.0, 3.0], [3.0, -3.0]])
    H = np.full((4, 2), 2.0)
    fixed = _brute_force_gain(G, H, [range(4)])
    best = _brute_force_gain(G, H, itertools.permutations(range(4)))
    ours = _split_gains(G, H, reorder=True).max()
    assert ours == pytest.approx(best) and ours > fixed


def test_purified_table_keeps_its_sum_and_has_zero_weighted_margins():
    rng = np.random.default_rng(1)
    table = rng.normal(size=(4, 5))
    weights = rng.integers(0, 30, size=(4, 5)).astype(float)
    weights[2] = 0.0  # a row without training leads
    pure, rows, cols = purify(table, weights)
    np.testing.assert_allclose(pure + rows[:, None] + cols[None, :], table, atol=1e-12)
    w = weights
    np.testing.assert_allclose((pure * w).sum(axis=1), 0.0, atol=1e-8)
    np.testing.assert_allclose((pure * w).sum(axis=0), 0.0, atol=1e-8)


def test_coarse_groups_keep_spikes_and_order():
    info = {
        "kind": "numeric",
        "counts": [5, 5, 5, 400, 5, 5, 5, 5, 0],
        "chain": [True, True, True, False, True, True, True, True, False],
    }
    mapping, chain = coarse_map(info, 4)
    # the spike (cell 3) and missing (cell 8) keep groups of their own; the chain is cut
    # into contiguous groups in order
    assert len(set(mapping[[3]]) & set(mapping[[0, 1, 2, 4, 5, 6, 7]])) == 0
    assert mapping[8] not in mapping[:8]
    chain_groups = mapping[[0, 1, 2, 4, 5, 6, 7]]
    assert np.all(np.diff(chain_groups) >= 0)
    assert chain.sum() == len(set(chain_groups))


def test_a_spike_at_the_smallest_value_is_its_own_first_cell():
    import pandas as pd

    from leadlever.engine.features._binning import cell_labels, fit_bins
    from leadlever.engine.features._preprocessing import Preprocessor

    rng = np.random.default_rng(2)
    value = np.where(rng.random(4000) < 0.7, 0.0, np.round(rng.lognormal(3, 1, 4000), 2))
    frame = pd.DataFrame({"page_value": value})
    pre = Preprocessor().fit(frame)
    (info,), (cells,) = fit_bins(pre, frame, 16)
    assert info["spikes"] == [0.0]
    assert info["chain"][0] is False and cell_labels(info)[0] == "= 0"
    assert set(cells[value == 0]) == {0} and 0 not in set(cells[value > 0])
    # every interval cell holds training rows (no empty cell below the data)
    assert all(c > 0 for c in info["counts"][: info["missing_cell"]])
