r"""The calibration ledger: did the leads convert as their scores said?

Each lead is counted once, with the conversion probability :math:`p_i` it was
given when it arrived and the model version that gave it. For a group of leads
(a week of arrival and a model version, or a whole model version) whose outcome
is known (closed: won or lost), the number of conversions :math:`S=\sum_i B_i`
is, if the scores are calibrated, Poisson-binomial with the :math:`p_i`
(:mod:`leadlever.engine.stats.poisson_binomial`). The ledger reports

* ``predicted`` = :math:`\sum_i p_i` and ``realised`` = the conversions counted,
  over the closed leads of the group, and their rates per closed lead;
* the central ``level`` interval of :math:`S` (``low``, ``high``, as rates);
* ``status``: ``ok`` when ``realised`` lies inside, ``above`` / ``below``
  when it leaves it, ``open`` when no lead of the group has closed yet.

**Drift alarm.** For each model version: its pooled closed leads leave their
interval, or its last :data:`ALARM_RUN` weeks with closed leads all leave it on
the same side. With a 95% interval a calibrated model trips the pooled test 5%
of the time and two weeks in a row about 0.1% of the time. The alarm comes with
a retrain suggestion for the active (latest) version.

Only closed leads are compared. Early in a week's life the closed leads are the
quick closers, whose mix of wins and losses may differ from the final one; the
``n_open`` column says how much of each week is still out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import MissingColumnsError, ParameterError
from leadlever.engine.stats import poisson_binomial

__all__ = ["CalibrationLedger", "calibration_ledger", "ALARM_LEVEL", "ALARM_RUN"]

#: central probability of the interval a calibrated model's conversions fall in
ALARM_LEVEL = 0.95
#: consecutive weeks (with closed leads) out of the interval on one side that raise the alarm
ALARM_RUN = 2

REQUIRED = ("lead_id", "arrived_at", "model_version", "p_convert", "converted")


@dataclass(frozen=True)
class CalibrationLedger:
    """Predicted vs realised conversion, by week and by model version.

    Attributes
    ----------
    by_week : DataFrame
        One row per (week, model_version): ``week`` (Monday, ISO date), ``model_version``,
        ``n``, ``n_closed``, ``n_open``, ``predicted``, ``realised``, ``predicted_rate``,
        ``realised_rate``, ``low``, ``high``, ``status``.
    by_model : DataFrame
        The same per model version (all weeks pooled), with ``alarm`` (bool).
    alarms : list of dict
        ``{model_version, reason}`` for each version whose alarm is raised.
    suggestion : str or None
        What to do when the active version's alarm is raised.
    level : float
    assumptions : list of dict
        ``{name, value, source}`` of the settings the verdict rests on.
    """

    by_week: pd.DataFrame
    by_model: pd.DataFrame
    alarms: list[dict[str, Any]]
    suggestion: str | None
    active_version: str | None
    level: float
    assumptions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def alarm(self) -> bool:
        """Whether the active model version's alarm is raised."""
        return any(a["model_version"] == self.active_version for a in self.alarms)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "active_version": self.active_version,
            "alarm": self.alarm,
            "alarms": list(self.alarms),
            "suggestion": self.suggestion,
            "by_week": self.by_week.to_dict(orient="records"),
            "by_model": self.by_model.to_dict(orient="records"),
            "assumptions": list(self.assumptions),
        }

    def to_frame(self) -> pd.DataFrame:
        return self.by_week


def _group_row(p: np.ndarray, conv: np.ndarray, level: float) -> dict[str, Any]:
    closed = ~np.isnan(conv)
    pc, yc = p[closed], conv[closed]
    n_closed = int(closed.sum())
    row: dict[str, Any] = {"n": int(p.size), "n_closed": n_closed, "n_open": int(p.size - n_closed)}
    if n_closed == 0:
        nan = float("nan")
        return {**row, "predicted": 0.0, "realised": 0, "predicted_rate": nan,
                "realised_rate": nan, "low": nan, "high": nan, "status": "open"}  # fmt: skip
    tail = (1.0 - level) / 2.0
    lo = poisson_binomial.quantile(tail, pc)
    hi = poisson_binomial.quantile(1.0 - tail, pc)
    realised = int(yc.sum())
    status = "below" if realised < lo else "above" if realised > hi else "ok"
    return {
        **row,
        "predicted": float(pc.sum()),
        "realised": realised,
        "predicted_rate": float(pc.mean()),
        "realised_rate": realised / n_closed,
        "low": lo / n_closed,
        "high": hi / n_closed,
        "status": status,
    }


def calibration_ledger(
    scores: pd.DataFrame, *, level: float = ALARM_LEVEL, alarm_run: int = ALARM_RUN
) -> CalibrationLedger:
    """Build the ledger from one row per lead.

    Parameters
    ----------
    scores : DataFrame
        Columns ``lead_id``, ``arrived_at`` (date or timestamp of arrival),
        ``model_version`` (the version that scored it at arrival), ``p_convert``
        (its score then) and ``converted`` (1 won, 0 lost, NaN/None while open).
        The latest-arriving lead's version is taken as the active one.
    level : float
        Central probability of the interval (default :data:`ALARM_LEVEL`).
    alarm_run : int
        Consecutive out-of-interval weeks on one side that raise the alarm.
    """
    missing = [c for c in REQUIRED if c not in scores.columns]
    if missing:
        raise MissingColumnsError(
            f"The ledger needs columns {list(REQUIRED)}; missing {missing}.", missing, {}
        )
    if not 0.0 < level < 1.0:
        raise ParameterError(f"The 'level' must be in (0, 1). Got {level!r} instead.")
    if int(alarm_run) < 1:
        raise ParameterError(f"The 'alarm_run' must be >= 1. Got {alarm_run!r} instead.")
    frame = scores.drop_duplicates("lead_id", keep="first")
    arrived = pd.to_datetime(frame["arrived_at"], utc=True, format="mixed")
    week = arrived.dt.tz_localize(None).dt.normalize() - pd.to_timedelta(
        arrived.dt.day_of_week, "D"
    )
    p = pd.to_numeric(frame["p_convert"], errors="coerce").to_numpy(float)
    conv = pd.to_numeric(frame["converted"], errors="coerce").to_numpy(float)
    version = frame["model_version"].astype(str).to_numpy()
    week_text = week.dt.strftime("%Y-%m-%d").to_numpy()
    week_rows, model_rows, alarms = [], [], []
    order = frame.assign(_v=version).groupby("_v", sort=False)["arrived_at"].size().index
    for v in order:
        in_v = version == v
        pooled = _group_row(p[in_v], conv[in_v], level)
        reasons = []
        if pooled["status"] in ("above", "below"):
            reasons.append(
                f"its {pooled['n_closed']} closed leads converted at {pooled['realised_rate']:.1%}, "
                f"outside the {level:.0%} interval {pooled['low']:.1%}-{pooled['high']:.1%} of "
                f"what it predicted ({pooled['predicted_rate']:.1%})"
            )
        weeks = []
        for w in sorted(set(week_text[in_v])):
            sel = in_v & (week_text == w)
            row = {"week": w, "model_version": v, **_group_row(p[sel], conv[sel], level)}
            week_rows.append(row)
            if row["status"] != "open":
                weeks.append(row)
        last = [r["status"] for r in weeks[-int(alarm_run) :]]
        if len(last) == int(alarm_run) and len(set(last)) == 1 and last[0] in ("above", "below"):
            reasons.append(
                f"its last {alarm_run} weeks with closed leads all converted {last[0]} their interval"
            )
        model_rows.append({"model_version": v, **pooled, "alarm": bool(reasons)})
        if reasons:
            alarms.append({"model_version": v, "reason": "; ".join(reasons)})
    active = None
    if len(frame):
        active = str(version[int(np.argmax(arrived.to_numpy()))])
    suggestion = None
    if any(a["model_version"] == active for a in alarms):
        suggestion = (
            f"Model {active} no longer matches the outcomes. Retrain on the leads whose outcome is "
            "known (`leadlever qualify fit` on an export of them) and upload the new bundle "
            "(POST /models); the ledger then compares the new version on the leads it scores."
        )
    assumptions = [
        {"name": "level", "value": level, "source": "option" if level != ALARM_LEVEL else "default"},
        {"name": "alarm_run", "value": int(alarm_run),
         "source": "option" if alarm_run != ALARM_RUN else "default"},
        {"name": "compared_on", "value": "closed leads only", "source": "default"},
    ]  # fmt: skip
    cols = ["week", "model_version", "n", "n_closed", "n_open", "predicted", "realised",
            "predicted_rate", "realised_rate", "low", "high", "status"]  # fmt: skip
    return CalibrationLedger(
        pd.DataFrame(week_rows, columns=cols),
        pd.DataFrame(model_rows, columns=["model_version", *cols[2:], "alarm"]),
        alarms,
        suggestion,
        active,
        float(level),
        assumptions,
    )
