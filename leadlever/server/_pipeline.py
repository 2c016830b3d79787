"""What happens to a lead when it arrives: the library's steps, in order.

1. the active qualification bundle profiles it (:meth:`QualificationBundle.profile`)
   and its conversion model gives the reasons (``score_table(reasons=True)``);
2. the expected-ROI evaluator (:func:`leadlever.engine.roi.evaluate_leads`) sets its
   expected ROI against the current OKR threshold: verdict and magnitude;
3. the planner's rules (:func:`leadlever.optimisers.planning.triage_leads`) choose
   the action (work now / nurture / sell, with the price asked when selling).

No number is made up here: every setting comes from the bundle, the economics
(:class:`~leadlever.engine.economics.Economics`, defaults or an economics file) and the
OKR threshold, and each one's source is listed in :meth:`LeadEvaluator.assumptions`. Fields the model uses but a
posted lead lacks are scored as missing values and named in ``missing_fields``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from leadlever.engine.economics import Economics
    from leadlever.engine.qualification import QualificationBundle

__all__ = ["Okr", "LeadEvaluator", "PROFILE_OUT"]

#: the bundle's models, each of which may name fields a posted lead lacks
MODELS_CHECKED = ("conversion", "timing", "effort", "value", "fit")

#: profile columns answered per lead (besides p_convert, score, tier)
PROFILE_OUT = (
    "p_convert_30d",
    "p_convert_180d",
    "expected_effort_hours",
    "expected_commission",
    "p_fit",
    "expected_resale_value",
    "grade_conversion",
    "grade_timing",
    "grade_delivery",
    "grade_profit",
    "grade_fit",
)


@dataclass(frozen=True)
class Okr:
    """The current OKR threshold, where it came from ("default", "option" or "event") and
    the metric it applies to."""

    threshold: float
    source: str
    metric: str = "roi"


class LeadEvaluator:
    """Scores, evaluates and triages leads with one bundle and one set of economics.

    Parameters
    ----------
    bundle : QualificationBundle
    economics : Economics
    metric : {"roi", "profit", "margin"}
        What the OKR threshold applies to.
    """

    def __init__(
        self, bundle: QualificationBundle, economics: Economics, metric: str = "roi"
    ) -> None:
        self.bundle = bundle
        self.economics = economics
        self.metric = metric
        self._required: list[str] | None = None

    @property
    def model_version(self) -> str:
        return self.bundle.model_version

    def assumptions(self, okr: Okr) -> list[dict[str, Any]]:
        """``{name, value, source}`` of every setting a verdict or action rests on."""
        out = [
            {"name": "threshold", "value": okr.threshold, "source": okr.source},
            {
                "name": "metric",
                "value": self.metric,
                "source": "default" if self.metric == "roi" else "option",
            },
        ]
        figures = ("value_per_conversion", "commission_rate", "hourly_rate", "effort_hours",
                   "legal_fees", "legal_fees_per", "admin_overhead", "generation_cost",
                   "generation_cost_by_channel")  # fmt: skip
        out += [a.to_dict() for a in self.economics.assumptions(figures)]
        out.append(
            {
                "name": "price",
                "value": "expected_resale_value (the bundle's resale model)",
                "source": "model",
            }
        )
        return out

    def required_fields(self) -> list[str]:
        """Every input field the bundle's models use (found once, by asking them)."""
        if self._required is None:
            import numpy as np
            import pandas as pd

            from leadlever.engine.exceptions import MissingColumnsError

            probe = pd.DataFrame({"lead_id": ["probe"], "channel": ["probe"]})
            for _ in range(len(MODELS_CHECKED) + 1):
                try:
                    self.bundle.profile(probe)
                    break
                except MissingColumnsError as exc:
                    if not exc.missing:
                        raise
                    probe = probe.assign(**{c: np.nan for c in exc.missing})
            self._required = [c for c in probe.columns if c != "lead_id"]
        return self._required

    def complete_fields(self, leads: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
        """``leads`` with every field the models use (absent ones as missing values), and
        the names of those added."""
        import numpy as np

        missing = [c for c in self.required_fields() if c not in leads.columns]
        return (leads.assign(**{c: np.nan for c in missing}) if missing else leads), missing

    def evaluate(self, leads: pd.DataFrame, okr: Okr) -> tuple[pd.DataFrame, list[str]]:
        """One row per lead (same order) and the model fields the leads lacked.

        Columns: ``lead_id``, ``channel``, ``campaign``, ``p_convert``, ``score``, ``tier``,
        ``reasons``, :data:`PROFILE_OUT`, ``in_house_value`` (the profile's p K - c_h e),
        ``expected_roi``, ``expected_value``, ``acquisition_cost``, ``metric_value``,
        ``verdict``, ``magnitude``, ``action``, ``action_reason``, ``price``.
        """
        import numpy as np

        from leadlever.engine.roi import evaluate_leads
        from leadlever.engine.roi._evaluate import METRIC_COLUMNS
        from leadlever.optimisers.planning import triage_leads

        frame, missing = self.complete_fields(leads)
        profile = self.bundle.profile(frame, economics=self.economics)
        scored = self.bundle.conversion.score_table(frame, reasons=True)
        for col in ("channel", "campaign"):
            if col in frame.columns:
                profile[col] = frame[col].to_numpy()
        report = evaluate_leads(
            profile,
            threshold=okr.threshold,
            economics=self.economics,
            metric=self.metric,
            include_closed=True,  # what is posted is evaluated; the store knows what is open
        )
        roi = report.to_frame()
        actions = triage_leads(profile, economics=self.economics)
        out = profile[["lead_id", "p_convert", "score"]].copy()
        out["tier"] = profile["tier"].astype(str).to_numpy()
        out["channel"] = frame["channel"].astype(str).to_numpy()
        out["campaign"] = (
            frame["campaign"].to_numpy(dtype=object)
            if "campaign" in frame.columns
            else np.full(len(frame), None, dtype=object)
        )
        out["reasons"] = scored["reasons"].to_numpy(dtype=object)
        for col in PROFILE_OUT:
            out[col] = profile[col].astype(object).to_numpy() if col in profile.columns else None
        out["in_house_value"] = profile["expected_value"].to_numpy()
        for col in ("expected_roi", "expected_value", "verdict", "magnitude"):
            out[col] = roi[col].to_numpy()
        out["acquisition_cost"] = roi["generation_cost"].to_numpy()
        out["metric_value"] = roi[METRIC_COLUMNS[self.metric]].to_numpy()
        out["action"] = actions["action"].to_numpy()
        out["action_reason"] = actions["reason"].to_numpy()
        out["price"] = actions["price"].to_numpy()
        return out, missing
