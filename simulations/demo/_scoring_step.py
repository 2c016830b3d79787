"""Demo step: fit the conversion model on closed leads, score the open ones.

Reports the case study's confusion table at 0.5 (out-of-fold on the closed
leads, so no lead is judged by a model that saw it) and the top open leads with
their reasons.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import pandas as pd

from leadlever.engine.scoring._conversion import DataQualityWarning
from leadlever.engine.scoring._evaluation import fit_and_evaluate
from leadlever.engine.scoring.plots import plot_all
from leadlever.simulations.world._leads import TRUE_COLUMNS

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.simulations.demo._context import DemoContext, Section

__all__ = ["scoring_step", "NOT_FEATURES", "lead_features"]

#: columns not known when a lead arrives (outcomes), ground truth, and the timestamp
NOT_FEATURES = (
    "converted",
    "days_to_convert",
    "placement_salary",
    "commission",
    "n_interactions",
    "effort_hours",
    "fit_feedback",
    "resale_value",
    "created_at",
    *TRUE_COLUMNS,
)


def lead_features(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns a real CRM would have for a new lead."""
    return frame.drop(columns=[c for c in NOT_FEATURES if c in frame.columns])


def scoring_step(ctx: DemoContext) -> Section:
    """Fit on ``ctx.data['closed']``, score ``ctx.data['open']``."""
    from leadlever.simulations.demo._context import Section

    closed, open_leads = ctx.data["closed"], ctx.data["open"]
    table = lead_features(closed).assign(converted=closed["converted"])
    with warnings.catch_warnings():
        # expected on the demo's data, not news to the viewer: nested campaign/channel
        # columns by design (the collinearity notice) and lead_id among the columns
        warnings.simplefilter("ignore", DataQualityWarning)
        warnings.filterwarnings(
            "ignore", message="(excluded|left out) id-like column", category=UserWarning
        )
        model, report = fit_and_evaluate(
            table, "converted", cv=3, random_state=ctx.seed, cv_calibration=3
        )
    scores = model.score_table(lead_features(open_leads)).reset_index(drop=True)
    # the open leads with every original column, plus p_convert, score, tier, reasons
    scored = open_leads.reset_index(drop=True).assign(
        **{c: scores[c] for c in ("p_convert", "score", "tier", "reasons") if c in scores.columns}
    )
    ctx.data.update(scored=scored, conversion_model=model, conversion_report=report)
    c = report.evaluation.confusion
    ev = report.evaluation
    top = scored.sort_values("p_convert", ascending=False).head(5)
    lines = [
        f"Conversion model fitted on {report.n_rows:,} closed leads (base rate {report.base_rate:.1%}); "
        f"3-fold out-of-fold AUC {ev.auc:.3f}, ECE {ev.ece:.3f}, top-decile lift {ev.lift:.2f}, "
        f"calibration {report.calibration_method}.",
        f"Confusion at 0.5 (out-of-fold): {c.tp} true hits, {c.fp} false hits, {c.fn} missed hits, "
        f"{c.tn} true misses -> accuracy {c.accuracy:.2f}, precision {c.precision:.2f}, recall {c.recall:.2f} "
        "(the case study: 6, 2, 3, 14 -> 0.80, 0.75, 0.67).",
        f"Scored {len(scored):,} open leads: "
        + ", ".join(f"{k} {v:,}" for k, v in scored["tier"].value_counts(sort=False).items())
        + ".",
        "Most important attributes: " + ", ".join(i["column"] for i in report.importance[:5]) + ".",
        "Top open leads:",
    ]
    lines += [
        f"  {r.lead_id} p={r.p_convert:.2f} ({r.tier}): {r.reasons}" for r in top.itertuples()
    ]
    confusion = c.to_frame().reset_index(names="")
    return Section(
        key="scoring",
        title="Conversion scoring",
        lines=tuple(lines),
        tables={
            "scored_open_leads": scored,
            "conversion_confusion": confusion,
            "attribute_importance": model.importance(),
        },
        plots=tuple(plot_all(report.oof["converted"], report.oof["p_convert"], ctx.out_dir)),
        explanation=(
            "A penalised logistic regression (statsmodels) with calibrated probabilities; every metric "
            "is out-of-fold. Consultants work the bottom-of-funnel leads first, in descending p_convert; "
            "the reasons say why each lead scores as it does."
        ),
        highlights={
            "Conversion model AUC (out-of-fold)": f"{ev.auc:.3f}",
            "Precision / recall at p > 0.5": f"{c.precision:.0%} / {c.recall:.0%}",
            "Open leads at the bottom of the funnel": f"{int((scored['score'] > 65).sum()):,}",
        },
    )
