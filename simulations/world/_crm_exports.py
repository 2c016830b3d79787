r"""CRM exports as users bring them, simulated from known truth.

Three look-alikes of real exports, for tests, documentation and benchmarks:

``pipeline``
    A B2B sales pipeline: one row per opportunity (``opportunity_id``, ``sales_agent``,
    ``product``, ``account``, ``sector``, ``deal_stage`` in Won/Lost/Engaging/Prospecting,
    ``engage_date``, ``close_date``, ``close_value``). **Won or lost is a coin toss**
    (:math:`P(\text{won}) = 0.63` for every closed deal, whatever its features), so any
    model of it must come out no better than chance. ``close_value`` is the deal's value
    when won and 0 when lost: a leak. Dates are ISO.
``education``
    An education company's lead-scoring export (``Prospect ID``, a unique increasing
    integer ``Lead Number``, ``Lead Origin``, ``Lead Source``, ``Do Not Email``,
    ``Converted`` 0/1, ``TotalVisits``, ``Total Time Spent on Website``,
    ``Page Views Per Visit``, ``Last Activity``, ``Specialization`` with the placeholder
    ``Select``, ``What is your current occupation``, ``Tags`` (written after the call:
    a leak)). Conversion follows a known logit in time on site, origin, activity and
    occupation; the truth's own AUC is about 0.88.
``valiant``
    The simulated Valiant leads exported by another CRM: foreign column names, a
    ``Status`` stage (Placed / Lost / New / In progress), day/month/year dates, a
    ``Lead Number`` id, some columns missing and the ground truth removed.

:func:`simulate_export` returns the table and the truth (``true_p_convert`` per row).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadlever.simulations.exceptions import SimulationError

__all__ = [
    "EXPORT_KINDS",
    "PIPELINE_WIN_RATE",
    "VALIANT_RENAMES",
    "simulate_export",
    "simulate_pipeline_export",
    "simulate_education_export",
    "export_valiant",
]

EXPORT_KINDS = ("pipeline", "education", "valiant")
#: share of closed pipeline deals that are won, independent of every feature
PIPELINE_WIN_RATE = 0.63

_PRODUCTS = {
    "GTX Basic": 550,
    "GTX Pro": 4820,
    "MG Special": 55,
    "MG Advanced": 3390,
    "GTX Plus Pro": 5480,
    "GTX Plus Basic": 1100,
    "GTK 500": 26770,
}
_SECTORS = (
    "technology", "medical", "retail", "software", "finance", "marketing", "entertainment",
    "telecommunications", "services", "employment",
)  # fmt: skip
_STAGES = ("Won", "Lost", "Engaging", "Prospecting")


def _alnum_ids(rng: np.random.Generator, n: int, width: int = 8) -> np.ndarray:
    alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
    while True:
        ids = np.array(["".join(row) for row in rng.choice(alphabet, size=(n, width))])
        if np.unique(ids).size == n:
            return ids


def simulate_pipeline_export(n: int = 8800, *, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A B2B pipeline whose outcome is unpredictable (module docstring); returns (table, truth)."""
    rng = np.random.default_rng(seed)
    agents = np.array([f"Agent {chr(65 + i // 5)}{i % 5 + 1}" for i in range(30)])
    accounts = np.array([f"Account {i:02d}" for i in range(85)])
    account_sector = rng.choice(np.array(_SECTORS), size=accounts.size)
    products = np.array(list(_PRODUCTS))
    product = rng.choice(products, size=n, p=np.array([18, 16, 14, 13, 12, 17, 10]) / 100)
    stage = rng.choice(np.array(_STAGES), size=n, p=[0.48, 0.29, 0.16, 0.07])
    closed = np.isin(stage, ("Won", "Lost"))
    # the truth: among closed deals, won with the same probability whatever the features
    won = rng.random(n) < PIPELINE_WIN_RATE
    stage = np.where(closed, np.where(won, "Won", "Lost"), stage)
    acc_idx = rng.integers(0, accounts.size, n)
    account = np.where(stage == "Prospecting", "", accounts[acc_idx]).astype(object)
    sector = np.where(stage == "Prospecting", "", account_sector[acc_idx]).astype(object)
    start = np.datetime64("2016-10-20")
    engage = start + rng.integers(0, 430, n).astype("timedelta64[D]")
    close = engage + (rng.gamma(1.6, 30.0, n).astype(int) + 1).astype("timedelta64[D]")
    list_price = np.array([_PRODUCTS[p] for p in product], dtype=float)
    value = np.round(list_price * rng.uniform(0.9, 1.1, n))
    table = pd.DataFrame(
        {
            "opportunity_id": _alnum_ids(rng, n),
            "sales_agent": rng.choice(agents, size=n),
            "product": product,
            "account": account,
            "sector": sector,
            "deal_stage": stage,
            "engage_date": np.where(
                stage == "Prospecting", "", pd.to_datetime(engage).strftime("%Y-%m-%d")
            ),
            "close_date": np.where(closed, pd.to_datetime(close).strftime("%Y-%m-%d"), ""),
            "close_value": np.where(stage == "Won", value, np.where(stage == "Lost", 0.0, np.nan)),
        }
    )
    return table, np.full(n, PIPELINE_WIN_RATE)


def simulate_education_export(n: int = 9240, *, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """An education company's lead export with a known conversion logit; returns (table, truth)."""
    rng = np.random.default_rng(seed)
    origin = rng.choice(
        np.array(["Landing Page Submission", "API", "Lead Add Form", "Lead Import"]),
        size=n,
        p=[0.53, 0.39, 0.077, 0.003],
    )
    source = rng.choice(
        np.array(["Google", "Direct Traffic", "Olark Chat", "Organic Search", "Reference",
                  "Welingak Website", "Referral Sites"]),
        size=n,
        p=[0.31, 0.28, 0.19, 0.125, 0.058, 0.015, 0.022],
    )  # fmt: skip
    activity = rng.choice(
        np.array(["Email Opened", "SMS Sent", "Olark Chat Conversation", "Page Visited on Website",
                  "Converted to Lead", "Email Bounced", "Email Link Clicked"]),
        size=n,
        p=[0.38, 0.30, 0.11, 0.07, 0.05, 0.04, 0.05],
    )  # fmt: skip
    occupation = rng.choice(
        np.array(["Unemployed", "Working Professional", "Student", "Other", ""]),
        size=n,
        p=[0.60, 0.08, 0.02, 0.01, 0.29],
    )
    specialization = rng.choice(
        np.array(["Select", "Finance Management", "Human Resource Management",
                  "Marketing Management", "Operations Management", "IT Projects Management", ""]),
        size=n,
        p=[0.21, 0.11, 0.09, 0.09, 0.06, 0.04, 0.40],
    )  # fmt: skip
    visits = rng.poisson(3.2, n) * (rng.random(n) > 0.24)
    seconds = np.where(visits > 0, rng.gamma(1.1, 520.0, n), 0.0).round()
    pages = np.where(visits > 0, rng.gamma(2.0, 1.2, n), 0.0).round(2)
    do_not_email = np.where(rng.random(n) < 0.08, "Yes", "No")
    eta = (
        -2.6
        + 1.7 * np.log1p(seconds / 300.0)
        + np.select([origin == "Lead Add Form", origin == "API"], [3.2, -0.4], 0.0)
        + np.select(
            [
                activity == "SMS Sent",
                activity == "Email Bounced",
                activity == "Olark Chat Conversation",
            ],
            [2.0, -2.2, -1.4],
            0.0,
        )
        + np.select(
            [occupation == "Working Professional", occupation == "Unemployed"], [3.0, 0.3], 0.0
        )
        - 1.3 * (do_not_email == "Yes")
        + 0.6 * (source == "Reference")
    )
    p = 1.0 / (1.0 + np.exp(-eta))
    converted = (rng.random(n) < p).astype(int)
    tags = np.where(
        converted == 1,
        rng.choice(np.array(["Will revert after reading the email", "Closed by Horizzon"]), size=n),
        rng.choice(
            np.array(["Ringing", "Interested in other courses", "Already a student", ""]), size=n
        ),
    )
    lead_number = 579_533 + np.cumsum(rng.integers(1, 12, n))
    table = pd.DataFrame(
        {
            "Prospect ID": [f"{rng.integers(0, 16**12):012x}-{i:06d}" for i in range(n)],
            "Lead Number": lead_number,
            "Lead Origin": origin,
            "Lead Source": source,
            "Do Not Email": do_not_email,
            "Converted": converted,
            "TotalVisits": np.where(rng.random(n) < 0.015, np.nan, visits),
            "Total Time Spent on Website": seconds.astype(int),
            "Page Views Per Visit": np.where(rng.random(n) < 0.015, np.nan, pages),
            "Last Activity": activity,
            "Specialization": specialization,
            "What is your current occupation": occupation,
            "Tags": tags,
        }
    )
    return table, p


#: Valiant lead-table column -> the name another CRM gives it
VALIANT_RENAMES = {
    "lead_id": "Lead ID",
    "created_at": "Created Date",
    "channel": "Lead Source",
    "campaign": "Campaign Name",
    "age": "Age",
    "years_experience": "Years of Experience",
    "education": "Highest Degree",
    "industry": "Industry",
    "role_category": "Role",
    "city": "City",
    "current_salary": "Current Salary",
    "expected_salary": "Desired Salary",
    "skills_match": "Skills Match",
    "site_visits": "Web Visits",
    "time_on_site_min": "Minutes on Site",
    "email_opens": "Email Opens",
    "email_clicks": "Email Clicks",
    "downloads": "Downloads",
    "days_since_last_activity": "Days Since Last Touch",
    "placement_salary": "Starting Salary",
    "effort_hours": "Consultant Hours",
    "fit_feedback": "Client Feedback",
}
_DROPPED = ("pages_viewed", "country", "commission", "n_interactions", "resale_value")


def export_valiant(leads: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
    """Valiant leads as another CRM exports them (module docstring)."""
    rng = np.random.default_rng(seed)
    n = len(leads)
    conv = leads["converted"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    status = np.where(
        conv == 1,
        "Placed",
        np.where(conv == 0, "Lost", rng.choice(np.array(["New", "In progress"]), size=n)),
    )
    created = pd.to_datetime(leads["created_at"])
    closed_at = created + pd.to_timedelta(leads["days_to_convert"], unit="D")
    out = leads.drop(
        columns=[c for c in leads.columns if c.startswith("true_") or c in _DROPPED]
    ).rename(columns=VALIANT_RENAMES)
    out["Created Date"] = created.dt.strftime("%d/%m/%Y")
    out["Close Date"] = np.where(np.isfinite(conv), closed_at.dt.strftime("%d/%m/%Y"), "")
    out["Client Feedback"] = (
        leads["fit_feedback"].astype("Float64").map({1.0: "yes", 0.0: "no"}).astype("string")
    )
    out = out.drop(columns=["converted", "days_to_convert"])
    out.insert(1, "Lead Number", 100_000 + np.arange(n) * 3 + rng.integers(0, 3, n))
    out.insert(3, "Status", status)
    return out


def simulate_export(kind: str, n: int, *, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """One of :data:`EXPORT_KINDS` with ``n`` rows: (table, true conversion probability)."""
    if kind not in EXPORT_KINDS:
        raise SimulationError(
            f"The export kind must be one of {', '.join(EXPORT_KINDS)}. Got {kind!r} instead."
        )
    if not isinstance(n, int) or n < 50:
        raise SimulationError(f"An export needs at least 50 rows. Got {n!r} instead.")
    if kind == "pipeline":
        return simulate_pipeline_export(n, seed=seed)
    if kind == "education":
        return simulate_education_export(n, seed=seed)
    from leadlever.simulations.world._leads import simulate_leads

    leads = simulate_leads(n, seed=seed)
    return export_valiant(leads, seed=seed), leads["true_p_convert"].to_numpy(dtype=float)
