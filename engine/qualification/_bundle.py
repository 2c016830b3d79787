r"""The qualification profile: every lead scored on the case study's four criteria.

A :class:`QualificationBundle` holds one fitted model per criterion

=====================  ==========================================  =============================
criterion              model                                       profile columns
=====================  ==========================================  =============================
ease of conversion     conversion model (``engine.ConversionModel``)  ``p_convert``, ``score``, ``tier``
timing                 Cox model (:class:`leadlever.engine.qualification._timing.TimingModel`)  ``p_convert_30d``, ``p_convert_180d``
ease of delivery       count GLMs (:class:`leadlever.engine.qualification._effort.EffortModel`) ``expected_effort_hours``
profit potential       Gamma GLM (:class:`leadlever.engine.qualification._profit.SalaryModel`)  ``expected_commission``
strategic fit          logit (:class:`leadlever.engine.qualification._strategic_fit.FitModel`)         ``p_fit``
=====================  ==========================================  =============================

and the expected in-house value

.. math:: V = p_{convert}\, K - c_h\, E[h]

with commission :math:`K = r\,E[S]` and delivery cost at hourly rate :math:`c_h`.
Each criterion also gets a letter grade A-E from the quintiles of the fitted
history (A = best fifth; for effort, A = least effort).

The bundle is saved as one versioned JSON file (never pickle); settings
(commission rate, hourly rate, horizons, target roles) can be changed at
apply time without refitting any model.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.io._persist import (
    check_versioned,
    load_versioned,
    rebuilding,
    save_versioned,
    versioned,
)
from leadlever.engine.qualification._bundle_check import BUNDLE_SCHEMA, probe_bundle
from leadlever.engine.qualification._conversion import (
    conversion_from_json,
    conversion_to_json,
)
from leadlever.engine.qualification._effort import EffortModel, delivery_cost
from leadlever.engine.qualification._profit import ResaleModel, SalaryModel, expected_commission
from leadlever.engine.qualification._strategic_fit import FitModel
from leadlever.engine.qualification._timing import TimingModel
from leadlever.engine.scoring._tiers import FUNNEL_CUTOFFS, funnel_tiers, score_from_p

__all__ = [
    "QualificationSettings",
    "QualificationBundle",
    "FitReport",
    "load_bundle",
    "letter_grades",
    "active_leads",
    "PROFILE_CONTEXT",
    "CRITERIA",
    "FEATURE_EXCLUDE",
]

BUNDLE_FORMAT = "leadlever.qualification"
BUNDLE_VERSION = 1
BUNDLE_HINT = "Create one with `leadlever qualify fit`."

#: outcome and ground-truth columns never given to a model as features
FEATURE_EXCLUDE = (
    "lead_id",
    "created_at",
    "converted",
    "days_to_convert",
    "placement_salary",
    "commission",
    "n_interactions",
    "effort_hours",
    "fit_feedback",
    "resale_value",
)

#: criterion -> (profile column graded, higher is better)
CRITERIA = {
    "conversion": ("p_convert", True),
    "timing": ("p_convert_180d", True),
    "delivery": ("expected_effort_hours", False),
    "profit": ("expected_commission", True),
    "fit": ("p_fit", True),
}


@dataclass(frozen=True)
class QualificationSettings:
    """Business settings applied on top of the fitted models (no refit needed).

    Parameters
    ----------
    commission_rate : float
        Share of the starting salary earned per placement (0.20).
    hourly_rate : float
        Cost of one consultant hour (EUR), for the delivery cost.
    horizons : tuple of int
        Days for ``p_convert_<H>d`` (30 and 180 by default).
    target_roles : tuple of str, optional
        If set, ``p_fit`` is the probability of being in one of these role
        categories (multinomial model) instead of the feedback logit.
    tier_cuts : tuple of int
        Upper bounds of the funnel tiers on the 0-100 score (30, 65, 100; see
        :mod:`leadlever.engine.scoring._tiers`).
    lost : {"competing", "censor"}
        How lost leads enter the timing model (see :mod:`leadlever.engine.qualification._timing`).
    """

    commission_rate: float = 0.20
    hourly_rate: float = 60.0
    horizons: tuple[int, ...] = (30, 180)
    target_roles: tuple[str, ...] | None = None
    tier_cuts: tuple[int, ...] = FUNNEL_CUTOFFS
    lost: str = "competing"

    def __post_init__(self) -> None:
        if not 0 <= self.commission_rate <= 1:
            raise ParameterError(
                f"The 'commission_rate' setting must be in [0, 1]. Got {self.commission_rate!r} instead."
            )
        if not np.isfinite(self.hourly_rate) or self.hourly_rate < 0:
            raise ParameterError(
                f"The 'hourly_rate' setting must be >= 0. Got {self.hourly_rate!r} instead."
            )
        if not self.horizons or any(int(h) <= 0 for h in self.horizons):
            raise ParameterError(
                f"The 'horizons' setting must be positive days. Got {self.horizons!r} instead."
            )
        cuts = list(self.tier_cuts)
        if len(cuts) != 3 or cuts != sorted(cuts) or cuts[-1] != 100 or cuts[0] < 0:
            raise ParameterError(
                f"The 'tier_cuts' setting must be three increasing bounds ending at 100. Got {self.tier_cuts!r} instead."
            )

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["horizons"] = list(self.horizons)
        d["tier_cuts"] = list(self.tier_cuts)
        d["target_roles"] = None if self.target_roles is None else list(self.target_roles)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QualificationSettings:
        data = dict(data)
        data["horizons"] = tuple(int(h) for h in data.get("horizons", (30, 180)))
        data["tier_cuts"] = tuple(data.get("tier_cuts", FUNNEL_CUTOFFS))
        if data.get("target_roles") is not None:
            data["target_roles"] = tuple(data["target_roles"])
        return cls(**data)


def letter_grades(values, cuts, higher_is_better: bool = True) -> pd.Categorical:
    """Grades A-E from four ascending quintile cut points (A = best fifth)."""
    idx = np.searchsorted(
        np.asarray(cuts, dtype=float), np.asarray(values, dtype=float), side="right"
    )
    codes = idx if higher_is_better else 4 - idx
    return pd.Categorical.from_codes(4 - codes, categories=["A", "B", "C", "D", "E"])


#: input columns copied into the profile (identity and pool keys, not features)
PROFILE_CONTEXT = ("lead_id", "channel", "campaign", "city", "created_at")


def active_leads(leads: pd.DataFrame) -> pd.DataFrame:
    """Rows whose ``converted`` cell is empty (open leads); all rows without that column."""
    if "converted" not in leads.columns:
        return leads
    text = leads["converted"].astype("string").str.strip()
    return leads[(text.isna() | (text == "")).to_numpy(dtype=bool)]


def _features(frame: pd.DataFrame) -> pd.DataFrame:
    drop = [c for c in frame.columns if c in FEATURE_EXCLUDE or str(c).startswith("true_")]
    return frame.drop(columns=drop)


@dataclass(frozen=True)
class FitReport:
    """Held-out metrics of every model of a bundle."""

    model_version: str
    n_history: int
    n_closed: int
    metrics: dict[str, dict[str, float]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "n_history": self.n_history,
            "n_closed": self.n_closed,
            "metrics": self.metrics,
        }

    def to_frame(self) -> pd.DataFrame:
        rows = [
            {"model": m, "metric": k, "value": v}
            for m, d in self.metrics.items()
            for k, v in d.items()
        ]
        return pd.DataFrame(rows)


@dataclass
class QualificationBundle:
    """All qualification models, fitted together, saved and loaded as one JSON file."""

    conversion: Any
    timing: TimingModel
    effort: EffortModel
    salary: SalaryModel
    resale: ResaleModel
    fit: FitModel
    settings: QualificationSettings = field(default_factory=QualificationSettings)
    grade_cuts: dict[str, list[float]] = field(default_factory=dict)
    report: FitReport | None = None
    model_version: str = ""

    def profile(
        self,
        leads: pd.DataFrame,
        settings: QualificationSettings | None = None,
        *,
        source: str | None = None,
    ) -> pd.DataFrame:
        """The qualification profile of every lead (one row per input row); ``source``
        names the leads' file in messages."""
        s = settings or self.settings
        X = _features(leads)
        if hasattr(self.conversion, "preprocessor_"):  # a missing column named with the file
            self.conversion.preprocessor_.check_columns(X, source)
        p = np.asarray(self.conversion.predict_proba(X), dtype=float)[:, 1]
        out = pd.DataFrame(index=leads.index)
        for col in PROFILE_CONTEXT:  # carried along so the profile feeds `roi` and `deals`
            if col in leads.columns:
                out[col] = leads[col].to_numpy(copy=False)
        out["p_convert"] = p
        out["score"] = score_from_p(p)
        out["tier"] = funnel_tiers(out["score"].to_numpy(), s.tier_cuts)
        for h, ph in self.timing.predict_within(X, s.horizons).items():
            out[f"p_convert_{h}d"] = ph
        cache: dict[str, np.ndarray] = {}

        def design(glm) -> np.ndarray:  # one matrix per distinct design, shared by models
            key = json.dumps(glm.design_.to_dict(), sort_keys=True)
            if key not in cache:
                cache[key] = glm.design_.transform(X)
            return cache[key]

        hours = self.effort.hours_.predict(X, design(self.effort.hours_))
        out["expected_interactions"] = self.effort.count_.predict(X, design(self.effort.count_))
        out["expected_effort_hours"] = hours
        cost = delivery_cost(hours, s.hourly_rate)
        out["expected_delivery_cost"] = cost
        salary = self.salary.predict(X, design(self.salary))
        out["expected_starting_salary"] = salary
        commission = expected_commission(salary, s.commission_rate)
        out["expected_commission"] = commission
        if s.target_roles is None:
            p_fit = self.fit.feedback_.predict(X, design(self.fit.feedback_))
        else:
            p_fit = self.fit.predict(X, s.target_roles)
        out["p_fit"] = p_fit
        out["expected_resale_value"] = self.resale.predict(p, p_fit)
        out["expected_value"] = p * commission - cost
        with np.errstate(divide="ignore", invalid="ignore"):
            out["expected_roi"] = np.where(cost > 0, p * commission / cost, np.inf)
        for name, (col, higher) in CRITERIA.items():
            if col in out.columns and name in self.grade_cuts:
                out[f"grade_{name}"] = letter_grades(
                    out[col].to_numpy(), self.grade_cuts[name], higher
                )
        return out.reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        return versioned(
            BUNDLE_FORMAT,
            BUNDLE_VERSION,
            {
                "model_version": self.model_version,
                "settings": self.settings.to_dict(),
                "grade_cuts": self.grade_cuts,
                "report": None if self.report is None else self.report.to_dict(),
                "models": {
                    "conversion": conversion_to_json(self.conversion),
                    "timing": self.timing.to_dict(),
                    "effort": self.effort.to_dict(),
                    "salary": self.salary.to_dict(),
                    "resale": self.resale.to_dict(),
                    "fit": self.fit.to_dict(),
                },
            },
        )

    def save(self, path: str | os.PathLike) -> Path:
        """Write the bundle as JSON, atomically."""
        return save_versioned(self.to_dict(), path)

    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any],
        *,
        conversion_class: type | None = None,
        source: str = "The qualification bundle",
    ) -> QualificationBundle:
        """Rebuild a bundle from :meth:`to_dict` output (``conversion_class`` overrides the
        conversion model's class, default ``engine.ConversionModel``)."""
        check_versioned(
            data,
            fmt=BUNDLE_FORMAT,
            version=BUNDLE_VERSION,
            what="qualification bundle",
            hint=BUNDLE_HINT,
            schema=BUNDLE_SCHEMA,
            source=source,
        )
        with rebuilding(source, BUNDLE_HINT):
            m = data["models"]
            rep = data.get("report")
            return cls(
                conversion=conversion_from_json(m["conversion"], conversion_class, source),
                timing=TimingModel.from_dict(m["timing"]),
                effort=EffortModel.from_dict(m["effort"]),
                salary=SalaryModel.from_dict(m["salary"]),
                resale=ResaleModel.from_dict(m["resale"]),
                fit=FitModel.from_dict(m["fit"]),
                settings=QualificationSettings.from_dict(data["settings"]),
                grade_cuts={k: list(v) for k, v in data["grade_cuts"].items()},
                report=None if rep is None else FitReport(**rep),
                model_version=str(data["model_version"]),
            )


def load_bundle(
    path: str | os.PathLike, *, conversion_class: type | None = None
) -> QualificationBundle:
    """Read a bundle written by :meth:`QualificationBundle.save` (plain JSON, no code runs)."""
    data = load_versioned(
        path,
        fmt=BUNDLE_FORMAT,
        version=BUNDLE_VERSION,
        what="bundle",
        hint=BUNDLE_HINT,
        schema=BUNDLE_SCHEMA,
    )
    source = f"Bundle file '{path}'"
    bundle = QualificationBundle.from_dict(data, conversion_class=conversion_class, source=source)
    probe_bundle(bundle, source, BUNDLE_HINT)
    return bundle
