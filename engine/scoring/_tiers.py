r"""Scores and tiers from calibrated probabilities.

``score`` = :math:`\operatorname{round}(100\,p)` on 0-100. Tiers:

* funnel stages (seeds' default): 0-30 top of funnel, 31-65 middle, 66-100 bottom
  (configurable upper bounds and labels);
* quantile tiers (quartiles by default): ``Q1`` holds the highest-scored quarter;
* letter tiers A-E on score bands 80-100, 60-79, 40-59, 20-39, 0-19 (configurable).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import ParameterError

__all__ = [
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
