"""Weekly channel history drawn from the same ground truth as the leads.

Each week every channel's spend varies around its historical level (a
log-normal wiggle plus occasional pushes and pauses, so the response curve is
identifiable), leads arrive as Poisson draws from the channel's Hill curve,
conversions are binomial with the channel's mean conversion probability, and
value is the commission those conversions earn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadlever.simulations.exceptions import SimulationError
from leadlever.simulations.world._channels import ValiantWorld, default_world
from leadlever.simulations.world._leads import sample_leads

__all__ = ["simulate_channels", "channel_economics", "HISTORY_COLUMNS"]

HISTORY_COLUMNS = (
    "week",
    "channel",
    "spend",
    "leads",
    "conversions",
    "value",
    "true_expected_leads",
    "true_expected_value",
)


def channel_economics(
    world: ValiantWorld, *, n_per_channel: int = 20000, seed: int = 12345
) -> pd.DataFrame:
    """Mean conversion probability and commission per channel (ground truth).

    Estimated from ``n_per_channel`` simulated leads per channel with a fixed
    seed, so it is the same number every time it is asked for.

    Returns
    -------
    pandas.DataFrame
        Index channel; columns ``p_convert``, ``commission`` (mean over placed
        leads, weighted by p) and ``value_per_lead`` = E[p x commission].
    """
    rng = np.random.default_rng(seed)
    k = len(world.channels)
    idx = np.repeat(np.arange(k), n_per_channel)
    leads = sample_leads(world, idx, np.full(idx.shape, 10_000), rng)
    value = leads["true_p_convert"] * world.commission_rate * leads["true_salary"]
    grouped = pd.DataFrame(
        {"channel": leads["channel"].astype(str), "p": leads["true_p_convert"], "v": value}
    ).groupby("channel", sort=False)
    out = pd.DataFrame({"p_convert": grouped["p"].mean(), "value_per_lead": grouped["v"].mean()})
    out["commission"] = out["value_per_lead"] / out["p_convert"]
    return out.loc[world.channel_names]


def simulate_channels(
    weeks: int,
    *,
    seed: int | np.random.Generator = 0,
    world: ValiantWorld | None = None,
) -> pd.DataFrame:
    """Simulate ``weeks`` weeks of spend, leads, conversions and value per channel.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HISTORY_COLUMNS`, one row per week and channel, the
        last week ending at the world's observation date. ``true_*`` columns
        are the noiseless expectations (simulator only).
    """
    if isinstance(weeks, bool) or not isinstance(weeks, int | np.integer) or weeks < 1:
        raise SimulationError(
            f"The 'weeks' parameter of simulate_channels must be an int >= 1. Got {weeks!r} instead."
        )
    world = world or default_world()
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    econ = channel_economics(world)
    k = len(world.channels)
    base = world.current_spend
    wiggle = np.exp(rng.normal(0.0, 0.45, (weeks, k)))
    push = np.where(rng.random((weeks, k)) < 0.08, rng.uniform(1.5, 3.0, (weeks, k)), 1.0)
    pause = rng.random((weeks, k)) < 0.03
    spend = np.where(pause, 0.0, (base * wiggle * push).round(0))
    expected = np.column_stack(
        [c.expected_leads(spend[:, j]) for j, c in enumerate(world.channels)]
    )
    leads = rng.poisson(expected)
    conversions = rng.binomial(leads, econ["p_convert"].to_numpy())
    commission = econ["commission"].to_numpy()
    value = (conversions * commission * np.exp(rng.normal(0, 0.1, (weeks, k)))).round(2)
    end = np.datetime64(world.observation_date, "D")
    week_dates = end - (np.arange(weeks)[::-1] * 7).astype("timedelta64[D]")
    return pd.DataFrame(
        {
            "week": np.repeat(week_dates, k),
            "channel": np.tile(np.array(world.channel_names, dtype=object), weeks),
            "spend": spend.ravel(),
            "leads": leads.ravel(),
            "conversions": conversions.ravel(),
            "value": value.ravel(),
            "true_expected_leads": expected.ravel().round(4),
            "true_expected_value": (expected * econ["value_per_lead"].to_numpy()).ravel().round(2),
        }
    )
