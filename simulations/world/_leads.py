"""Draw simulated Valiant leads with explicit, implicit and ground-truth columns.

The true probability of eventual conversion is non-linear in the features and
has interactions (skills match x strategic role, salary expectations beyond
+20%, a hump in years of experience, activity decay), so a plain logistic
regression is good but not perfect. Columns starting with ``true_`` are ground
truth: they are **not available in real life** and must never be used as
model inputs.

Outcomes are observed as a CRM would show them at the observation date:
``converted`` is 1 (placed), 0 (closed lost) or empty (still open), and
``days_to_convert`` is the days to placement, or the days observed without a
placement (right-censored) for lost and open leads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadlever.simulations.world._channels import (
    CITIES,
    CITY_PROBS,
    EDUCATION,
    EDUCATION_EFFECT,
    EDUCATION_PROBS,
    INDUSTRIES,
    INDUSTRY_PROBS,
    ROLE_EFFECT,
    ROLE_FIT,
    ROLE_SALARY,
    ROLES,
    SERVED_COUNTRIES,
    ValiantWorld,
    default_world,
)
from leadlever.simulations.world._timing import TIMING_LAW

__all__ = ["simulate_leads", "sample_leads", "LEAD_COLUMNS", "TRUE_COLUMNS", "MAX_DAYS_TO_CLOSE"]

#: every lead is closed (placed or lost) at most this many days after arrival
MAX_DAYS_TO_CLOSE = 330

TRUE_COLUMNS = (
    "true_p_convert",
    "true_will_convert",
    "true_days_to_convert",
    "true_salary",
    "true_effort_hours",
    "true_p_fit",
    "true_resale_value",
)

LEAD_COLUMNS = (
    "lead_id",
    "created_at",
    "channel",
    "campaign",
    "age",
    "years_experience",
    "education",
    "industry",
    "role_category",
    "city",
    "country",
    "current_salary",
    "expected_salary",
    "skills_match",
    "site_visits",
    "pages_viewed",
    "time_on_site_min",
    "email_opens",
    "email_clicks",
    "downloads",
    "days_since_last_activity",
    "converted",
    "days_to_convert",
    "placement_salary",
    "commission",
    "n_interactions",
    "effort_hours",
    "fit_feedback",
    "resale_value",
) + TRUE_COLUMNS


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _categorical(rng: np.random.Generator, probs: np.ndarray, size: int) -> np.ndarray:
    """Vectorised draw of category indices for rows sharing one probability vector."""
    cum = np.cumsum(probs / probs.sum())
    return np.minimum(np.searchsorted(cum, rng.random(size), side="right"), len(probs) - 1)


def _categorical_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Vectorised draw with a probability vector per row (``probs`` is n x k)."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(probs.shape[0])[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def true_logit(
    world: ValiantWorld,
    channel_idx: np.ndarray,
    campaign_shift: np.ndarray,
    features: dict[str, np.ndarray],
) -> np.ndarray:
    r"""Ground-truth log-odds of eventual conversion.

    .. math::
        \eta = \beta_0 + q_{channel} + \delta_{campaign} + \rho_{role} + \epsilon_{edu}
             + 2.0(m - \tfrac12) + 1.4(m - \tfrac12)\,[role \in \{DS, DE\}]
             + 0.22\min(y, 8) - 0.07(y - 8)_+
             + 0.35\log(1 + visits) + 0.45\log(1 + downloads) + 0.25\log(1 + clicks)
             - 0.9(1 - e^{-d/30}) - 2.0(r - 1.2)_+ - 1.6[country\ not\ served]

    with skills match :math:`m`, years of experience :math:`y`, days since last
    activity :math:`d` and salary ratio :math:`r` = expected / current.
    """
    quality = np.array([c.quality for c in world.channels])[channel_idx]
    role = features["role_idx"]
    m = features["skills_match"]
    y = features["years_experience"]
    ratio = features["expected_salary"] / features["current_salary"]
    data_role = (role <= 1).astype(float)
    return (
        world.intercept
        + quality
        + campaign_shift
        + ROLE_EFFECT[role]
        + EDUCATION_EFFECT[features["education_idx"]]
        + 2.0 * (m - 0.5)
        + 1.4 * (m - 0.5) * data_role
        + 0.22 * np.minimum(y, 8.0)
        - 0.07 * np.maximum(y - 8.0, 0.0)
        - 1.5
        + 0.35 * np.log1p(features["site_visits"])
        + 0.45 * np.log1p(features["downloads"])
        + 0.25 * np.log1p(features["email_clicks"])
        - 0.9 * (1.0 - np.exp(-features["days_since_last_activity"] / 30.0))
        - 2.0 * np.maximum(ratio - 1.2, 0.0)
        - 1.6 * (~features["served"]).astype(float)
    )


def sample_leads(
    world: ValiantWorld,
    channel_idx: np.ndarray,
    created_day: np.ndarray,
    rng: np.random.Generator,
    *,
    id_offset: int = 0,
    id_prefix: str = "L",
) -> pd.DataFrame:
    """Draw one lead per entry of ``channel_idx``.

    Parameters
    ----------
    world : ValiantWorld
    channel_idx : ndarray of int
        Index into ``world.channels`` for each lead.
    created_day : ndarray of int
        Day of arrival, counted back from the observation date (0 = that day,
        positive = days before it). Outcomes later than the observation date
        are censored.
    rng : numpy.random.Generator
    id_offset : int
        Number of the first lead (ids are ``L0000001``...).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LEAD_COLUMNS`.
    """
    n = int(channel_idx.shape[0])
    channel_idx = np.asarray(channel_idx, dtype=np.int64)
    created_day = np.asarray(created_day, dtype=np.int64)
    chans = world.channels

    # --- campaign ---------------------------------------------------------
    n_camp = np.array([len(c.campaigns) for c in chans])
    camp_local = np.floor(rng.random(n) * n_camp[channel_idx]).astype(np.int64)
    camp_offsets = np.concatenate([[0], np.cumsum(n_camp)[:-1]])
    camp_names = np.array([name for c in chans for name in c.campaigns], dtype=object)
    campaign_shift = np.where(camp_local == 0, 0.1, -0.1)

    # --- explicit data ----------------------------------------------------
    role_mix = np.array([c.role_mix for c in chans])
    role = _categorical_rows(rng, role_mix[channel_idx])
    education = _categorical(rng, EDUCATION_PROBS, n)
    city = _categorical(rng, CITY_PROBS, n)
    industry = _categorical(rng, INDUSTRY_PROBS, n)
    years = np.clip(rng.gamma(2.0, 3.2, n), 0.0, 38.0).round(1)
    age = np.clip(22.0 + years + np.where(education == 2, 4.0, 0.0) + rng.normal(0, 2.0, n), 19, 67)
    quality = np.array([c.quality for c in chans])[channel_idx]
    skills = np.clip(rng.beta(2.2, 2.2, n) + 0.08 * quality, 0.0, 1.0).round(3)
    city_factor = np.array([c[2] for c in CITIES])[city]
    current_salary = (
        ROLE_SALARY[role]
        * (1 + 0.045 * np.minimum(years, 15))
        * city_factor
        * np.exp(rng.normal(0, 0.18, n))
    ).round(-2)
    expected_salary = (current_salary * (1.03 + rng.gamma(2.0, 0.08, n))).round(-2)
    countries = np.array([c[1] for c in CITIES], dtype=object)[city]
    served = np.isin(countries, SERVED_COUNTRIES)

    # --- implicit (behavioural) data ---------------------------------------
    engagement = rng.normal(0.4 * quality, 1.0, n)
    site_visits = rng.poisson(np.exp(1.1 + 0.5 * engagement))
    pages_viewed = site_visits * (1 + rng.poisson(2.0, n))
    time_on_site = (pages_viewed * rng.gamma(2.0, 0.8, n)).round(1)
    email_opens = rng.poisson(np.exp(0.9 + 0.4 * engagement))
    email_clicks = rng.binomial(email_opens, _sigmoid(-1.0 + 0.5 * engagement))
    downloads = rng.poisson(np.exp(-1.1 + 0.6 * engagement))
    days_since = np.minimum(rng.exponential(18.0 * np.exp(-0.5 * engagement)), 365).astype(np.int64)

    features = {
        "role_idx": role,
        "education_idx": education,
        "skills_match": skills,
        "years_experience": years,
        "current_salary": current_salary,
        "expected_salary": expected_salary,
        "site_visits": site_visits,
        "downloads": downloads,
        "email_clicks": email_clicks,
        "days_since_last_activity": days_since,
        "served": served,
    }
    p_convert = _sigmoid(true_logit(world, channel_idx, campaign_shift, features))
    will_convert = rng.random(n) < p_convert

    # --- timing: Weibull, proportional hazards in the covariates (one law) ----
    scale = TIMING_LAW.scale(TIMING_LAW.linear_predictor(skills, downloads, days_since))
    t_convert = TIMING_LAW.sample(rng, scale, MAX_DAYS_TO_CLOSE)
    t_lost = np.ceil(rng.uniform(20, MAX_DAYS_TO_CLOSE, n))
    elapsed = created_day.astype(float)
    closes_at = np.where(will_convert, t_convert, t_lost)
    closed = closes_at <= elapsed
    converted = np.where(closed, will_convert.astype(float), np.nan)
    days_to_convert = np.where(closed, closes_at, elapsed).astype(np.int64)

    # --- value, effort, fit, resale -----------------------------------------
    true_salary = (expected_salary * np.exp(rng.normal(0.0, 0.08, n))).round(-2)
    placed = closed & will_convert
    placement_salary = np.where(placed, true_salary, np.nan)
    commission = np.where(placed, (world.commission_rate * true_salary).round(2), np.nan)
    mu_n = np.exp(
        1.6
        + 1.0 * (0.5 - skills)
        + 0.25 * (expected_salary / current_salary > 1.25)
        + 0.2 * (role == 5)
    )
    true_effort = mu_n * 1.4
    n_inter = rng.negative_binomial(5, 5 / (5 + mu_n))
    effort_hours = (n_inter * rng.gamma(4.0, 0.35, n)).round(2)
    true_p_fit = _sigmoid(
        -0.4 + ROLE_FIT[role] + 2.5 * (skills - 0.5) + 0.08 * np.minimum(years, 10) - 0.4
    )
    fit_feedback = np.where(closed, (rng.random(n) < true_p_fit).astype(float), np.nan)
    true_resale = (25.0 + 420.0 * p_convert * (0.6 + 0.8 * true_p_fit)).round(2)
    offered = closed & ~placed & (rng.random(n) < 0.3)
    resale_value = np.where(offered, (true_resale * np.exp(rng.normal(0, 0.1, n))).round(2), np.nan)

    obs = np.datetime64(world.observation_date, "D")
    created_at = obs - created_day.astype("timedelta64[D]")
    ids = np.char.add(
        id_prefix, np.char.zfill(np.arange(id_offset + 1, id_offset + n + 1).astype(str), 7)
    )

    frame = pd.DataFrame(
        {
            "lead_id": ids.astype(object),
            "created_at": created_at,
            "channel": pd.Categorical.from_codes(channel_idx, world.channel_names),
            "campaign": pd.Categorical(camp_names[camp_offsets[channel_idx] + camp_local]),
            "age": age.round().astype(np.int64),
            "years_experience": years,
            "education": pd.Categorical.from_codes(education, EDUCATION),
            "industry": pd.Categorical.from_codes(industry, INDUSTRIES),
            "role_category": pd.Categorical.from_codes(role, ROLES),
            "city": pd.Categorical.from_codes(city, [c[0] for c in CITIES]),
            "country": pd.Categorical(countries),
            "current_salary": current_salary,
            "expected_salary": expected_salary,
            "skills_match": skills,
            "site_visits": site_visits,
            "pages_viewed": pages_viewed,
            "time_on_site_min": time_on_site,
            "email_opens": email_opens,
            "email_clicks": email_clicks,
            "downloads": downloads,
            "days_since_last_activity": days_since,
            "converted": pd.array(converted, dtype="Int8"),
            "days_to_convert": days_to_convert,
            "placement_salary": placement_salary,
            "commission": commission,
            "n_interactions": pd.array(np.where(closed, n_inter, np.nan), dtype="Int64"),
            "effort_hours": np.where(closed, effort_hours, np.nan),
            "fit_feedback": pd.array(fit_feedback, dtype="Int8"),
            "resale_value": resale_value,
            "true_p_convert": p_convert.round(6),
            "true_will_convert": will_convert.astype(np.int8),
            "true_days_to_convert": np.where(will_convert, t_convert, np.nan),
            "true_salary": true_salary,
            "true_effort_hours": true_effort.round(3),
            "true_p_fit": true_p_fit.round(6),
            "true_resale_value": true_resale,
        }
    )
    return frame


def simulate_leads(
    n: int,
    *,
    seed: int | np.random.Generator = 0,
    world: ValiantWorld | None = None,
    history_days: int | None = None,
) -> pd.DataFrame:
    """Simulate ``n`` leads spread over the world's history window.

    Channels are drawn in proportion to the leads each brings at the
    historical (current) spend; creation days are uniform over the last
    ``history_days`` days, so the oldest leads are all closed and the newest
    are mostly open.

    Parameters
    ----------
    n : int
        Number of leads (>= 1).
    seed : int or numpy.random.Generator
        Same seed, same table (byte-identical when written).
    world : ValiantWorld, optional
        Defaults to :func:`leadlever.simulations.world._channels.default_world`.
    history_days : int, optional
        Overrides ``world.history_days``.
    """
    from leadlever.simulations.exceptions import SimulationError

    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise SimulationError(
            f"The 'n' parameter of simulate_leads must be an int >= 1. Got {n!r} instead."
        )
    world = world or default_world()
    days = int(history_days if history_days is not None else world.history_days)
    if days < 1:
        raise SimulationError(
            f"The 'history_days' parameter of simulate_leads must be >= 1. Got {days!r} instead."
        )
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    volume = world.expected_leads(world.current_spend)
    channel_idx = _categorical(rng, volume, n)
    created_day = rng.integers(0, days, n)
    order = np.argsort(-created_day, kind="stable")  # oldest first, like a CRM export
    return sample_leads(world, channel_idx[order], created_day[order], rng)
