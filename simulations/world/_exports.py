"""Channel histories saved the way ad platforms export them, and a Facebook-ads-style export.

:func:`platform_export` renames a simulated history's columns as an ad
platform's report does (``Reporting starts``, ``Campaign name``, ``Amount spent
(EUR)``, ``Results``, ``Conversion value``), adds the columns such reports carry
(impressions, clicks, cost per result), drops the truth, and optionally splits
every week into 7 daily rows (spend and value spread over the days with noise).
LeadLever reads such a file as it is (``allocate fit``).

:func:`facebook_ads_export` builds a table like the public Facebook ad-campaign
export the issue describes: one row per **ad** (no dates), its campaign
(``xyz_campaign_id``, ``fb_campaign_id``), audience (``age``, ``gender``,
``interest`` code), ``Impressions``, ``Clicks``, ``Spent`` and the
``Total_Conversion`` and ``Approved_Conversion`` it brought. Most ads spend
little, a few spend a lot, conversions are a few per ad and only loosely follow
spend, and many interest groups have a handful of ads: the curves it supports are
mostly weak or unidentified, which is the point.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["platform_export", "facebook_ads_export", "simulate_channel_file", "FACEBOOK_COLUMNS"]

FACEBOOK_COLUMNS = (
    "ad_id",
    "xyz_campaign_id",
    "fb_campaign_id",
    "age",
    "gender",
    "interest",
    "Impressions",
    "Clicks",
    "Spent",
    "Total_Conversion",
    "Approved_Conversion",
)


def platform_export(
    history: pd.DataFrame, *, daily: bool = False, seed: int | np.random.Generator = 0
) -> pd.DataFrame:
    """A simulated weekly history as an ad platform's report (see the module docstring)."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    frame = history[["week", "channel", "spend", "conversions", "value"]].copy()
    if daily:
        parts = []
        k = len(frame)
        share_s = rng.dirichlet(np.full(7, 20.0), k)
        share_v = rng.dirichlet(np.full(7, 5.0), k)
        left = frame["conversions"].to_numpy().astype(int)
        for d in range(7):
            day = frame.copy()
            day["week"] = pd.to_datetime(day["week"]) + pd.Timedelta(days=d)
            day["spend"] = (frame["spend"].to_numpy() * share_s[:, d]).round(2)
            day["value"] = (frame["value"].to_numpy() * share_v[:, d]).round(2)
            today = rng.binomial(left, 1.0 / (7 - d))  # a multinomial split, one day at a time
            left = left - today
            day["conversions"] = today
            parts.append(day)
        frame = pd.concat(parts).sort_values(["week", "channel"], kind="stable")
        frame = frame.reset_index(drop=True)
    impressions = np.round(frame["spend"].to_numpy() * rng.uniform(80, 160, len(frame)))
    clicks = rng.binomial(impressions.astype(int), 0.012)
    results = frame["conversions"].to_numpy()
    return pd.DataFrame(
        {
            "Day" if daily else "Reporting starts": pd.to_datetime(frame["week"]).dt.date.astype(
                str
            ),
            "Campaign name": frame["channel"].to_numpy(),
            "Impressions": impressions.astype(int),
            "Clicks": clicks,
            "Amount spent (EUR)": frame["spend"].to_numpy(),
            "Results": results,
            "Cost per result": np.where(
                results > 0, (frame["spend"].to_numpy() / np.maximum(results, 1)).round(2), np.nan
            ),
            "Conversion value": frame["value"].to_numpy(),
        }
    )


def facebook_ads_export(
    n_ads: int = 1143, *, seed: int | np.random.Generator = 0, n_interests: int = 40
) -> pd.DataFrame:
    """A Facebook-ads-style export: one row per ad, no dates (see the module docstring).

    Each interest group has a true Hill curve of approved conversions per ad in
    the ad's spend (half-saturation 20-300, shape 0.6-2); an ad's conversions are
    Poisson around it (with ad-to-ad heterogeneity), approved ones binomial.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    campaigns = np.array([916, 936, 1178])
    camp = rng.choice(campaigns, n_ads, p=[0.05, 0.4, 0.55])
    interests = np.sort(rng.choice(np.arange(2, 115), n_interests, replace=False))
    weights = rng.dirichlet(np.full(n_interests, 0.6))
    interest = rng.choice(interests, n_ads, p=weights)
    level = np.where(camp == 1178, 3.3, np.where(camp == 936, 1.5, 0.5))
    spent = np.where(rng.random(n_ads) < 0.18, 0.0, np.round(np.exp(rng.normal(level, 1.1)), 2))
    idx = np.searchsorted(interests, interest)
    half = rng.uniform(20, 300, n_interests)[idx]
    shape = rng.uniform(0.6, 2.0, n_interests)[idx]
    top = rng.uniform(2.0, 12.0, n_interests)[idx]
    mean = top * spent**shape / (half**shape + spent**shape) + 0.8
    total = rng.poisson(mean * rng.gamma(2.0, 0.5, n_ads))
    approved = rng.binomial(total, 0.35)
    impressions = np.round(spent * rng.uniform(2000, 4000, n_ads) + rng.integers(50, 500, n_ads))
    return pd.DataFrame(
        {
            "ad_id": 708_000 + np.arange(n_ads) * 7 + rng.integers(0, 7, n_ads),
            "xyz_campaign_id": camp,
            "fb_campaign_id": 103_900 + np.cumsum(rng.random(n_ads) < 0.45),
            "age": rng.choice(
                ["30-34", "35-39", "40-44", "45-49"], n_ads, p=[0.37, 0.23, 0.2, 0.2]
            ),
            "gender": rng.choice(["M", "F"], n_ads),
            "interest": interest,
            "Impressions": impressions.astype(int),
            "Clicks": rng.binomial(impressions.astype(int), 0.00018),
            "Spent": spent,
            "Total_Conversion": total,
            "Approved_Conversion": approved,
        }
    )


def simulate_channel_file(
    out,
    *,
    weeks: int,
    seed: int = 0,
    world: str = "valiant",
    n_channels: int = 6,
    truth=None,
    style: str = "leadlever",
    daily: bool = False,
) -> dict:
    """Simulate a channel history and write it (and the truth as versioned JSON); a summary.

    ``world`` is ``"valiant"`` (the default world) or ``"random"``
    (:func:`~leadlever.simulations.world.random_channel_world` with ``n_channels``, seeded
    by ``seed``); ``style="platform"`` writes it as an ad platform's report
    (:func:`platform_export`), ``daily`` with one row per day.
    """
    from leadlever.engine.io._persist import dumps_json
    from leadlever.engine.io._tables import atomic_write_text, table_format, write_table
    from leadlever.simulations.exceptions import SimulationError
    from leadlever.simulations.world._channel_world import random_channel_world
    from leadlever.simulations.world._history import simulate_channels, valiant_channel_world

    table_format(out)
    if daily and style != "platform":
        raise SimulationError("--daily writes an ad platform's report: add --style platform.")
    rng = np.random.default_rng(seed)
    cw = (
        random_channel_world(n_channels, seed=rng) if world == "random" else valiant_channel_world()
    )
    history = simulate_channels(weeks, seed=rng, world=cw)
    frame = platform_export(history, daily=daily, seed=rng) if style == "platform" else history
    if truth is not None:
        atomic_write_text(dumps_json(cw.to_dict()), truth)
    write_table(frame, out)
    totals = history.groupby("channel", sort=False)[
        ["spend", "leads", "conversions", "value"]
    ].sum()
    rates = {c.name: c.carryover for c in cw.channels}
    return {
        "out": str(out),
        "weeks": weeks,
        "n_rows": len(frame),
        "world": world,
        "truth": None if truth is None else str(truth),
        "by_channel": [
            {"channel": name, **row, "true_carryover": rates[name]}
            for name, row in totals.to_dict(orient="index").items()
        ],
    }
