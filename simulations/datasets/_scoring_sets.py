r"""Simulated exports with known additive and pairwise structure, for the scorer.

Three tables shaped like exports the scorer must handle without having seen them, each
with a known log-odds

.. math::
    \eta_i = \beta_0 + \sum_c f_c(x_{ic}) + \sum_{(a,b)} g_{ab}(x_{ia}, x_{ib}),
    \qquad y_i \sim \mathrm{Bernoulli}(\sigma(\eta_i)),

whose terms are returned with the table (``SimulatedSet.terms``, per row, in log-odds):

``sessions``
    e-commerce sessions (as in the UCI "online shoppers" data): a zero-inflated,
    heavy-tailed ``PageValues`` (about 78 % zeros) that dominates, a ``Month`` effect and
    a ``PageValues x Month`` pair (a positive page value is worth more in November),
    integer codes (``TrafficType``, ``OperatingSystems``) whose effect jumps from code to
    code, a smooth ``ExitRates`` effect, ``TRUE``/``FALSE`` text.
``leads``
    an education company's lead export: an id column and a unique increasing
    ``Lead Number`` (no signal), ``Total Time Spent on Website`` with a spike at 0,
    ``Select`` meaning "not chosen" in ``Specialization``, blanks, ``Yes``/``No`` flags,
    and an ``occupation x Last Activity`` pair.
``campaign``
    retail campaign responses: a smooth decreasing ``Recency`` effect whose slope is
    steeper for customers who accepted campaign 5 (a ``Recency x AcceptedCmp5`` pair),
    zero-inflated spend columns, income with missing values, ``dd-mm-yyyy`` dates, an id
    and constant columns.

Everything is drawn from one seeded :class:`numpy.random.Generator`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "SimulatedSet",
    "SIMULATED_SETS",
    "simulate_sessions",
    "simulate_lead_export",
    "simulate_campaign_responses",
]


@dataclass(frozen=True)
class SimulatedSet:
    """A simulated export and its truth.

    Attributes
    ----------
    frame : DataFrame
        The export as a user would have it (target column included).
    target : str
        The outcome column.
    p : ndarray
        True conversion probability of every row.
    terms : dict
        True log-odds contribution of every term per row (pairs named ``"a × b"``).
    pairs : list of tuple
        The columns of the true pair terms.
    options : dict
        What a user would pass to ``ConversionModel`` (``sentinels``, ``drop``).
    """

    frame: pd.DataFrame
    target: str
    p: np.ndarray
    terms: dict[str, np.ndarray]
    pairs: list[tuple[str, str]]
    options: dict[str, Any] = field(default_factory=dict)


def _draw(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    labels = list(shares)
    prob = np.asarray(list(shares.values()), dtype=float)
    return rng.choice(np.asarray(labels, dtype=object), size=n, p=prob / prob.sum())


def _finish(frame, target, intercept, terms, pairs, rng, options=None, text=None) -> SimulatedSet:
    eta = intercept + sum(terms.values())
    p = 1.0 / (1.0 + np.exp(-eta))
    y = (rng.random(len(p)) < p).astype(int)
    frame[target] = y if text is None else np.where(y == 1, text[1], text[0])
    return SimulatedSet(frame, target, p, terms, pairs, dict(options or {}))


MONTHS = {
    "Feb": 0.015, "Mar": 0.155, "May": 0.273, "June": 0.023, "Jul": 0.035,
    "Aug": 0.035, "Sep": 0.036, "Oct": 0.045, "Nov": 0.243, "Dec": 0.140,
}  # fmt: skip


def simulate_sessions(n: int = 12_000, seed: int | np.random.Generator = 0) -> SimulatedSet:
    """E-commerce sessions with a zero-inflated page value and a page value x month pair."""
    rng = np.random.default_rng(seed)
    month = _draw(rng, MONTHS, n)
    visitor = _draw(rng, {"Returning_Visitor": 0.85, "New_Visitor": 0.14, "Other": 0.01}, n)
    intent = rng.normal(size=n)
    product = rng.negative_binomial(1.2, 0.035, n) + 1
    pv_positive = rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 0.9 * intent)))
    page_value = np.where(pv_positive, np.round(np.exp(rng.normal(2.8, 1.0, n)), 2), 0.0)
    exit_rates = np.clip(rng.gamma(2.0, 0.02, n) + 0.02 * (intent < -1), 0, 0.2)
    traffic = rng.choice(np.arange(1, 21), n, p=np.r_[np.full(5, 0.14), np.full(15, 0.3 / 15)])
    op_sys = rng.choice(np.arange(1, 9), n, p=[0.21, 0.53, 0.2, 0.03, 0.01, 0.005, 0.005, 0.01])
    admin = np.where(rng.random(n) < 0.47, 0, rng.poisson(3.0, n) + 1)
    frame = pd.DataFrame(
        {
            "Administrative": admin,
            "Administrative_Duration": np.where(
                admin > 0, np.round(admin * np.exp(rng.normal(3.5, 1.0, n)), 1), 0.0
            ),
            "ProductRelated": product,
            "ProductRelated_Duration": np.round(product * np.exp(rng.normal(3.4, 0.8, n)), 1),
            "BounceRates": np.where(rng.random(n) < 0.45, 0.0, np.round(exit_rates / 3, 4)),
            "ExitRates": np.round(exit_rates, 4),
            "PageValues": page_value,
            "SpecialDay": _draw(rng, {0.0: 0.9, 0.2: 0.02, 0.4: 0.02, 0.6: 0.03, 0.8: 0.03}, n),
            "Month": month,
            "OperatingSystems": op_sys,
            "TrafficType": traffic,
            "VisitorType": visitor,
            "Weekend": np.where(rng.random(n) < 0.23, "TRUE", "FALSE"),
        }
    )
    frame["SpecialDay"] = frame["SpecialDay"].astype(float)
    month_effect = {"Nov": 0.5, "Dec": -0.3, "Feb": -1.0, "Mar": -0.3, "May": -0.2}
    traffic_effect = rng.normal(0.0, 0.5, 21)  # codes, not a quantity: jumps between codes
    terms = {
        "PageValues": np.where(page_value > 0, 2.2 + 0.5 * np.log1p(page_value / 20), -0.6),
        "Month": np.array([month_effect.get(m, 0.0) for m in month]),
        "PageValues × Month": np.where(
            (page_value > 0) & (month == "Nov"), 0.9, np.where(page_value > 0, -0.15, 0.0)
        ),
        "ExitRates": -12.0 * (exit_rates - 0.04),
        "TrafficType": traffic_effect[traffic],
        "VisitorType": np.where(visitor == "New_Visitor", 0.3, 0.0),
    }
    pairs = [("PageValues", "Month")]
    return _finish(frame, "Revenue", -2.3, terms, pairs, rng, text=("FALSE", "TRUE"))


def simulate_lead_export(n: int = 9_000, seed: int | np.random.Generator = 0) -> SimulatedSet:
    """An education company's lead export with an occupation x last activity pair."""
    rng = np.random.default_rng(seed)
    origin = _draw(rng, {"Landing Page Submission": 0.53, "API": 0.39, "Lead Add Form": 0.08}, n)
    source = _draw(
        rng,
        {"Google": 0.31, "Direct Traffic": 0.28, "Olark Chat": 0.19, "Organic Search": 0.13,
         "Reference": 0.06, "Welingak Website": 0.015, "Referral Sites": 0.015},
        n,
    )  # fmt: skip
    activity = _draw(
        rng,
        {"Email Opened": 0.37, "SMS Sent": 0.30, "Olark Chat Conversation": 0.11,
         "Page Visited on Website": 0.07, "Converted to Lead": 0.05, "Email Bounced": 0.035,
         "Email Link Clicked": 0.03, "": 0.035},
        n,
    )  # fmt: skip
    occupation = _draw(
        rng, {"Unemployed": 0.60, "": 0.29, "Working Professional": 0.08, "Student": 0.03}, n
    )
    visits = np.where(rng.random(n) < 0.24, 0, rng.negative_binomial(2, 0.4, n) + 1)
    time_spent = np.where(
        visits > 0, np.minimum(np.round(np.exp(rng.normal(6.0, 0.9, n))), 2272), 0
    )
    special = _draw(
        rng, {"Select": 0.21, "": 0.16, "Finance Management": 0.2, "HR Management": 0.2,
              "Marketing Management": 0.23}, n,
    )  # fmt: skip
    email = np.where(rng.random(n) < 0.08, "Yes", "No")
    frame = pd.DataFrame(
        {
            "Prospect ID": [f"{rng.integers(16**8):08x}-{i:06d}" for i in range(n)],
            "Lead Number": 579_533 + np.sort(rng.choice(80_000, n, replace=False)),
            "Lead Origin": origin,
            "Lead Source": source,
            "Do Not Email": email,
            "TotalVisits": np.where(rng.random(n) < 0.015, np.nan, visits.astype(float)),
            "Total Time Spent on Website": time_spent,
            "Page Views Per Visit": np.round(np.where(visits > 0, rng.gamma(2, 1.2, n), 0), 2),
            "Last Activity": activity,
            "Specialization": special,
            "What is your current occupation": occupation,
        }
    )
    activity_effect = {"SMS Sent": 1.2, "Email Opened": 0.3, "Olark Chat Conversation": -1.0,
                       "Email Bounced": -1.2, "Converted to Lead": -0.9}  # fmt: skip
    pair = np.zeros(n)
    pair[(occupation == "Unemployed") & (activity == "SMS Sent")] = 0.8
    pair[(occupation == "") & (activity == "Email Opened")] = -0.9
    pair[(occupation == "Working Professional") & (activity == "Email Opened")] = 0.9
    terms = {
        "Total Time Spent on Website": np.where(
            time_spent > 0, 2.2 * np.tanh((time_spent - 300) / 600), -0.4
        ),
        "Lead Origin": np.where(origin == "Lead Add Form", 2.0, np.where(origin == "API", -0.2, 0)),
        "Last Activity": np.array([activity_effect.get(a, 0.0) for a in activity]),
        "What is your current occupation": np.where(
            occupation == "Working Professional", 2.2, np.where(occupation == "", -1.0, 0.0)
        ),
        "What is your current occupation × Last Activity": pair,
        "Do Not Email": np.where(email == "Yes", -1.0, 0.0),
        "Lead Source": np.where(source == "Welingak Website", 1.5, 0.0),
    }
    return _finish(
        frame,
        "Converted",
        -0.9,
        terms,
        [("What is your current occupation", "Last Activity")],
        rng,
        {"sentinels": {"Specialization": ["Select"]}},
    )


def simulate_campaign_responses(
    n: int = 8_000, seed: int | np.random.Generator = 0
) -> SimulatedSet:
    """Retail campaign responses with a recency x earlier-acceptance pair."""
    rng = np.random.default_rng(seed)
    income = np.round(np.exp(rng.normal(10.8, 0.45, n)))
    income_shown = np.where(rng.random(n) < 0.01, np.nan, income)
    recency = rng.integers(0, 100, n)
    accepted = (rng.random((n, 3)) < [0.07, 0.075, 0.065]).astype(int)
    catalog = np.where(
        rng.random(n) < 0.26, 0, rng.poisson(np.clip((income - 20000) / 12000, 0.2, 9))
    )
    kids = rng.choice([0, 1, 2], n, p=[0.58, 0.40, 0.02])
    wines = np.where(rng.random(n) < 0.05, 0, np.round(np.exp(rng.normal(5.2, 1.2, n))))
    joined = pd.Timestamp("2012-07-30") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    frame = pd.DataFrame(
        {
            "ID": rng.permutation(n) + 1000,
            "Year_Birth": rng.integers(1945, 1997, n),
            "Education": _draw(
                rng,
                {"Graduation": 0.5, "PhD": 0.22, "Master": 0.16, "2n Cycle": 0.09, "Basic": 0.03},
                n,
            ),  # fmt: skip
            "Marital_Status": _draw(
                rng,
                {
                    "Married": 0.39,
                    "Together": 0.26,
                    "Single": 0.21,
                    "Divorced": 0.11,
                    "Widow": 0.03,
                },
                n,
            ),  # fmt: skip
            "Income": income_shown,
            "Kidhome": kids,
            "Dt_Customer": joined.strftime("%d-%m-%Y"),
            "Recency": recency,
            "MntWines": wines,
            "NumCatalogPurchases": catalog,
            "NumWebVisitsMonth": rng.poisson(5, n),
            "AcceptedCmp1": accepted[:, 0],
            "AcceptedCmp3": accepted[:, 1],
            "AcceptedCmp5": accepted[:, 2],
            "Z_CostContact": 3,
            "Z_Revenue": 11,
        }
    )
    terms = {
        "Recency": -0.025 * (recency - 50),
        "AcceptedCmp1": 1.0 * accepted[:, 0],
        "AcceptedCmp3": 1.2 * accepted[:, 1],
        "AcceptedCmp5": 1.6 * accepted[:, 2],
        "Recency × AcceptedCmp5": -0.035 * (recency - 50) * accepted[:, 2],
        "NumCatalogPurchases": 0.9 * np.log1p(catalog) - 0.6,
        "Kidhome": -0.5 * kids,
        "MntWines": np.where(wines > 0, 0.3 * (np.log1p(wines) - 5), -0.5),
    }
    return _finish(frame, "Response", -2.2, terms, [("Recency", "AcceptedCmp5")], rng)


SIMULATED_SETS = {
    "sessions": simulate_sessions,
    "leads": simulate_lead_export,
    "campaign": simulate_campaign_responses,
}
