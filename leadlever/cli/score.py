"""``leadlever score``: fit, apply, evaluate conversion models; manual rules; comparison.

(``score rescore`` is added by the qualification module.)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadlever.cli._common import emit_json, handle_errors, print_table

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

__all__ = ["app", "parse_sentinels", "parse_monotone", "parse_interactions"]

app = typer.Typer(
    help="Conversion scoring: fit, apply, evaluate, manual rules, comparison.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
TargetOption = Annotated[str, typer.Option("--target", help="0/1 (or yes/no) outcome column.")]
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
@handle_errors
def fit(
    data: Annotated[
        Path, typer.Argument(help="Closed leads (CSV/Parquet) with features and the target.")
    ],
    target: TargetOption,
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
            help="Pair terms: 'auto' (up to 2 per column, how many by cross-validation) or a number.",
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
    json_out: JsonOption = False,
) -> None:
    """Fit a calibrated conversion model; every reported metric is out-of-fold."""
    from leadlever.engine.io import read_table, table_format, write_table
    from leadlever.engine.scoring import fit_and_evaluate

    if oof_out is not None:
        table_format(oof_out)
    table = read_table(data)
    drops = [c.strip() for c in drop.split(",") if c.strip()]
    model, report = fit_and_evaluate(
        table,
        target,
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
        model.save(model_out)
    if oof_out is not None:
        write_table(report.oof, oof_out)
    oof = report.oof
    files = _plots(oof[target].to_numpy(), oof["p_convert"].to_numpy(), plots, model)
    payload = report.to_dict()
    if json_out:
        emit_json({**payload, "model_out": model_out, "oof_out": oof_out, "plots": files})
        return
    terms = payload["terms"]
    pairs = ", ".join(" x ".join(p["columns"]) for p in terms["pairs"]) or "none"
    typer.echo(
        f"Fitted on {payload['n_rows']:,} rows, {payload['n_features']} feature columns, base rate "
        f"{payload['base_rate']:.1%}. Out-of-sample ({payload['split']}, {payload['folds']} fold(s)): "
        f"AUC {payload['auc']:.3f}, PR AUC {payload['pr_auc']:.3f}, Brier {payload['brier']:.4f}, "
        f"ECE {payload['ece']:.4f}, top-decile lift {payload['lift_top_decile']:.2f}.\n"
        f"Terms: one per column plus {terms['n_pairs']} pair(s) ({terms['pairs_chosen_by']}): "
        f"{pairs}; calibration {terms['calibration']}."
    )
    if payload["tiers"]["reason"]:
        typer.echo(f"Tiers: {payload['tiers']['reason']}.")
    print_table(
        model.importance().head(10),
        title="Term importance (sd of log-odds contribution):",
        float_format="{:.3f}",
    )
    if files:
        typer.echo(f"Wrote {len(files)} plots into {plots}.")


@app.command("apply")
@handle_errors
def apply(
    model: Annotated[Path, typer.Argument(help="Model JSON written by `score fit --model-out`.")],
    data: Annotated[Path, typer.Argument(help="Leads to score (CSV/Parquet).")],
    out: Annotated[Path, typer.Option("--out", help="Output table (.csv or .parquet).")],
    reasons: Annotated[
        bool, typer.Option("--reasons/--no-reasons", help="Add reason texts per lead.")
    ] = True,
    json_out: JsonOption = False,
) -> None:
    """Add p_convert, score, tier and reasons to every lead."""
    from leadlever.engine.io import read_table, table_format, write_table
    from leadlever.engine.scoring import ConversionModel

    table_format(out)
    fitted = ConversionModel.load(model)
    table = read_table(data)
    scored = fitted.score_table(table, reasons=reasons, source=str(data))
    write_table(scored, out)
    summary = {
        "out": str(out),
        "n_rows": len(scored),
        "mean_p_convert": float(scored["p_convert"].mean()),
        "tiers": scored["tier"].value_counts(sort=False).to_dict(),
        "tier_method": fitted.tiers_["method"],
        "tier_note": fitted.tiers_["reason"],
    }
    if json_out:
        emit_json(summary)
    else:
        typer.echo(
            f"Scored {len(scored):,} leads into {out} (mean p_convert {summary['mean_p_convert']:.3f})."
        )
        if summary["tier_note"]:
            typer.echo(f"Tiers: {summary['tier_note']}.")


@app.command("evaluate")
@handle_errors
def evaluate(
    file: Annotated[Path, typer.Argument(help="Table with outcomes and probabilities.")],
    target: TargetOption,
    prob_col: Annotated[str, typer.Option("--prob-col", help="Probability column.")] = "p_convert",
    threshold: Annotated[
        float, typer.Option("--threshold", min=0.0, max=1.0, help="Predicted hit when p > this.")
    ] = 0.5,
    plots: PlotsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Confusion matrix, AUC, Brier, ECE, lift and gains of a probability column."""
    from leadlever.engine.exceptions import MissingColumnsError
    from leadlever.engine.io import closest_names, read_table
    from leadlever.engine.scoring import evaluate as evaluate_metrics
    from leadlever.engine.scoring import split_target

    table = read_table(file)
    if prob_col not in table.columns:
        close = closest_names(prob_col, [str(c) for c in table.columns])
        raise MissingColumnsError(
            f"File '{file}' has no probability column '{prob_col}'"
            + (f" (did you mean '{close[0]}'?)" if close else "")
            + ". Name it with --prob-col.",
            [prob_col],
            {prob_col: close[0]} if close else {},
        )
    X, y = split_target(table, target, str(file))
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
@handle_errors
def rules(
    rules_file: Annotated[
        Path, typer.Argument(help="TOML rules (see simulations/examples/data/example_rules.toml).")
    ],
    data: Annotated[Path, typer.Argument(help="Leads to score.")],
    out: Annotated[
        Path, typer.Option("--out", help="Output table with manual_points and manual_hot.")
    ],
    json_out: JsonOption = False,
) -> None:
    """Manual point scoring: conditions -> points, behaviour decay, hot threshold."""
    from leadlever.engine.io import read_table, table_format, write_table
    from leadlever.engine.scoring import apply_rules, load_rules

    table_format(out)
    ruleset = load_rules(rules_file)
    scored = apply_rules(ruleset, read_table(data), source=str(data))
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
@handle_errors
def compare(
    model: Annotated[Path, typer.Argument(help="Model JSON (fitted on other leads).")],
    rules_file: Annotated[Path, typer.Argument(help="TOML rules file.")],
    data: Annotated[Path, typer.Argument(help="Held-out closed leads with the target.")],
    target: TargetOption,
    weight: Annotated[
        float, typer.Option("--weight", min=0.0, max=1.0, help="Blend weight on the model.")
    ] = 0.5,
    threshold: Annotated[
        float,
        typer.Option("--threshold", min=0.0, max=1.0, help="Hit threshold for model and blend."),
    ] = 0.5,
    json_out: JsonOption = False,
) -> None:
    """Manual points vs predictive probability vs their blend on the same held-out leads."""
    from leadlever.engine.io import read_table
    from leadlever.engine.scoring import ConversionModel, apply_rules, load_rules, split_target
    from leadlever.engine.scoring._blend import (
        blend_probabilities,
        compare_scores,
        points_to_probability,
    )

    fitted = ConversionModel.load(model)
    ruleset = load_rules(rules_file)
    X, y = split_target(read_table(data), target, str(data))
    p = fitted.predict_proba(X)[:, 1]
    points = apply_rules(ruleset, X, source=str(data))["manual_points"].to_numpy()
    blend = blend_probabilities(p, points_to_probability(points, y), weight)
    result = compare_scores(
        y,
        {
            "manual": (points, ruleset.hot_threshold),
            "predictive": (p, threshold),
            "blend": (blend, threshold),
        },
    )
    if json_out:
        emit_json(result.to_dict())
    else:
        print_table(result.to_frame(), title=f"{len(y):,} held-out leads:", float_format="{:.3f}")
