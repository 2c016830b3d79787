"""``leadlever score``: fit, apply, evaluate conversion models; manual rules; comparison.

(``score rescore`` is added by the qualification module.)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadlever.cli._common import (
    DedupeOption,
    Engine,
    EngineOption,
    SchedulerOption,
    emit_json,
    handle_errors,
    print_table,
)
from leadlever.cli._options import LostOption, TargetOption, WonOption, outcome_spec

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

__all__ = ["app", "parse_sentinels", "parse_monotone", "parse_interactions"]

app = typer.Typer(
    help="Conversion scoring: fit, apply, evaluate, manual rules, comparison.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
PlotsOption = Annotated[
    Path | None, typer.Option("--plots", help="Folder for ROC, gains/lift and calibration PNGs.")
]
FitPlotsOption = Annotated[
    Path | None,
    typer.Option(
        "--plots",
        help="Folder for ROC, gains/lift and calibration PNGs and one PNG per model term "
        "(main-effect curves with 95% bands, pair heat maps).",
    ),
]


def parse_sentinels(items: list[str]) -> dict[str, list[float | str]]:
    """``["pdays=999", "age=-1"]`` -> ``{"pdays": [999.0], "age": [-1.0]}``."""
    from leadlever.engine.exceptions import ParameterError

    out: dict[str, list[float | str]] = {}
    for item in items:
        col, sep, value = item.partition("=")
        if not sep or not col.strip() or not value.strip():
            raise ParameterError(
                f"--sentinel {item!r} must look like COLUMN=VALUE, e.g. pdays=999."
            )
        try:
            parsed: float | str = float(value)
        except ValueError:
            parsed = value.strip()
        out.setdefault(col.strip(), []).append(parsed)
    return out


def parse_monotone(items: list[str]) -> dict[str, int]:
    """``["visits=+1", "age=-1"]`` -> ``{"visits": 1, "age": -1}``."""
    from leadlever.engine.exceptions import ParameterError

    out: dict[str, int] = {}
    for item in items:
        col, sep, value = item.rpartition("=")
        direction = {"+1": 1, "1": 1, "up": 1, "-1": -1, "down": -1}.get(value.strip().lower())
        if not sep or not col.strip() or direction is None:
            raise ParameterError(
                f"--monotone {item!r} must look like COLUMN=+1 (effect only rises) or "
                "COLUMN=-1 (only falls), e.g. --monotone total_visits=+1."
            )
        out[col.strip()] = direction
    return out


def parse_interactions(value: str) -> int | str:
    """``"auto"`` or a whole number of pair terms."""
    from leadlever.engine.exceptions import ParameterError

    if value.strip().lower() == "auto":
        return "auto"
    if value.strip().isdigit():
        return int(value)
    raise ParameterError(
        f"--interactions {value!r} must be 'auto' (chosen by cross-validation) or a whole "
        "number of pair terms, e.g. --interactions 0 for main effects only."
    )


def _plots(y: np.ndarray, p: np.ndarray, plots: Path | None, model=None) -> list[str]:
    if plots is None:
        return []
    from leadlever.engine.scoring.plots import plot_all, plot_terms

    files = plot_all(y, p, plots)
    if model is not None:
        files += plot_terms(model, plots)
    return [str(x) for x in files]


@app.command("fit")
@handle_errors(
    outputs={"model_out": "json", "oof_out": "table", "plots": "folder"}, inputs=("data",)
)
def fit(
    data: Annotated[
        Path, typer.Argument(help="Closed leads (CSV/Parquet) with features and the target.")
    ],
    target: TargetOption,
    won: WonOption = None,
    lost: LostOption = None,
    drop: Annotated[
        str, typer.Option("--drop", help="Comma-separated columns to leave out (e.g. leaks).")
    ] = "",
    date_col: Annotated[
        str | None, typer.Option("--date-col", help="Evaluate on the latest 20% by this date.")
    ] = None,
    cv: Annotated[
        int, typer.Option("--cv", min=2, help="Stratified folds for out-of-fold metrics.")
    ] = 5,
    sentinel: Annotated[
        list[str] | None,
        typer.Option("--sentinel", help="COLUMN=VALUE meaning missing (repeatable)."),
    ] = None,
    interactions: Annotated[
        str,
        typer.Option(
            "--interactions",
            help="Pair terms: 'auto' (up to 1.5 per column, how many by cross-validation) or a number.",
        ),
    ] = "auto",
    monotone: Annotated[
        list[str] | None,
        typer.Option(
            "--monotone", help="COLUMN=+1 or COLUMN=-1: effect may only rise / fall (repeatable)."
        ),
    ] = None,
    model_out: Annotated[
        Path | None, typer.Option("--model-out", help="Write the model as JSON here.")
    ] = None,
    oof_out: Annotated[
        Path | None, typer.Option("--oof-out", help="Write out-of-fold p_convert per row here.")
    ] = None,
    plots: FitPlotsOption = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the folds.")] = 0,
    dedupe: DedupeOption = False,
    json_out: JsonOption = False,
) -> None:
    """Fit a calibrated conversion model; every reported metric is out-of-fold.

    Id-like columns are left out with a notice, leak suspects are named, and a model no
    better than chance (AUC interval reaching below 0.55) is flagged in plain words.
    """
    from leadlever.engine.io import read_leads, write_table
    from leadlever.engine.scoring import fit_and_evaluate, save_model

    spec = outcome_spec(target, won, lost)
    table = read_leads(data, dedupe=dedupe)
    drops = [c.strip() for c in drop.split(",") if c.strip()]
    model, report = fit_and_evaluate(
        table,
        spec,
        cv=cv,
        date_col=date_col,
        random_state=seed,
        source=str(data),
        drop=drops,
        sentinels=parse_sentinels(sentinel or []),
        interactions=parse_interactions(interactions),
        monotone=parse_monotone(monotone or []),
    )
    if model_out is not None:
        save_model(model, report.record, model_out)
    if oof_out is not None:
        write_table(report.oof, oof_out)
    oof = report.oof
    files = _plots(oof[spec.column].to_numpy(), oof["p_convert"].to_numpy(), plots, model)
    payload = report.to_dict()
    if json_out:
        emit_json({**payload, "model_out": model_out, "oof_out": oof_out, "plots": files})
        return
    terms = payload["terms"]
    pairs = ", ".join(" x ".join(p["columns"]) for p in terms["pairs"]) or "none"
    ci = payload["auc_ci"]
    typer.echo(
        f"Fitted on {payload['n_rows']:,} rows, {payload['n_features']} feature columns, base rate "
        f"{payload['base_rate']:.1%}. Out-of-sample ({payload['split']}, {payload['folds']} fold(s)): "
        f"AUC {payload['auc']:.3f} (95% CI {ci['lower']:.3f}-{ci['upper']:.3f}), PR AUC "
        f"{payload['pr_auc']:.3f}, Brier {payload['brier']:.4f}, "
        f"ECE {payload['ece']:.4f}, top-decile lift {payload['lift_top_decile']:.2f}.\n"
        f"Terms: one per column plus {terms['n_pairs']} pair(s) ({terms['pairs_chosen_by']}): "
        f"{pairs}; calibration {terms['calibration']}."
    )
    if payload["tiers"]["reason"]:
        typer.echo(f"Tiers: {payload['tiers']['reason']}.")
    if cap := terms.get("cell_cap"):
        typer.echo(
            f"Cells: numeric columns were cut into at most {cap['cells_per_numeric_column']} "
            f"cells each, so that all columns' cells stay near {cap['all_columns_near']} (the "
            "fit's time grows with the cube of the cells; ConversionModel(max_bins=...) sets "
            "the number instead)."
        )
    if splined := [m for m in terms["main_effects"] if m.get("splines")]:
        typer.echo(
            f"Curves: {', '.join(m['column'] for m in splined)} are P-splines of "
            f"{splined[0]['splines']} B-splines each; the other numeric columns keep one value "
            "per cell (the larger marginal likelihood decides, by a margin of 3)."
        )
    print_table(
        model.importance().head(10),
        title="Term importance (sd of log-odds contribution):",
        float_format="{:.3f}",
    )
    if files:
        typer.echo(f"Wrote {len(files)} plots into {plots}.")


@app.command("apply")
@handle_errors(outputs={"out": "dataset"}, inputs=("model", "data"))
def apply(
    model: Annotated[Path, typer.Argument(help="Model JSON written by `score fit --model-out`.")],
    data: Annotated[
        Path, typer.Argument(help="Leads to score (CSV, Parquet, or a folder of Parquet files).")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Output table (.csv, .csv.gz or .parquet; a folder with --engine dask)."
        ),
    ],
    reasons: Annotated[
        bool, typer.Option("--reasons/--no-reasons", help="Add reason texts per lead.")
    ] = True,
    engine: EngineOption = Engine.local,
    scheduler: SchedulerOption = None,
    dedupe: DedupeOption = False,
    json_out: JsonOption = False,
) -> None:
    """Add p_convert, score, tier and reasons to every lead (in chunks: any number of leads).

    Also writes 'converted' (1/0/empty, from the outcome the model was fitted on) so later
    steps leave closed leads out, and 'model_warning' when the model is no better than chance.
    """
    from leadlever.cli._options import print_notes
    from leadlever.engine.scoring import load_model, score_file, score_summary

    fitted, record = load_model(model)
    result = score_file(
        (fitted, record),
        data,
        out,
        reasons=reasons,
        dedupe=dedupe,
        engine=engine.value,
        scheduler=scheduler,
    )
    summary = score_summary(result, record, fitted)
    if json_out:
        emit_json(summary)
        return
    print_notes(warnings=summary["warnings"])
    typer.echo(
        f"Scored {summary['n_rows']:,} leads into {out} (mean p_convert "
        f"{summary['mean_p_convert']:.3f}; {summary['n_closed']:,} of them already closed)."
    )
    if summary.get("tier_note"):
        typer.echo(f"Tiers: {summary['tier_note']}.")


@app.command("evaluate")
@handle_errors(outputs={"plots": "folder"}, inputs=("file",))
def evaluate(
    file: Annotated[Path, typer.Argument(help="Table with outcomes and probabilities.")],
    target: TargetOption,
    won: WonOption = None,
    lost: LostOption = None,
    prob_col: Annotated[str, typer.Option("--prob-col", help="Probability column.")] = "p_convert",
    threshold: Annotated[
        float, typer.Option("--threshold", min=0.0, max=1.0, help="Predicted hit when p > this.")
    ] = 0.5,
    plots: PlotsOption = None,
    dedupe: DedupeOption = False,
    json_out: JsonOption = False,
) -> None:
    """Confusion matrix, AUC, Brier, ECE, lift and gains of a probability column."""
    from leadlever.engine.exceptions import MissingColumnsError
    from leadlever.engine.io import closest_names, read_leads
    from leadlever.engine.scoring import evaluate as evaluate_metrics
    from leadlever.engine.scoring import split_target

    table = read_leads(file, dedupe=dedupe)
    if prob_col not in table.columns:
        close = closest_names(prob_col, [str(c) for c in table.columns])
        raise MissingColumnsError(
            f"File '{file}' has no probability column '{prob_col}'"
            + (f" (did you mean '{close[0]}'?)" if close else "")
            + ". Name it with --prob-col.",
            [prob_col],
            {prob_col: close[0]} if close else {},
        )
    X, y = split_target(table, outcome_spec(target, won, lost), str(file))
    from leadlever.engine.io import ColumnSpec, TableSchema, validate_table

    probs = validate_table(
        X[[prob_col]], TableSchema("p", (ColumnSpec(prob_col, "probability"),)), source=str(file)
    )[prob_col].to_numpy(dtype=float)
    result = evaluate_metrics(y, probs, threshold)
    files = _plots(y, probs, plots)
    if json_out:
        emit_json({**result.to_dict(), "plots": files})
        return
    c = result.confusion
    typer.echo(f"{result.n:,} leads, base rate {result.base_rate:.1%}, threshold {threshold}:")
    typer.echo(c.to_frame().to_string())
    typer.echo(
        f"accuracy {c.accuracy:.3f}, precision {c.precision:.3f}, recall {c.recall:.3f}, F1 {c.f1:.3f}, "
        f"specificity {c.specificity:.3f}; AUC {result.auc:.3f}, Brier {result.brier:.4f}, "
        f"ECE {result.ece:.4f}, top-decile lift {result.lift:.2f}"
    )


@app.command("rules")
@handle_errors(outputs={"out": "table"}, inputs=("rules_file", "data"))
def rules(
    rules_file: Annotated[
        Path, typer.Argument(help="TOML rules (see simulations/examples/data/example_rules.toml).")
    ],
    data: Annotated[Path, typer.Argument(help="Leads to score.")],
    out: Annotated[
        Path, typer.Option("--out", help="Output table with manual_points and manual_hot.")
    ],
    dedupe: DedupeOption = False,
    json_out: JsonOption = False,
) -> None:
    """Manual point scoring: conditions -> points, behaviour decay, hot threshold."""
    from leadlever.engine.io import read_leads, write_table
    from leadlever.engine.scoring import apply_rules, load_rules

    ruleset = load_rules(rules_file)
    scored = apply_rules(ruleset, read_leads(data, dedupe=dedupe), source=str(data))
    write_table(scored, out)
    summary = {
        "out": str(out),
        "n_rows": len(scored),
        "n_hot": int(scored["manual_hot"].sum()),
        "mean_points": float(scored["manual_points"].mean()),
        "hot_threshold": ruleset.hot_threshold,
    }
    if json_out:
        emit_json(summary)
    else:
        typer.echo(
            f"Scored {len(scored):,} leads: {summary['n_hot']:,} hot (>= {ruleset.hot_threshold:g} points)."
        )


@app.command("compare")
@handle_errors(inputs=("model", "rules_file", "data"))
def compare(
    model: Annotated[Path, typer.Argument(help="Model JSON from `score fit --model-out`.")],
    rules_file: Annotated[Path, typer.Argument(help="TOML rules file.")],
    data: Annotated[Path, typer.Argument(help="Closed leads with the target.")],
    target: TargetOption,
    won: WonOption = None,
    lost: LostOption = None,
    weight: Annotated[
        float | None,
        typer.Option(
            "--weight",
            min=0.0,
            max=1.0,
            help="Blend weight on the model (default: chosen by cross-validation).",
        ),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option("--threshold", min=0.0, max=1.0, help="Hit threshold for model and blend."),
    ] = 0.5,
    cv: Annotated[int, typer.Option("--cv", min=2, help="Folds (refit and blend weight).")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the folds.")] = 0,
    dedupe: DedupeOption = False,
    json_out: JsonOption = False,
) -> None:
    """Manual points vs predictive probability vs their blend, on leads the model has not seen.

    When the model was fitted on some of these leads it is refitted out-of-fold (and says
    so); the blend weight is chosen by cross-validation unless --weight is given.
    """
    from leadlever.cli._options import print_notes
    from leadlever.engine.io import read_leads
    from leadlever.engine.scoring import compare_on_unseen, load_model, load_rules

    fitted, record = load_model(model)
    result = compare_on_unseen(
        fitted,
        record,
        load_rules(rules_file),
        read_leads(data, dedupe=dedupe),
        outcome_spec(target, won, lost),
        threshold=threshold,
        weight=weight,
        cv=cv,
        seed=seed,
        source=str(data),
    )
    if json_out:
        emit_json(result.to_dict())
        return
    print_notes(notes=result.notes)
    print_table(
        result.to_frame(),
        title=f"{result.result.to_dict()['n']:,} leads ({result.evaluation}):",
        float_format="{:.3f}",
    )
