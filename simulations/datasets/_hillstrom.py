r"""The Hillstrom e-mail experiment: incremental expected ROI per campaign and an offline replay of the loop.

Kevin Hillstrom's MineThatData challenge (2008) randomised 64,000 customers
into three arms with probability 1/3 each: ``Mens E-Mail``, ``Womens E-Mail``
and ``No E-Mail`` (control), and recorded two-week visits, conversions and
spend. With a cost per e-mail :math:`c` and a margin :math:`m` on spend, the
profit of a customer is :math:`m \cdot spend - c\,[\text{e-mailed}]`.

Incremental effect of campaign :math:`a` (difference in means against control,
Welch standard errors, 95% normal intervals):

.. math::

    \Delta_a = \bar y_a - \bar y_0, \qquad
    se = \sqrt{s_a^2/n_a + s_0^2/n_0},

    \text{incremental profit per e-mail} = m\,\Delta^{spend}_a - c, \qquad
    \text{incremental ROI} = \frac{m\,\Delta^{spend}_a - c}{c},

whose intervals are the spend interval mapped through the same linear map.

Offline replay (Li, Chu, Langford and Wang, 2011): the logged rows are streamed
in random order; for each row a per-segment Thompson sampler picks an arm; if
it equals the logged arm the row's profit is the reward and the sampler
learns from it, otherwise the row is skipped. Because the logged arms were
uniform, the accepted rows are an unbiased sample of what the sampler's
choices would have earned.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.io._schema import ColumnSpec, TableSchema, validate_table
from leadlever.engine.io._tables import read_table
from leadlever.simulations.exceptions import SimulationError

__all__ = [
    "ARMS",
    "CONTROL",
    "HILLSTROM_FILE",
    "HILLSTROM_SCHEMA",
    "load_hillstrom",
    "campaign_effects",
    "ReplayResult",
    "replay",
    "synthetic_experiment",
]

CONTROL = "No E-Mail"
ARMS = ("Mens E-Mail", "Womens E-Mail", CONTROL)
HILLSTROM_FILE = "Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv"

HILLSTROM_SCHEMA = TableSchema(
    "hillstrom",
    (
        ColumnSpec("segment", "category", description="arm: Mens E-Mail, Womens E-Mail, No E-Mail"),
        ColumnSpec("visit", "binary"),
        ColumnSpec("conversion", "binary"),
        ColumnSpec("spend", "numeric", min=0.0),
        ColumnSpec("history_segment", "category"),
        ColumnSpec("channel", "category"),
        ColumnSpec("newbie", "binary"),
    ),
)


def load_hillstrom(path: str | Path) -> pd.DataFrame:
    """Read and validate the Hillstrom CSV (a folder is resolved to the original file name)."""
    p = Path(path)
    if p.is_dir():
        p = p / HILLSTROM_FILE
    frame = validate_table(read_table(p), HILLSTROM_SCHEMA, source=str(p))
    arms = set(frame["segment"].astype(str).unique())
    if not arms <= set(ARMS):
        raise SimulationError(
            f"{p}: column 'segment' has arms {sorted(arms - set(ARMS))}; expected {list(ARMS)}."
        )
    return frame


def _diff(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    d = float(a.mean() - b.mean())
    se = float(np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size))
    return d, se


def _effects(frame: pd.DataFrame, cost: float, margin: float) -> list[dict[str, Any]]:
    arm = frame["segment"].astype(str).to_numpy()
    ctrl = arm == CONTROL
    rows = []
    for a in ARMS[:2]:
        sel = arm == a
        if sel.sum() < 2 or ctrl.sum() < 2:
            continue
        row: dict[str, Any] = {"arm": a, "n_arm": int(sel.sum()), "n_control": int(ctrl.sum())}
        for col in ("visit", "conversion", "spend"):
            y = frame[col].to_numpy(float)
            d, se = _diff(y[sel], y[ctrl])
            row[f"{col}_ate"] = d
            row[f"{col}_ci_low"] = d - 1.96 * se
            row[f"{col}_ci_high"] = d + 1.96 * se
        for key, f in (
            ("incremental_profit", lambda s: margin * s - cost),
            ("incremental_roi", lambda s: (margin * s - cost) / cost),
        ):
            row[key] = f(row["spend_ate"])
            row[f"{key}_ci_low"] = f(row["spend_ci_low"])
            row[f"{key}_ci_high"] = f(row["spend_ci_high"])
        rows.append(row)
    return rows


def campaign_effects(
    frame: pd.DataFrame,
    *,
    cost_per_email: float = 0.10,
    margin: float = 0.30,
    by: tuple[str, ...] = ("history_segment", "channel", "newbie"),
) -> pd.DataFrame:
    """Incremental effects and expected ROI of each campaign, overall and by segment.

    Returns
    -------
    pandas.DataFrame
        One row per (``by_variable``, ``segment_value``, ``arm``), the overall
        rows with ``by_variable = "all"``; columns ``*_ate`` and 95% intervals for
        visit, conversion and spend, ``incremental_profit`` (per e-mail) and
        ``incremental_roi`` with intervals.
    """
    if not cost_per_email > 0:
        raise SimulationError(
            f"The 'cost_per_email' parameter must be > 0. Got {cost_per_email!r} instead."
        )
    if not 0 < margin <= 1:
        raise SimulationError(f"The 'margin' parameter must be in (0, 1]. Got {margin!r} instead.")
    out = [
        {"by_variable": "all", "segment_value": "all", **r}
        for r in _effects(frame, cost_per_email, margin)
    ]
    for var in by:
        for value, grp in frame.groupby(frame[var].astype(str), sort=True):
            out += [
                {"by_variable": var, "segment_value": value, **r}
                for r in _effects(grp, cost_per_email, margin)
            ]
    return pd.DataFrame(out)


@dataclass(frozen=True)
class ReplayResult:
    """Offline replay of the per-segment Thompson sampler.

    Attributes
    ----------
    by : str
    segments : pandas.DataFrame
        Per segment: accepted events, the share of each arm among the
        sampler's accepted choices in the last third of them, the sampler's
        final favourite, and the best arm by the experiment's own means.
    value_per_event : dict
        Mean reward per accepted event of the sampler, and per row of the
        uniform logging policy and of the best single arm overall.
    """

    by: str
    segments: pd.DataFrame
    value_per_event: dict[str, float]
    agreement: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "value_per_event": dict(self.value_per_event),
            "agreement": self.agreement,
            "segments": self.segments.to_dict(orient="records"),
        }


def replay(
    frame: pd.DataFrame,
    *,
    by: str = "history_segment",
    cost_per_email: float = 0.10,
    margin: float = 0.30,
    seeds: int = 5,
) -> ReplayResult:
    """Unbiased offline replay of a per-segment Thompson sampler over the three arms.

    The sampler keeps per (segment, arm) the count, mean and variance of the
    reward :math:`m \\cdot spend - c[\\text{e-mailed}]` and draws each arm's mean
    from :math:`N(\\bar r, s^2 / n)` (pooled :math:`s^2`), picking the largest;
    arms with fewer than 2 accepted events are tried first. Results are
    averaged over ``seeds`` random orders of the log.
    """
    arm_idx = pd.Categorical(frame["segment"].astype(str), categories=list(ARMS)).codes
    if np.any(arm_idx < 0):
        raise SimulationError(
            "replay needs the arms Mens E-Mail, Womens E-Mail, No E-Mail in column 'segment'."
        )
    seg = frame[by].astype(str).to_numpy()
    seg_names, seg_idx = np.unique(seg, return_inverse=True)
    reward = margin * frame["spend"].to_numpy(float) - cost_per_email * (arm_idx != 2)
    n_seg, n_arm = seg_names.size, len(ARMS)
    late_counts = np.zeros((n_seg, n_arm))
    accepted_total = np.zeros(n_seg)
    learner_value = []
    for s in range(seeds):
        rng = np.random.default_rng(s)
        order = rng.permutation(len(frame))
        n = np.zeros((n_seg, n_arm))
        tot = np.zeros((n_seg, n_arm))
        sq = np.zeros((n_seg, n_arm))
        choices: list[list[int]] = [[] for _ in range(n_seg)]
        rewards = []
        for i in order:
            g = seg_idx[i]
            if np.any(n[g] < 2):
                pick = int(np.argmin(n[g]))
            else:
                mean = tot[g] / n[g]
                var = max(
                    (sq[g].sum() - (tot[g] ** 2 / n[g]).sum()) / max(n[g].sum() - n_arm, 1.0), 1e-12
                )
                pick = int(np.argmax(mean + np.sqrt(var / n[g]) * rng.standard_normal(n_arm)))
            if pick != arm_idx[i]:
                continue
            r = reward[i]
            n[g, pick] += 1
            tot[g, pick] += r
            sq[g, pick] += r * r
            choices[g].append(pick)
            rewards.append(r)
        learner_value.append(float(np.mean(rewards)))
        for g in range(n_seg):
            c = np.asarray(choices[g])
            accepted_total[g] += c.size
            late = c[2 * c.size // 3 :]
            late_counts[g] += np.bincount(late, minlength=n_arm)
    arm_means = np.array(
        [
            [reward[(seg_idx == g) & (arm_idx == a)].mean() for a in range(n_arm)]
            for g in range(n_seg)
        ]
    )
    share = late_counts / np.maximum(late_counts.sum(axis=1, keepdims=True), 1)
    segments = pd.DataFrame(
        {
            by: seg_names,
            "accepted_events": accepted_total / seeds,
            **{f"late_share_{ARMS[a]}": share[:, a] for a in range(n_arm)},
            "sampler_favourite": [ARMS[a] for a in share.argmax(axis=1)],
            "best_arm_in_data": [ARMS[a] for a in arm_means.argmax(axis=1)],
            **{f"mean_reward_{ARMS[a]}": arm_means[:, a] for a in range(n_arm)},
        }
    )
    overall = np.array([reward[arm_idx == a].mean() for a in range(n_arm)])
    agreement = float((segments["sampler_favourite"] == segments["best_arm_in_data"]).mean())
    return ReplayResult(
        by=by,
        segments=segments,
        value_per_event={
            "sampler": float(np.mean(learner_value)),
            "uniform": float(reward.mean()),
            "best_single_arm": float(overall.max()),
            "best_arm_per_segment": float(
                sum(arm_means[g].max() * np.mean(seg_idx == g) for g in range(n_seg))
            ),
        },
        agreement=agreement,
    )


def synthetic_experiment(n: int = 6000, *, seed: int = 0) -> pd.DataFrame:
    """A randomised three-arm table shaped like Hillstrom's, with known effects.

    Two segments: in ``"high"`` the men's e-mail works, in ``"low"`` the
    women's e-mail works. A customer buys with probability 0.1 (0.2 in the
    arm that works) an exponential amount of mean 10 (40 in the arm that
    works), so expected spend is 1.0 per customer and 8.0 in the arm that
    works: a true spend effect of +7.0 there and 0 elsewhere.
    """
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 3, n)
    segment = np.where(rng.random(n) < 0.5, "high", "low")
    lift = np.where((segment == "high") & (arm == 0), 3.0, 0.0) + np.where(
        (segment == "low") & (arm == 1), 3.0, 0.0
    )
    buy = rng.random(n) < 0.1 + 0.1 * (lift > 0)
    spend = np.where(buy, rng.exponential(10.0 + 10.0 * lift, n), 0.0).round(2)
    return pd.DataFrame(
        {
            "segment": np.array(ARMS, dtype=object)[arm],
            "visit": (buy | (rng.random(n) < 0.1)).astype(int),
            "conversion": buy.astype(int),
            "spend": spend,
            "history_segment": segment,
            "channel": rng.choice(["Web", "Phone"], n),
            "newbie": rng.integers(0, 2, n),
        }
    )
