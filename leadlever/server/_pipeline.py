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

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from leadlever.server._answer_columns import PROFILE_OUT

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from leadlever.engine.economics import Economics
    from leadlever.engine.qualification import QualificationBundle

__all__ = ["Okr", "LeadEvaluator", "PROFILE_OUT", "FAST_MAX_LEADS", "PROBE_REL_TOL"]

log = logging.getLogger("leadlever.server")

#: the bundle's models, each of which may name fields a posted lead lacks
MODELS_CHECKED = ("conversion", "timing", "effort", "value", "fit")

#: most records scored by the fast path in one call (larger batches: the library's path)
FAST_MAX_LEADS = 20_000

#: relative difference allowed between the fast path and the library on the probe leads
#: (both run the same operations; this only absorbs a last-bit difference)
PROBE_REL_TOL = 1e-9


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
        self._fast: Any = None
        self._compiled = False
        self._familiar: Any = None

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

    def familiarity(self, records: list[dict[str, Any]]) -> tuple[list[dict[str, str]], list[str]]:
        """Per posted lead, the fields whose category the conversion model was not fitted on
        (``unfamiliar_fields``), and the warnings ``score apply`` gives on the same leads
        (:func:`~leadlever.engine.scoring._familiarity.unfamiliar_warnings`; none can fire
        below :data:`~leadlever.engine.scoring._familiarity.UNFAMILIAR_MIN_ROWS` leads)."""
        from leadlever.engine.scoring._familiarity import SHIFT_MIN_ROWS, UNFAMILIAR_MIN_ROWS

        per_lead = self.familiar_fields().of(records)
        if len(records) < min(UNFAMILIAR_MIN_ROWS, SHIFT_MIN_ROWS):
            return per_lead, []
        import pandas as pd

        return per_lead, self.input_warnings(pd.DataFrame.from_records(records))

    def check_numbers(self, records: list[dict[str, Any]], batch: bool) -> None:
        """Refuse text where the conversion model reads numbers (a DataError naming the
        fields; nothing is stored)."""
        from leadlever.engine.exceptions import DataError
        from leadlever.engine.io._numbers import shorten

        bad = self.familiar_fields().text_in_numbers(records)
        if bad:
            shown = "; field ".join(
                f"'{f'[{i}].' if batch else ''}{name}' holds {shorten(v, 30)}"
                for i, name, v in bad[:5]
            )
            more = f" ({len(bad) - 5} more)" if len(bad) > 5 else ""
            raise DataError(
                f"Field {shown}{more}: text where the model reads numbers. Send a number, or "
                "null when it is unknown. Nothing was stored."
            )

    def familiar_fields(self) -> Any:
        """The compiled :class:`~leadlever.server._familiar.FamiliarFields` (built once)."""
        if self._familiar is None:
            from leadlever.server._familiar import FamiliarFields

            self._familiar = FamiliarFields(self.bundle.conversion)
        return self._familiar

    def input_warnings(self, leads: pd.DataFrame) -> list[str]:
        """What ``qualify apply`` warns of on ``leads``: categories the conversion model was
        not fitted on, numeric columns distributed unlike the fit
        (:func:`~leadlever.engine.scoring._familiarity.unfamiliar_warnings`)."""
        from leadlever.engine.scoring._familiarity import unfamiliar_counts, unfamiliar_warnings

        model = self.bundle.conversion
        return unfamiliar_warnings(model, unfamiliar_counts(model, leads))

    def fast(self) -> Any:
        """The compiled :class:`~leadlever.server._fast_eval.FastEvaluator` of this bundle
        (built once), or None when the bundle's models are not all of the classes it knows
        or when its answers on probe leads differ from the library's (then logged)."""
        if not self._compiled:
            from leadlever.server._fast_eval import compile_bundle

            fast = compile_bundle(self.bundle, self.economics, self.metric)
            if fast is not None and not self._agrees(fast):
                log.warning(
                    "model %s: the compiled fast path disagrees with the library on probe "
                    "leads; leads are scored by the library's batch path",
                    self.model_version,
                )
                fast = None
            self._fast, self._compiled = fast, True
        return self._fast

    def _agrees(self, fast: Any) -> bool:
        """Whether ``fast`` gives the library's answers on the bundle's probe leads."""
        import math

        import pandas as pd

        records = fast.probe_records()
        okr = Okr(1.0, "probe", self.metric)
        try:
            got, _ = fast.evaluate(records, okr.threshold)
            scored, _ = self.evaluate(pd.DataFrame.from_records(records), okr)
        except Exception:  # noqa: BLE001 (a model whose internals the fast path misreads)
            log.exception("scoring the probe leads failed")
            return False

        def same(a: Any, b: Any) -> bool:
            a, b = (x.item() if hasattr(x, "item") else x for x in (a, b))
            missing = [x is None or (isinstance(x, float) and math.isnan(x)) for x in (a, b)]
            if any(missing):
                return all(missing)
            if isinstance(a, float) or isinstance(b, float):
                return math.isclose(a, b, rel_tol=PROBE_REL_TOL, abs_tol=PROBE_REL_TOL)
            return a == b

        return list(got) == list(scored.columns) and all(
            same(a, b)
            for col in scored.columns
            for a, b in zip(got[col], scored[col].to_numpy(dtype=object), strict=True)
        )

    def evaluate_records(
        self, records: list[dict[str, Any]], okr: Okr
    ) -> tuple[dict[str, list[Any]], list[str]]:
        """:meth:`evaluate` of posted records, as columns of plain values.

        Up to :data:`FAST_MAX_LEADS` records go through the compiled fast path (same
        numbers, reasons and actions, without pandas frames); larger batches, bundles
        the fast path does not know, records without text ``lead_id`` and ``channel`` and
        records it cannot read as the library does (a category sent as a number:
        :class:`~leadlever.server._fast_terms.Unsupported`) through the library's batch
        functions.
        """
        fast = self.fast()
        if fast is not None and len(records) <= FAST_MAX_LEADS and fast.supports(records):
            from leadlever.server._fast_terms import Unsupported

            try:
                return fast.evaluate(records, okr.threshold)
            except Unsupported:
                pass
        import pandas as pd

        frame = pd.DataFrame.from_records(records)
        frame["lead_id"] = frame["lead_id"].astype(str)
        scored, missing = self.evaluate(frame, okr)
        return {c: scored[c].to_numpy(dtype=object).tolist() for c in scored.columns}, missing

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
