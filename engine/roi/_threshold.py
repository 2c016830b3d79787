"""OKR thresholds of the expected-ROI evaluator: a number, or the top share of recent leads.

"The top :math:`q` of last month's leads" is the :math:`1-q` quantile of the metric over
the leads created in the last ``window_days`` before the newest ``created_at``; a table
without dates ranks all its leads, and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.io._numbers import check_number

__all__ = ["Threshold", "parse_threshold"]


@dataclass(frozen=True)
class Threshold:
    """An OKR threshold: a fixed number, or the top share of recent leads.

    Parameters
    ----------
    value : float, optional
        Fixed threshold on the metric.
    top_share : float, optional
        E.g. 0.4 for "the top 40% of last month's leads".
    window_days : int
        How far back "last month" reaches from the newest lead's ``created_at``.
    """

    value: float | None = None
    top_share: float | None = None
    window_days: int = 30

    def __post_init__(self) -> None:
        if (self.value is None) == (self.top_share is None):
            raise ParameterError("A Threshold needs exactly one of 'value' and 'top_share'.")
        if self.value is not None:
            value = check_number(self.value, "The threshold (--threshold)")
            object.__setattr__(self, "value", value)
        if self.top_share is not None and not 0 < self.top_share < 1:
            raise ParameterError(
                f"The 'top_share' parameter of Threshold must be in (0, 1). Got {self.top_share!r} instead."
            )

    def describe(self, dated: bool = True) -> str:
        """The rule in words (``dated=False``: the table has no dates, all leads are ranked)."""
        if self.value is not None:
            return f"{self.value:g}"
        if not dated:
            return f"top {self.top_share:.0%} of all leads (no created_at dates to find the last {self.window_days} days)"
        return f"top {self.top_share:.0%} of the last {self.window_days} days' leads"

    def resolve(self, metric: np.ndarray, created_at: pd.Series | None = None) -> float:
        """The numeric threshold (the rule's quantile over the reference window)."""
        if self.value is not None:
            return float(self.value)
        ref = np.asarray(metric, dtype=float)
        if created_at is not None:
            from leadlever.engine.io._dates import parse_dates

            dates = parse_dates(created_at, column="created_at").values
            recent = (dates >= dates.max() - pd.Timedelta(days=self.window_days)).to_numpy()
            ref = ref[recent]
        ref = ref[np.isfinite(ref)]
        if ref.size == 0:
            raise ParameterError("The threshold rule has no leads with a finite metric to rank.")
        return float(np.quantile(ref, 1.0 - self.top_share))


_TOP = re.compile(
    r"^top\s*[:=]?\s*(\d+(?:\.\d+)?)\s*(%?)(?:\s*(?:of\s*)?(?:last\s*)?(\d+)\s*d(?:ays)?)?$"
)


def parse_threshold(text: str | float | Threshold) -> Threshold:
    """A number (``"1.5"``) or a rule (``"top40%"``, ``"top 40%"``, ``"top:0.4"``, ``"top40%:60d"``)."""
    if isinstance(text, Threshold):
        return text
    if isinstance(text, int | float) and not isinstance(text, bool):
        return Threshold(value=float(text))
    s = str(text).strip().lower().replace(":", " ").replace("last", "").strip()
    try:
        number = float(s)
    except ValueError:
        pass
    else:
        return Threshold(value=number)  # checked: finite, of realistic size
    m = _TOP.match(re.sub(r"\s+", " ", s))
    if not m:
        raise ParameterError(
            f"The threshold must be a number (e.g. 1.5) or a rule like 'top40%' (top 40% of the last "
            f"30 days' leads) or 'top40%:60d'. Got {text!r} instead."
        )
    share = float(m.group(1)) / (100.0 if m.group(2) or float(m.group(1)) > 1 else 1.0)
    return Threshold(top_share=share, window_days=int(m.group(3) or 30))
