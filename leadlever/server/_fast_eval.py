"""The arrival pipeline on plain records: the library's numbers without its pandas frames.

:class:`FastEvaluator` is compiled once per active model version (at the first lead
after an activation) from the bundle's public, persisted model state, and then computes
for a few records what :meth:`LeadEvaluator.evaluate` computes with the library's batch
functions: the qualification profile (:meth:`QualificationBundle.profile`), the
conversion reasons (``ConversionModel.score_table(reasons=True)``), the expected-ROI
verdict (:func:`~leadlever.engine.roi.evaluate_leads`, through its array functions
``resolve_inputs`` and ``lead_economics``) and the action (``triage_arrays``, the
planner's rules). The conversion model's log-odds and term contributions come from
:mod:`._fast_additive` (cells and term tables), its reasons from :mod:`._fast_reasons`,
the other models' linear predictors from :mod:`._fast_terms`; everything after them
(calibration, baseline hazard, links, economics, tiers, grades, triage) is the library's
own numpy code. ``tests/server/test_fast_path.py`` checks the two paths agree on many
random leads, unseen categories, missing fields and out-of-range values included.

:func:`compile_bundle` returns None for a bundle whose models are not the classes it knows
(``ConversionModel`` with the additive structure :func:`additive_structure_ok` checks,
``TimingModel``, ``GLMModel``/``ValueModel``, ``EffortModel``, ``FitModel``,
``ResaleModel``); the service then keeps the library's batch path. Records the readers do
not read as the library would raise :class:`~._fast_terms.Unsupported` (the service then
scores them by the library's path too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from leadlever.server._fast_additive import AdditiveScorer, additive_structure_ok
from leadlever.server._fast_terms import LinearPredictor, RawValues, _number

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.engine.economics import Economics
    from leadlever.engine.qualification import QualificationBundle

__all__ = ["FastEvaluator", "compile_bundle"]


def _glm(model: Any) -> LinearPredictor:
    full = np.zeros(model.keep_.size)
    full[model.keep_] = model.coef_
    return LinearPredictor.of(model.preprocessor_, full[1:], intercept=full[0])


def _glm_mean(model: Any, eta: np.ndarray) -> np.ndarray:
    """``GLMModel.predict`` from its linear predictor (the family's inverse link)."""
    from leadlever.engine.qualification._glm import _LOG_LINK

    if model.family in _LOG_LINK:
        return np.exp(eta)
    if model.family == "binomial":
        return 1.0 / (1.0 + np.exp(-eta))
    return eta


def _known(bundle: QualificationBundle) -> bool:
    """Whether every model of the bundle is one whose scoring this module mirrors."""
    from leadlever.engine.qualification._effort import EffortModel
    from leadlever.engine.qualification._glm import GLMModel
    from leadlever.engine.qualification._profit import ResaleModel, ValueModel
    from leadlever.engine.qualification._strategic_fit import FitModel
    from leadlever.engine.qualification._timing import TimingModel
    from leadlever.engine.scoring._conversion import ConversionModel

    kinds = {"timing": TimingModel, "effort": EffortModel, "value": ValueModel,
             "fit": FitModel, "resale": ResaleModel}  # fmt: skip
    if type(bundle.conversion) is not ConversionModel:
        return False
    if not additive_structure_ok(bundle.conversion):
        return False
    if not all(getattr(bundle, k) is None or type(getattr(bundle, k)) is c
               for k, c in kinds.items()):  # fmt: skip
        return False
    glms = [bundle.value] if bundle.value is not None else []
    if bundle.effort is not None:
        glms += [m for m in (bundle.effort.hours_, bundle.effort.count_) if m is not None]
    if bundle.fit is not None:
        glms.append(bundle.fit.feedback_)
    return all(type(m) in (GLMModel, ValueModel) for m in glms)


def compile_bundle(
    bundle: QualificationBundle, economics: Economics, metric: str = "roi"
) -> FastEvaluator | None:
    """The fast evaluator of ``bundle``, or None when its models are not all known."""
    return FastEvaluator(bundle, economics, metric) if _known(bundle) else None


class FastEvaluator:
    """Profile, reasons, verdict and action of a few leads given as dicts.

    Parameters
    ----------
    bundle : QualificationBundle
        Of the classes :func:`compile_bundle` accepts.
    economics : Economics
    metric : {"roi", "profit", "margin"}
    """

    def __init__(self, bundle: QualificationBundle, economics: Economics, metric: str) -> None:
        from leadlever.engine.qualification._bundle import CRITERIA
        from leadlever.engine.scoring._tiers import funnel_tiers
        from leadlever.optimisers.planning import PlannerSettings

        self.bundle, self.economics, self.metric = bundle, economics, metric
        self.planner = PlannerSettings()
        self.conversion = AdditiveScorer(bundle.conversion)
        self.timing = None
        if bundle.timing is not None:
            t = bundle.timing
            full = np.zeros(t.keep_.size)
            full[t.keep_] = t.coef_
            self.timing = LinearPredictor.of(t.features_, full)
            # the baseline cumulative hazard at each horizon: a constant of the model
            self.hazards = {int(h): t.cumulative_hazard(h) for h in bundle.settings.horizons}
        self.glms = {}
        for name, model in self._glm_models().items():
            self.glms[name] = (model, _glm(model))
        self.roles = None
        fit = bundle.fit
        if fit is not None and bundle.settings.target_roles is not None and fit.roles_:
            r = fit.roles_
            full = np.zeros((r["keep"].size, r["coef"].shape[1]))
            full[r["keep"]] = r["coef"]
            self.roles = [LinearPredictor.of(r["features"], full[1:, k], intercept=full[0, k])
                          for k in range(full.shape[1])]  # fmt: skip
        self.fields = sorted(self._fields())
        # the funnel tier of every possible score (0-100), by the library's own rule
        scores = np.arange(101)
        self.tiers = np.asarray(funnel_tiers(scores, bundle.settings.tier_cuts), dtype=object)
        self.grades = {name: _grade_table(cuts, CRITERIA[name][1])
                       for name, cuts in bundle.criterion_cuts.items() if name in CRITERIA}  # fmt: skip

    def _glm_models(self) -> dict[str, Any]:
        b = self.bundle
        out = {}
        if b.effort is not None:
            out["hours"] = b.effort.hours_
            if b.effort.count_ is not None:
                out["interactions"] = b.effort.count_
        if b.value is not None:
            out["value"] = b.value
        if b.fit is not None:
            out["fit"] = b.fit.feedback_
        return out

    def _fields(self) -> set[str]:
        """Every column a model's preprocessor checks for (``check_columns``)."""
        b = self.bundle
        pres = [b.conversion.preprocessor_] + [m.preprocessor_ for m, _ in self.glms.values()]
        pres += [b.timing.features_] if b.timing is not None else []
        pres += [b.fit.roles_["features"]] if self.roles is not None else []
        return {p["name"] for pre in pres for p in pre.plans_}

    def probe_records(self) -> list[dict[str, Any]]:
        """Four leads that reach every kind of cell of the models' plans: all fields absent,
        each field at its median or first level, beyond its clip range or at its last level,
        at its lower quartile or an unseen level (what :meth:`LeadEvaluator.fast` compares
        with the library before using this evaluator)."""
        plans: dict[str, dict[str, Any]] = {}
        b = self.bundle
        pres = [b.conversion.preprocessor_] + [m.preprocessor_ for m, _ in self.glms.values()]
        pres += [b.timing.features_] if b.timing is not None else []
        for pre in pres:
            for plan in pre.plans_:
                plans.setdefault(plan["name"], plan)
        out = [{"lead_id": "probe-0", "channel": "probe-unseen-channel"}]
        for k in range(1, 4):
            record: dict[str, Any] = {"lead_id": f"probe-{k}"}
            for name, plan in plans.items():
                record[name] = _probe_value(plan, k)
            record["channel"] = str(record.get("channel") or "probe-unseen-channel")
            out.append(record)
        return out

    def supports(self, records: list[dict[str, Any]]) -> bool:
        """Leads as the API posts them: text ``lead_id`` and ``channel`` in every record."""
        return all(isinstance(r.get("lead_id"), str) and isinstance(r.get("channel"), str)
                   for r in records)  # fmt: skip

    # ---------------------------------------------------------------- profile
    def _conversion_values(self, raw: RawValues) -> np.ndarray:
        """:func:`~leadlever.engine.economics.conversion_values` on the posted records, read
        cell by cell as the library reads the column."""
        from leadlever.engine.economics._lead_values import conversion_values

        col = self.economics.salary_column
        salary = (
            np.array([_number(r.get(col)) for r in raw.records], dtype=float)
            if any(col in r for r in raw.records)
            else None
        )
        values, _, _ = conversion_values(
            lambda c: salary if c == col else None, raw.n, self.economics
        )
        return values

    def profile(self, raw: RawValues, eta: np.ndarray) -> dict[str, np.ndarray]:
        """:meth:`QualificationBundle.profile`'s numeric and grade columns (``eta``: the
        conversion model's log-odds)."""
        from leadlever.engine.qualification._bundle import CRITERIA
        from leadlever.engine.qualification._profit import expected_commission
        from leadlever.engine.scoring._tiers import score_from_p

        b, econ, s, n = self.bundle, self.economics, self.bundle.settings, raw.n
        p = b.conversion.calibrator_.predict(eta)
        out: dict[str, np.ndarray] = {"p_convert": p, "score": score_from_p(p)}
        out["tier"] = self.tiers[out["score"]]
        if self.timing is not None:
            rel = np.exp(self.timing(raw))
            for h in s.horizons:
                within = 1.0 - np.exp(-self.hazards[int(h)] * rel)
                out[f"p_convert_{int(h)}d"] = np.minimum(within, p)  # as the library's profile
        mean = {k: _glm_mean(m, lp(raw)) for k, (m, lp) in self.glms.items()}
        if b.effort is not None:
            hours = mean["hours"]
            out["expected_effort_hours"] = hours
        else:
            hours = np.full(n, econ.effort_hours)
            out["expected_effort_hours"] = np.full(n, np.nan)
        if b.value is None:  # the economics' value: rate x salary where a lead has one
            commission = self._conversion_values(raw)
        elif b.columns.value_is_salary:
            out["expected_starting_salary"] = mean["value"]
            commission = expected_commission(mean["value"], econ.commission_rate)
        else:
            commission = mean["value"]
        out["expected_commission"] = np.full(n, np.nan) if b.value is None else commission
        if b.fit is not None:
            out["p_fit"] = self._p_fit(raw, mean["fit"])
            if b.resale is not None:
                out["expected_resale_value"] = b.resale.predict(p, out["p_fit"])
        out["expected_value"] = econ.in_house_value(p, commission, hours)
        for name, (col, _) in CRITERIA.items():
            if col in out and name in self.grades and not np.isnan(out[col]).all():
                cuts, letters = self.grades[name]
                out[f"grade_{name}"] = letters[np.searchsorted(cuts, out[col], side="right")]
        return out

    def _p_fit(self, raw: RawValues, feedback: np.ndarray) -> np.ndarray:
        roles = self.bundle.settings.target_roles
        if roles is None:
            return feedback
        if self.roles is None or any(r not in self.bundle.fit.role_levels_ for r in roles):
            return self.bundle.fit.predict(_frame(raw, self.fields), roles)  # its own error
        eta = np.column_stack([np.zeros(raw.n)] + [lp(raw) for lp in self.roles])
        eta -= eta.max(axis=1, keepdims=True)
        prob = np.exp(eta)
        prob /= prob.sum(axis=1, keepdims=True)
        levels = self.bundle.fit.role_levels_
        return sum(prob[:, levels.index(r)] for r in roles)

    # ------------------------------------------------------------- evaluation
    def evaluate(
        self, records: list[dict[str, Any]], threshold: float
    ) -> tuple[dict[str, list[Any]], list[str]]:
        """The columns of :meth:`LeadEvaluator.evaluate` as lists, and the model fields no
        record has."""
        from leadlever.engine.roi._evaluate import METRIC_COLUMNS, lead_economics, resolve_inputs
        from leadlever.engine.roi._threshold import parse_threshold
        from leadlever.optimisers.planning._triage import triage_arrays
        from leadlever.server._answer_columns import PROFILE_OUT
        from leadlever.server._fast_reasons import reason_texts

        raw = RawValues(records)
        econ, n = self.economics, raw.n
        eta, contrib = self.conversion(raw)
        prof = self.profile(raw, eta)
        p = prof["p_convert"]
        channel = np.array([r["channel"] for r in records], dtype=object)

        def get(name: str) -> np.ndarray | None:
            col = prof.get(name)
            return col if col is not None and col.dtype.kind == "f" else None

        inputs, _, _ = resolve_inputs(get, channel, n, econ)
        money = lead_economics(p, inputs["commission"], inputs["effort"], inputs["acquisition"],
                               econ)  # fmt: skip
        values = money[METRIC_COLUMNS[self.metric]]
        tau = parse_threshold(threshold).resolve(values, None)
        filled = {c: np.where(np.isnan(prof[c]), getattr(econ, f), prof[c])
                  for c, f in (("expected_commission", "value_per_conversion"),
                               ("expected_effort_hours", "effort_hours"))}  # fmt: skip
        arrays = {
            "p_convert": p,
            **filled,
            "p_fit": prof.get("p_fit", np.full(n, 1.0)),
            "p_convert_180d": prof.get("p_convert_180d", np.full(n, 1.0)),
            "resale": np.nan_to_num(prof.get("expected_resale_value", np.zeros(n)), nan=0.0),
        }
        action, reason, price, _ = triage_arrays(arrays, self.planner, econ)
        none = [None] * n
        cols: dict[str, list[Any]] = {
            "lead_id": [r["lead_id"] for r in records],
            "p_convert": p.tolist(),
            "score": prof["score"].tolist(),
            "tier": [str(t) for t in prof["tier"]],
            "channel": channel.tolist(),
            "campaign": [r.get("campaign") for r in records],
            "reasons": reason_texts(self.conversion, raw, eta, contrib, p),
        }
        for col in PROFILE_OUT:
            cols[col] = prof[col].tolist() if col in prof else none
        cols["in_house_value"] = prof["expected_value"].tolist()
        cols["expected_roi"] = money["expected_roi"].tolist()
        cols["expected_value"] = money["expected_value"].tolist()
        cols["verdict"] = np.where(values >= tau, "positive", "negative").tolist()
        cols["magnitude"] = (values - tau).tolist()
        cols["acquisition_cost"] = inputs["acquisition"].tolist()
        cols["metric_value"] = values.tolist()
        cols["action"] = action.tolist()
        cols["action_reason"] = reason.tolist()
        cols["price"] = price.tolist()
        missing = [c for c in self.fields if all(c not in r for r in records)]
        return cols, missing


def _probe_value(plan: dict[str, Any], k: int) -> Any:
    """Probe lead ``k``'s value of a plan's column (see :meth:`FastEvaluator.probe_records`)."""
    kind = plan["kind"]
    if kind == "categorical":
        return [plan["levels"][0], plan["levels"][-1], "probe-unseen-level"][k - 1]
    if kind == "binary":
        return [1, 0, None][k - 1]
    if kind == "date":
        return plan.get("reference_date") if k == 1 else None
    lo, hi = plan["clip"]
    return [plan["median"], hi + abs(hi - lo) + 1.0, plan["quartiles"][0]][k - 1]


def _grade_table(cuts: list[float], higher: bool) -> tuple[np.ndarray, np.ndarray]:
    """A criterion's cut points and the letter of each bin (``searchsorted`` index), as
    :func:`criterion_tiers` gives them: asked once for a value in every bin (the index only
    changes at a cut, so minus infinity, the cuts and infinity reach every bin)."""
    from leadlever.engine.qualification._bundle import criterion_tiers

    cuts_arr = np.asarray(cuts, dtype=float)
    probes = np.r_[-np.inf, cuts_arr, np.inf]
    letters = np.empty(len(cuts_arr) + 1, dtype=object)
    bins = np.searchsorted(cuts_arr, probes, side="right")
    letters[bins] = np.asarray(criterion_tiers(probes, cuts_arr, higher), dtype=object)
    return cuts_arr, letters


def _frame(raw: RawValues, fields: list[str]):
    """The records as the library's frame (for the rare path this module leaves to it)."""
    import pandas as pd

    frame = pd.DataFrame.from_records(list(raw.records))
    return frame.assign(**{c: np.nan for c in fields if c not in frame.columns})
