r"""The qualification profile: every lead scored on the criteria its export supports.

A :class:`QualificationBundle` holds one fitted model per criterion the data allowed
(``qualify fit`` skips the others with a reason):

=====================  =======================================  ==============================
criterion              model                                    profile columns
=====================  =======================================  ==============================
ease of conversion     ``ConversionModel`` (scoring)            ``p_convert``, ``score``, ``tier``
timing                 Cox model (:class:`TimingModel`)         ``p_convert_30d``, ``p_convert_180d``
ease of delivery       Poisson / NB GLMs (:class:`EffortModel`) ``expected_effort_hours``
profit potential       Gamma GLM (:class:`ValueModel`)          ``expected_commission``
strategic fit          logit (:class:`FitModel`)                ``p_fit``
=====================  =======================================  ==============================

and the expected in-house value (:meth:`leadlever.engine.economics.Economics.in_house_value`)

.. math:: V = p_{convert}\, K - D, \qquad D = c_h\, E[h] + L_p + A

with :math:`K` the expected value of a win (the commission rate times the expected
salary when the value is a salary). A criterion without a model takes its figure from
the economics (``effort_hours``, ``value_per_conversion``), announced as an assumption.
Each criterion also gets a letter tier A-E from the quintiles of the fitted history
(A = best fifth; for effort, A = least effort), in the profile columns ``grade_<criterion>``
(the names users' files know). Without a model, ``expected_effort_hours``
and ``expected_commission`` are left empty (no estimate) and later steps fill them from
the economics, announced again. The bundle is saved as one versioned JSON file (never
pickle).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.economics._economics import Assumption, Economics
from leadlever.engine.economics._lead_values import conversion_values
from leadlever.engine.exceptions import ParameterError
from leadlever.engine.io._outcomes import OUTCOME_COLUMN, parse_outcome
from leadlever.engine.io._persist import (
    check_versioned,
    load_versioned,
    rebuilding,
    save_versioned,
    versioned,
)
from leadlever.engine.qualification._bundle_check import BUNDLE_SCHEMA, probe_bundle
from leadlever.engine.qualification._columns import ColumnMap
from leadlever.engine.qualification._conversion import conversion_from_json, conversion_to_json
from leadlever.engine.qualification._effort import EffortModel
from leadlever.engine.qualification._profit import ResaleModel, ValueModel, expected_commission
from leadlever.engine.qualification._strategic_fit import FitModel
from leadlever.engine.qualification._timing import TimingModel
from leadlever.engine.scoring._fit_record import MODEL_WARNING_COLUMN, chance_label
from leadlever.engine.scoring._tiers import FUNNEL_CUTOFFS, funnel_tiers, score_from_p

__all__ = [
    "QualificationSettings",
    "QualificationBundle",
    "FitReport",
    "load_bundle",
    "criterion_tiers",
    "active_leads",
    "CRITERIA",
    "BUNDLE_VERSION",
]

BUNDLE_FORMAT = "leadlever.qualification"
BUNDLE_VERSION = 2
BUNDLE_HINT = "Create one with `leadlever qualify fit`."

#: criterion -> (profile column graded, higher is better)
CRITERIA = {
    "conversion": ("p_convert", True),
    "timing": ("p_convert_180d", True),
    "delivery": ("expected_effort_hours", False),
    "profit": ("expected_commission", True),
    "fit": ("p_fit", True),
}
_MODELS = {
    "timing": TimingModel,
    "effort": EffortModel,
    "value": ValueModel,
    "resale": ResaleModel,
    "fit": FitModel,
}


@dataclass(frozen=True)
class QualificationSettings:
    """Model settings applied on top of the fitted models (no refit needed); the business
    figures (commission rate, hourly rate ...) are in :class:`~leadlever.engine.economics.Economics`.

    Parameters
    ----------
    horizons : tuple of int
        Days for ``p_convert_<H>d`` (30 and 180 by default).
    target_roles : tuple of str, optional
        If set, ``p_fit`` is the probability of being in one of these role categories
        (multinomial model) instead of the feedback logit.
    tier_cuts : tuple of int
        Upper bounds of the funnel tiers on the 0-100 score (30, 65, 100).
    lost : {"competing", "censor"}
        How lost leads enter the timing model (see :mod:`leadlever.engine.qualification._timing`).
    """

    horizons: tuple[int, ...] = (30, 180)
    target_roles: tuple[str, ...] | None = None
    tier_cuts: tuple[int, ...] = FUNNEL_CUTOFFS
    lost: str = "competing"

    def __post_init__(self) -> None:
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


def criterion_tiers(values, cuts, higher_is_better: bool = True) -> pd.Categorical:
    """Letter tiers A-E of a criterion from its four ascending quintile cut points (A = best
    fifth). Relative to the fitted history, unlike the score bands of
    :func:`leadlever.engine.scoring.letter_tiers`."""
    idx = np.searchsorted(
        np.asarray(cuts, dtype=float), np.asarray(values, dtype=float), side="right"
    )
    codes = idx if higher_is_better else 4 - idx
    return pd.Categorical.from_codes(4 - codes, categories=["A", "B", "C", "D", "E"])


def active_leads(leads: pd.DataFrame, column: str = OUTCOME_COLUMN) -> pd.DataFrame:
    """Rows whose outcome cell is empty (open leads); all rows without that column."""
    from leadlever.engine.io._open_leads import open_mask

    return leads[open_mask(leads, column)]


@dataclass(frozen=True)
class FitReport:
    """Held-out metrics of every model of a bundle, and the status of every criterion."""

    model_version: str
    n_history: int
    n_closed: int
    metrics: dict[str, dict[str, Any]]
    criteria: tuple[dict[str, Any], ...] = ()
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "n_history": self.n_history,
            "n_closed": self.n_closed,
            "criteria": [dict(c) for c in self.criteria],
            "metrics": self.metrics,
            "warnings": list(self.warnings),
        }

    def to_frame(self) -> pd.DataFrame:
        rows = [
            {"model": m, "metric": k, "value": v}
            for m, d in self.metrics.items()
            for k, v in d.items()
            if isinstance(v, int | float)
        ]
        return pd.DataFrame(rows)


@dataclass
class QualificationBundle:
    """Every qualification model of an export, fitted together, saved as one JSON file.

    Models of criteria the export did not support are ``None``.
    """

    columns: ColumnMap
    features: list[str]
    conversion: Any
    timing: TimingModel | None = None
    effort: EffortModel | None = None
    value: ValueModel | None = None
    resale: ResaleModel | None = None
    fit: FitModel | None = None
    settings: QualificationSettings = field(default_factory=QualificationSettings)
    criterion_cuts: dict[str, list[float]] = field(default_factory=dict)
    report: FitReport | None = None
    model_version: str = ""
    model_warning: str | None = None

    @property
    def conversion_auc_ci(self) -> dict[str, Any] | None:
        """The held-out AUC interval of the conversion model (None when not measured)."""
        if self.report is None:
            return None
        return self.report.metrics.get("conversion", {}).get("auc_ci")

    def profile_assumptions(
        self, economics: Economics, columns: Iterable[str] | None = None
    ) -> list[Assumption]:
        """The economics figures a profile rests on (the ones its models do not estimate);
        ``columns``, the leads' column names, say whether a lead's value comes from the
        economics' salary column (:func:`~leadlever.engine.economics.conversion_values`)."""
        names = ["hourly_rate", "legal_fees", "legal_fees_per", "admin_overhead"]
        if self.effort is None:
            names.append("effort_hours")
        if self.value is None:
            if columns is not None and economics.salary_column in set(columns):
                names.append("commission_rate")
            names.append("value_per_conversion")
        elif self.columns.value_is_salary:
            names.append("commission_rate")
        return economics.assumptions(names)

    def open_mask(self, leads: pd.DataFrame) -> np.ndarray:
        """Open leads by the bundle's outcome; when the export lacks its column, by the outcome
        column found (``converted``, ``Converted``, a Won/Lost ``deal_stage`` ...), else all rows."""
        spec = self.columns.outcome
        if spec.column not in leads.columns:
            from leadlever.engine.io._open_leads import find_outcome

            found = find_outcome(leads)
            if found is None:
                return np.ones(len(leads), dtype=bool)
            spec = found
        return ~parse_outcome(leads, spec, strict=False).closed

    def profile(
        self,
        leads: pd.DataFrame,
        settings: QualificationSettings | None = None,
        economics: Economics | None = None,
        *,
        source: str | None = None,
    ) -> pd.DataFrame:
        """The qualification profile of every row of ``leads`` (open and closed alike).

        Carries the lead id (as ``lead_id``), the context columns, ``converted`` (1, 0 or
        empty) and, when the conversion model is no better than chance, ``model_warning``;
        ``source`` names the leads' file in messages.
        """
        s = settings or self.settings
        econ = economics or Economics()
        cm = self.columns
        if hasattr(self.conversion, "preprocessor_"):  # a missing column named with the file
            self.conversion.preprocessor_.check_columns(leads, source)
        X = leads[self.features] if all(c in leads.columns for c in self.features) else leads
        p = np.asarray(self.conversion.predict_proba(X), dtype=float)[:, 1]
        out = pd.DataFrame(index=leads.index)
        if cm.lead_id and cm.lead_id in leads.columns:
            out["lead_id"] = leads[cm.lead_id].astype("string").to_numpy()
        else:
            out["lead_id"] = np.arange(1, len(leads) + 1)
        for role in ("channel", "campaign", "city", "created_at"):
            col = getattr(cm, role)
            if col and col in leads.columns:
                out[role] = leads[col].to_numpy(copy=False)
        if cm.outcome.column in leads.columns:
            out[OUTCOME_COLUMN] = parse_outcome(leads, cm.outcome, strict=False).values.to_numpy()
        out["p_convert"] = p
        out["score"] = score_from_p(p)
        out["tier"] = funnel_tiers(out["score"].to_numpy(), s.tier_cuts)
        if self.timing is not None:
            # two models, one lead: converting within h days is never likelier than converting
            for h, ph in self.timing.predict_within(leads, s.horizons).items():
                out[f"p_convert_{h}d"] = np.minimum(ph, p)
        if self.effort is not None:
            out["expected_interactions"] = self.effort.predict_interactions(leads)
            hours = self.effort.predict_hours(leads)
            out["expected_effort_hours"] = hours
        else:  # no estimate: left empty; the costs below use the economics' figure
            hours = np.full(len(leads), econ.effort_hours)
            out["expected_effort_hours"] = np.nan
        cost = econ.delivery_cost(p, hours)
        out["expected_delivery_cost"] = cost
        if self.value is None:  # no estimate: left empty, the economics' value (rate x salary)
            commission, _, _ = conversion_values(
                lambda c: (
                    pd.to_numeric(leads[c], errors="coerce").to_numpy(dtype=float)
                    if c in leads.columns
                    else None
                ),
                len(leads),
                econ,
            )
        elif cm.value_is_salary:
            salary = self.value.predict(leads)
            out["expected_starting_salary"] = salary
            commission = expected_commission(salary, econ.commission_rate)
        else:
            commission = self.value.predict(leads)
        out["expected_commission"] = np.nan if self.value is None else commission
        if self.fit is not None:
            out["p_fit"] = self.fit.predict(leads, s.target_roles)
            if self.resale is not None:
                out["expected_resale_value"] = self.resale.predict(p, out["p_fit"].to_numpy())
        out["expected_value"] = econ.in_house_value(p, commission, hours)
        # zero delivery cost divides by zero; np.where makes those leads inf
        with np.errstate(divide="ignore", invalid="ignore"):
            out["expected_roi"] = np.where(cost > 0, p * commission / cost, np.inf)
        for name, (col, higher) in CRITERIA.items():
            if col in out.columns and name in self.criterion_cuts and out[col].notna().any():
                out[f"grade_{name}"] = criterion_tiers(
                    out[col].to_numpy(), self.criterion_cuts[name], higher
                )
        label = chance_label(self.conversion_auc_ci)
        if label:
            out[MODEL_WARNING_COLUMN] = label
        return out.reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        models = {
            name: None if getattr(self, name) is None else getattr(self, name).to_dict()
            for name in _MODELS
        }
        return versioned(
            BUNDLE_FORMAT,
            BUNDLE_VERSION,
            {
                "model_version": self.model_version,
                "columns": self.columns.to_dict(),
                "features": list(self.features),
                "settings": self.settings.to_dict(),
                "grade_cuts": self.criterion_cuts,  # the file key stays
                "report": None if self.report is None else self.report.to_dict(),
                "model_warning": self.model_warning,
                "models": {"conversion": conversion_to_json(self.conversion), **models},
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
            hint="Bundles of earlier LeadLever versions must be refitted: " + BUNDLE_HINT,
            schema=BUNDLE_SCHEMA,
            source=source,
        )
        with rebuilding(source, BUNDLE_HINT):
            m = data["models"]
            rep = data.get("report")
            models = {
                name: None if m.get(name) is None else kind.from_dict(m[name])
                for name, kind in _MODELS.items()
            }
            if rep is not None:
                rep = FitReport(
                    **{
                        **rep,
                        "criteria": tuple(rep.get("criteria", ())),
                        "warnings": tuple(rep.get("warnings", ())),
                    }
                )
            return cls(
                columns=ColumnMap.from_dict(data["columns"]),
                features=list(data["features"]),
                conversion=conversion_from_json(m["conversion"], conversion_class, source),
                **models,
                settings=QualificationSettings.from_dict(data["settings"]),
                criterion_cuts={k: list(v) for k, v in data["grade_cuts"].items()},
                report=rep,
                model_version=str(data["model_version"]),
                model_warning=data.get("model_warning"),
            )


def load_bundle(
    path: str | os.PathLike, *, conversion_class: type | None = None
) -> QualificationBundle:
    """Read a bundle written by :meth:`QualificationBundle.save` (plain JSON, no code runs)."""
    hint = "Bundles of earlier LeadLever versions must be refitted: " + BUNDLE_HINT
    data = load_versioned(
        path,
        fmt=BUNDLE_FORMAT,
        version=BUNDLE_VERSION,
        what="bundle",
        hint=hint,
        schema=BUNDLE_SCHEMA,
    )
    source = f"Bundle file '{path}'"
    bundle = QualificationBundle.from_dict(data, conversion_class=conversion_class, source=source)
    probe_bundle(bundle, source, BUNDLE_HINT)
    return bundle
