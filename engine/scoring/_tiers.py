r"""Scores and tiers from calibrated probabilities.

``score`` = :math:`\operatorname{round}(100\,p)` on 0-100. Tiers:

* funnel stages (seeds' default): 0-30 top of funnel, 31-65 middle, 66-100 bottom
  (configurable upper bounds and labels);
* informative default tiers (:func:`choose_tiers`, ``tier_method="auto"``): the funnel
  cut-offs unless they would put more than :data:`MAX_TIER_SHARE` of the training leads'
  out-of-fold probabilities in one tier (at a low base rate nearly every lead scores
  under 30); then the same labels at the :math:`k/K` quantiles of those probabilities,
  so each tier holds about :math:`1/K` of the leads;
* quantile tiers (quartiles by default): ``Q1`` holds the highest-scored quarter;
* letter tiers A-E on score bands 80-100, 60-79, 40-59, 20-39, 0-19 (configurable).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import ParameterError

__all__ = [
    "MAX_TIER_SHARE",
    "TIER_METHODS",
    "apply_tiers",
    "choose_tiers",
    "score_from_p",
    "funnel_tiers",
    "quantile_tiers",
    "letter_tiers",
    "check_cutoffs",
    "FUNNEL_CUTOFFS",
    "FUNNEL_LABELS",
    "LETTER_CUTOFFS",
]

FUNNEL_CUTOFFS = (30, 65, 100)
FUNNEL_LABELS = ("top of funnel", "middle of funnel", "bottom of funnel")
#: lower score bounds of letter tiers A, B, C, D (E below)
LETTER_CUTOFFS = (80, 60, 40, 20)
#: "auto" tiers switch to quantiles when the funnel would put more than this share in one tier
MAX_TIER_SHARE = 0.8
TIER_METHODS = ("auto", "funnel", "quantile")


def check_cutoffs(cutoffs: Sequence[int], labels: Sequence[str]) -> None:
    """Validate upper tier bounds: strictly increasing integers ending at 100, one label each."""
    cut = list(cutoffs)
    ok = (
        len(cut) >= 1
        and all(isinstance(c, int | np.integer) for c in cut)
        and all(a < b for a, b in zip(cut, cut[1:], strict=False))
        and cut[0] >= 0
        and cut[-1] == 100
    )
    if not ok:
        raise ParameterError(
            "The 'tiers' parameter must be strictly increasing whole-number upper score bounds ending "
            f"at 100, e.g. (30, 65, 100). Got {tuple(cutoffs)!r} instead."
        )
    if len(labels) != len(cut):
        raise ParameterError(
            f"The 'tier_labels' parameter needs one label per tier ({len(cut)}). Got {len(labels)} instead."
        )


def score_from_p(p: np.ndarray) -> np.ndarray:
    """``round(100 p)`` as integers in 0..100 (halves round to even, like :func:`numpy.rint`)."""
    return np.rint(np.clip(np.asarray(p, dtype=float), 0.0, 1.0) * 100).astype(np.int64)


def funnel_tiers(
    score: np.ndarray,
    cutoffs: Sequence[int] = FUNNEL_CUTOFFS,
    labels: Sequence[str] = FUNNEL_LABELS,
) -> pd.Categorical:
    """Tier of each score: the first tier whose upper bound is >= the score."""
    check_cutoffs(cutoffs, labels)
    idx = np.searchsorted(np.asarray(cutoffs), np.asarray(score), side="left")
    return pd.Categorical.from_codes(np.minimum(idx, len(labels) - 1), categories=list(labels))


def quantile_tiers(p: np.ndarray, q: int = 4) -> pd.Categorical:
    """``Q1`` (highest ``1/q`` of probabilities) .. ``Qq`` (lowest); ties share a tier."""
    if not isinstance(q, int) or q < 2:
        raise ParameterError(
            f"The 'q' parameter of quantile_tiers must be an int >= 2. Got {q!r} instead."
        )
    p = np.asarray(p, dtype=float)
    ranks = pd.Series(-p).rank(method="min").to_numpy()
    codes = np.minimum(((ranks - 1) * q // len(p)).astype(np.int64), q - 1)
    return pd.Categorical.from_codes(codes, categories=[f"Q{i + 1}" for i in range(q)])


def letter_tiers(score: np.ndarray, cutoffs: Sequence[int] = LETTER_CUTOFFS) -> pd.Categorical:
    """Letter tiers A (score >= cutoffs[0]) .. E (below the last cut-off)."""
    cut = list(cutoffs)
    if len(cut) != 4 or any(a <= b for a, b in zip(cut, cut[1:], strict=False)):
        raise ParameterError(
            "The 'cutoffs' parameter of letter_tiers must be 4 strictly decreasing scores (A..D lower "
            f"bounds). Got {tuple(cutoffs)!r} instead."
        )
    s = np.asarray(score)
    codes = np.searchsorted(-np.asarray(cut, dtype=float), -s.astype(float), side="left")
    return pd.Categorical.from_codes(codes, categories=list("ABCDE"))


def _shares(codes: np.ndarray, k: int) -> list[float]:
    return (np.bincount(codes, minlength=k) / max(len(codes), 1)).tolist()


def choose_tiers(
    p: np.ndarray,
    method: str = "auto",
    cutoffs: Sequence[int] = FUNNEL_CUTOFFS,
    labels: Sequence[str] = FUNNEL_LABELS,
) -> dict:
    """The tiering a model keeps: funnel score bounds, or probability quantiles of ``p``.

    Returns a JSON-safe dict with ``method`` ("funnel" or "quantile"), ``labels``,
    ``cutoffs`` (upper score bounds, funnel), ``p_cuts`` (probability cuts, quantile),
    ``shares`` of ``p`` per tier and ``reason`` (why quantiles, or ``""``).
    """
    if method not in TIER_METHODS:
        raise ParameterError(
            f"The 'method' parameter of choose_tiers must be one of {TIER_METHODS}. "
            f"Got {method!r} instead."
        )
    check_cutoffs(cutoffs, labels)
    p = np.asarray(p, dtype=float)
    k = len(labels)
    funnel = funnel_tiers(score_from_p(p), cutoffs, labels)
    funnel_shares = _shares(np.asarray(funnel.codes), k)
    out = {
        "method": "funnel",
        "labels": list(labels),
        "cutoffs": [int(c) for c in cutoffs],
        "p_cuts": [],
        "shares": funnel_shares,
        "reason": "",
    }
    crowded = int(np.argmax(funnel_shares))
    if method == "funnel" or (method == "auto" and funnel_shares[crowded] <= MAX_TIER_SHARE):
        return out
    cuts = np.quantile(p, np.arange(1, k) / k).tolist()
    out.update(method="quantile", p_cuts=cuts)
    out["shares"] = _shares(np.searchsorted(cuts, p, side="right"), k)
    if method == "auto":
        out["reason"] = (
            f"the funnel cut-offs {'/'.join(str(c) for c in cutoffs[:-1])} would put "
            f"{funnel_shares[crowded]:.0%} of the leads in '{labels[crowded]}', so tiers are "
            f"at quantiles of p_convert instead (each holds about {1 / k:.0%} of the leads): "
            + ", ".join(f"'{labels[j]}' from p {cuts[j - 1]:.3f}" for j in range(1, k))
        )
    return out


def apply_tiers(p: np.ndarray, tiers: dict) -> pd.Categorical:
    """Tier of each probability under a :func:`choose_tiers` result."""
    labels = list(tiers["labels"])
    if tiers["method"] == "funnel":
        return funnel_tiers(score_from_p(p), tuple(tiers["cutoffs"]), tuple(labels))
    codes = np.searchsorted(np.asarray(tiers["p_cuts"], dtype=float), np.asarray(p), side="right")
    return pd.Categorical.from_codes(codes, categories=labels)
