"""Shared simulated data and a fitted qualification bundle for the qualification tests."""

from __future__ import annotations

import functools

import pandas as pd

from leadlever.simulations.world import simulate_leads


@functools.cache
def leads(n: int = 20_000, seed: int = 5) -> pd.DataFrame:
    return simulate_leads(n, seed=seed)


@functools.cache
def bundle():
    from leadlever.engine.qualification import fit_bundle

    return fit_bundle(leads(6_000, 8), seed=1)
