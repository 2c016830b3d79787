r"""Value as leads times value per lead, when a history counts leads as well as value.

A channel's weekly value is often a few conversions (a recruiting agency's
placements), far noisier than its leads: with conversion probability
:math:`p`, a week's conversions vary :math:`1/\sqrt{p}` times more, relative to
their mean, than its leads. When the history has both a leads count and a money
value for a channel, the channel's curve is fitted to

.. math:: \tilde y_{ct} = \hat q_c\, \ell_{ct}, \qquad
          \hat q_c = \frac{\sum_t y_{ct}}{\sum_t \ell_{ct}}

(leads :math:`\ell` times the channel's value per lead over the whole history),
so the curve's shape and carry-over are learnt from the leads and its level
from all the value. This assumes a channel's value per lead does not change
with its spend, and it is **checked** per channel: the weighted least-squares
line of the weekly value per lead :math:`r_t = y_t / \ell_t` on relative spend
:math:`z_t = x_t / \bar x - 1` (weights :math:`\ell_t`, as
:math:`\operatorname{Var} r_t \propto 1/\ell_t`),

.. math:: r_t = q + \beta z_t + e_t, \qquad
          z_\beta = \hat\beta / \operatorname{se}(\hat\beta),

and a channel with :math:`|z_\beta| >` :data:`DRIFT_Z` (value per lead that
visibly rises or falls with spend) has its value fitted directly, with a note.
The uncertainty of :math:`\hat q_c`,

.. math:: \operatorname{se}(\hat q) = \sqrt{\frac{\sum_t \ell_t (r_t - \hat q)^2}
          {(n - 1) \sum_t \ell_t}},

is carried into the posterior draws (each draw's scale times :math:`q_d / \hat q`
with :math:`q_d \sim N(\hat q, \operatorname{se}^2)`, kept positive).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["LeadModel", "lead_model", "lead_notes", "DRIFT_Z", "MIN_LEAD_WEEKS"]

#: |z| of the value-per-lead slope on spend above which value is fitted directly (0.3 % two-sided)
DRIFT_Z = 3.0
#: weeks with leads needed to estimate a value per lead
MIN_LEAD_WEEKS = 8


@dataclass(frozen=True)
class LeadModel:
    """Per channel: is value fitted as leads x value per lead, and with which value per lead.

    Attributes
    ----------
    used : ndarray of bool (C,)
    value_per_lead, se : ndarray (C,)
        :math:`\\hat q_c` and its standard error (NaN where not used).
    why_not : tuple of str
        Why a channel's value is fitted directly ("" where leads are used).
    """

    used: np.ndarray
    value_per_lead: np.ndarray
    se: np.ndarray
    why_not: tuple[str, ...]

    def response(self, value: np.ndarray, leads: np.ndarray) -> np.ndarray:
        """The series each channel's curve is fitted to (T, C): leads x q, or value."""
        q = np.where(self.used, self.value_per_lead, 0.0)
        return np.where(self.used, np.nan_to_num(leads) * q, value)

    def scale_factors(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draws of :math:`q_d / \\hat q` per channel (n, C); 1 where leads are not used."""
        c = self.used.size
        rel = np.where(self.used, np.nan_to_num(self.se / self.value_per_lead), 0.0)
        return np.maximum(1.0 + rel * rng.standard_normal((n, c)), 1e-3)


def _one(x: np.ndarray, y: np.ndarray, leads: np.ndarray) -> tuple[float, float, str]:
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(leads) & (leads > 0)
    if ok.sum() < MIN_LEAD_WEEKS:
        return np.nan, np.nan, f"leads in only {int(ok.sum())} weeks"
    xs, ys, ls = x[ok], y[ok], leads[ok]
    q = float(ys.sum() / ls.sum())
    if q <= 0:
        return np.nan, np.nan, "its value is zero in every week with leads"
    r = ys / ls
    n = r.size
    se_q = float(np.sqrt(np.sum(ls * (r - q) ** 2) / ((n - 1) * ls.sum())))
    mean_x = float(np.sum(ls * xs) / ls.sum())
    if mean_x > 0:
        z = xs / mean_x - 1.0
        design = np.column_stack([np.ones(n), z])
        wd = design * ls[:, None]
        gram = design.T @ wd
        if np.linalg.cond(gram) < 1e12:
            coef = np.linalg.solve(gram, wd.T @ r)
            resid = r - design @ coef
            s2 = float(np.sum(ls * resid**2) / max(n - 2, 1))
            se_b = float(np.sqrt(s2 * np.linalg.inv(gram)[1, 1]))
            if se_b > 0 and abs(coef[1] / se_b) > DRIFT_Z:
                direction = "falls" if coef[1] < 0 else "rises"
                return (
                    np.nan,
                    np.nan,
                    f"its value per lead {direction} with spend ({coef[1] / q:+.0%} per +100 % "
                    f"spend, z = {coef[1] / se_b:.1f})",
                )
    return q, se_q, ""


def lead_model(spend: np.ndarray, value: np.ndarray, leads: np.ndarray) -> LeadModel:
    """Decide per channel whether to fit value as leads x value per lead (module docstring).

    Parameters
    ----------
    spend, value, leads : ndarray (T, C)
        NaN where a channel has no observation.
    """
    out = [_one(spend[:, c], value[:, c], leads[:, c]) for c in range(spend.shape[1])]
    q = np.array([o[0] for o in out])
    return LeadModel(np.isfinite(q), q, np.array([o[1] for o in out]), tuple(o[2] for o in out))


def lead_notes(channels: tuple[str, ...], lm: LeadModel | None) -> list[dict[str, Any]]:
    """The fit's assumptions about the value model: leads x value per lead, or value (and why)."""
    if lm is None:
        return []
    used = [c for c, u in zip(channels, lm.used, strict=True) if u]
    out = [
        {
            "name": "value model",
            "value": (
                "leads x the channel's value per lead over the history (its curve learnt from the "
                "leads, assuming value per lead does not change with spend; checked) for "
                + ", ".join(used)
            )
            if used
            else "value (no channel passed the value-per-lead check)",
            "source": "default",
        }
    ]
    out += [
        {"name": f"value model of {c}", "value": f"value fitted directly: {why}", "source": "data"}
        for c, why in zip(channels, lm.why_not, strict=True)
        if why
    ]
    return out
