r"""Weekly channel history drawn from a channel world's ground truth.

Each week every channel's spend follows the world's spend pattern around its
current level; its effect carries over into later weeks (geometric adstock
:math:`A_t`); leads arrive as Poisson draws with mean :math:`m_t\,n(A_t)`
(the channel's Hill curve times the shared time effect), conversions are
binomial with the channel's conversion probability, and value is the
commission those conversions earn times a small log-normal factor. The
``true_*`` columns record the truth of every row (see
:mod:`leadlever.simulations.world._channel_world`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadlever.optimisers.curves._carryover import geometric_adstock
from leadlever.simulations.exceptions import SimulationError
from leadlever.simulations.world._channel_world import ChannelTruth, ChannelWorld
from leadlever.simulations.world._channels import ValiantWorld, default_world
from leadlever.simulations.world._leads import sample_leads

__all__ = ["simulate_channels", "channel_economics", "valiant_channel_world", "HISTORY_COLUMNS"]

HISTORY_COLUMNS = (
    "week",
    "channel",
    "spend",
    "leads",
    "conversions",
    "value",
    "true_adstock",
    "true_time_effect",
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


def valiant_channel_world(world: ValiantWorld | None = None) -> ChannelWorld:
    """The Valiant world's channels as a :class:`ChannelWorld` (value per lead from the leads)."""
    world = world or default_world()
    econ = channel_economics(world)
    return ChannelWorld(
        channels=tuple(
            ChannelTruth(
                name=c.name,
                scale=c.scale,
                half_saturation=c.half_saturation,
                shape=c.shape,
                value_per_lead=float(econ.loc[c.name, "value_per_lead"]),
                p_convert=float(econ.loc[c.name, "p_convert"]),
                carryover=c.carryover,
                current_spend=c.current_spend,
                wander=world.spend_wander,
            )
            for c in world.channels
        ),
        seasonality=world.seasonality,
        pattern=world.spend_pattern,
        end_date=world.observation_date,
    )


def simulate_channels(
    weeks: int,
    *,
    seed: int | np.random.Generator = 0,
    world: ValiantWorld | ChannelWorld | None = None,
) -> pd.DataFrame:
    """Simulate ``weeks`` weeks of spend, leads, conversions and value per channel.

    Parameters
    ----------
    weeks : int
    seed : int or numpy.random.Generator
        Same seed, same table.
    world : ValiantWorld or ChannelWorld, optional
        The truth (default: the Valiant world, with its carry-over and season).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HISTORY_COLUMNS`, one row per week and channel, the last
        week ending at the world's end date. ``true_*`` columns are the truth
        (simulator only): adstocked spend, time effect, expected leads and value.
    """
    if isinstance(weeks, bool) or not isinstance(weeks, int | np.integer) or weeks < 1:
        raise SimulationError(
            f"The 'weeks' parameter of simulate_channels must be an int >= 1. Got {weeks!r} instead."
        )
    cw = world if isinstance(world, ChannelWorld) else valiant_channel_world(world)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    chans = cw.channels
    k = len(chans)
    base = cw.current_spend
    factor = cw.pattern.draw(np.array([c.wander for c in chans]), weeks, rng)
    spend = (base * factor).round(0)
    adstock = geometric_adstock(spend, np.array([c.carryover for c in chans]))
    end = np.datetime64(cw.end_date, "D")
    week_dates = end - (np.arange(weeks)[::-1] * 7).astype("timedelta64[D]")
    day_of_year = pd.DatetimeIndex(week_dates).day_of_year.to_numpy()
    season = cw.seasonality.multiplier((day_of_year - 1) / 7.0, np.arange(weeks) - (weeks - 1))
    expected = season[:, None] * np.column_stack(
        [c.expected_leads(adstock[:, j]) for j, c in enumerate(chans)]
    )
    leads = rng.poisson(expected)
    conversions = rng.binomial(leads, np.array([c.p_convert for c in chans]))
    commission = np.array([c.value_per_lead / c.p_convert for c in chans])
    noise = np.exp(rng.normal(0, cw.value_noise, (weeks, k)))
    value = (conversions * commission * noise).round(2)
    value_per_lead = np.array([c.value_per_lead for c in chans])
    return pd.DataFrame(
        {
            "week": np.repeat(week_dates, k),
            "channel": np.tile(np.array(cw.channel_names, dtype=object), weeks),
            "spend": spend.ravel(),
            "leads": leads.ravel(),
            "conversions": conversions.ravel(),
            "value": value.ravel(),
            "true_adstock": adstock.ravel().round(4),
            "true_time_effect": np.repeat(season, k).round(6),
            "true_expected_leads": expected.ravel().round(4),
            "true_expected_value": (expected * value_per_lead).ravel().round(2),
        }
    )
