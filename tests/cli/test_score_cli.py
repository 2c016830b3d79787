"""``leadlever score`` through CliRunner: JSON keys, files, bad inputs exit 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from leadlever.cli import app
from leadlever.engine.io import read_table, write_table
from leadlever.simulations.examples import example_path
from leadlever.simulations.world import TRUE_COLUMNS, simulate_leads

EXAMPLE_RULES = example_path("example_rules.toml")

runner = CliRunner()
OUTCOMES = [
    "days_to_convert",
    "placement_salary",
    "commission",
    "n_interactions",
    "effort_hours",
    "fit_feedback",
    "resale_value",
    "created_at",
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("score")
    leads = simulate_leads(1500, seed=5).drop(columns=[*TRUE_COLUMNS, *OUTCOMES])
    closed = leads[leads["converted"].notna()]
    write_table(closed.iloc[:800], d / "train.csv")
    write_table(closed.iloc[800:], d / "test.csv")
    write_table(leads[leads["converted"].isna()].drop(columns=["converted"]), d / "open.csv")
    res = runner.invoke(
        app,
        [
            "score",
            "fit",
            str(d / "train.csv"),
            "--target",
            "converted",
            "--cv",
            "3",
            "--model-out",
            str(d / "m.json"),
            "--oof-out",
            str(d / "oof.csv"),
            "--plots",
            str(d / "plots"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    return d, res


def test_fit_json(files):
    d, res = files
    out = json.loads(res.stdout)
    for key in (
        "n_rows",
        "n_features",
        "base_rate",
        "auc",
        "pr_auc",
        "brier",
        "ece",
        "log_loss",
        "lift_top_decile",
        "calibration",
        "importance",
        "folds",
    ):
        assert key in out
    assert out["folds"] == 3 and {"column", "importance"} <= set(out["importance"][0])
    oof = read_table(d / "oof.csv")
    assert list(oof.columns) == ["lead_id", "p_convert", "converted"] and len(oof) == out["n_rows"]
    # evaluation plots and one plot per term of the saved model
    model = json.loads((d / "m.json").read_text())
    terms = [m["column"] for m in model["mains"]] + [
        " × ".join(p["columns"]) for p in model["pairs"]
    ]
    names = sorted(p.name for p in (d / "plots").iterdir())
    assert {"calibration.png", "gains.png", "roc.png"} <= set(names)
    assert len(names) == 3 + len(terms) == len(out["plots"])
    assert {i["column"] for i in out["importance"]} == set(terms)
    assert out["terms"]["n_pairs"] == len(model["pairs"])
    assert out["tiers"]["method"] in ("funnel", "quantile")


def test_apply_evaluate_rules_compare(files):
    d, _ = files
    res = runner.invoke(
        app,
        [
            "score",
            "apply",
            str(d / "m.json"),
            str(d / "open.csv"),
            "--out",
            str(d / "s.csv"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    applied = json.loads(res.stdout)
    assert applied["tier_method"] in ("funnel", "quantile")
    assert bool(applied["tier_note"]) == (applied["tier_method"] == "quantile")
    scored = read_table(d / "s.csv")
    assert {"p_convert", "score", "tier", "reasons"} <= set(scored.columns)
    assert scored["reasons"].str.contains("the chance from").mean() > 0.9
    res = runner.invoke(
        app, ["score", "evaluate", str(d / "oof.csv"), "--target", "converted", "--json"]
    )
    assert res.exit_code == 0, res.output
    ev = json.loads(res.stdout)
    for key in (
        "tp",
        "fp",
        "fn",
        "tn",
        "accuracy",
        "precision",
        "recall",
        "f1",
        "specificity",
        "auc",
        "brier",
        "ece",
        "lift",
        "gains",
    ):
        assert key in ev
    assert ev["tp"] + ev["fp"] + ev["fn"] + ev["tn"] == len(read_table(d / "oof.csv"))
    res = runner.invoke(
        app,
        [
            "score",
            "rules",
            str(EXAMPLE_RULES),
            str(d / "open.csv"),
            "--out",
            str(d / "r.csv"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["n_rows"] == len(scored)
    res = runner.invoke(
        app,
        [
            "score",
            "compare",
            str(d / "m.json"),
            str(EXAMPLE_RULES),
            str(d / "test.csv"),
            "--target",
            "converted",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    names = [r["score"] for r in json.loads(res.stdout)["scores"]]
    assert names == ["manual", "predictive", "blend"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["score", "fit", "{d}/nope.csv", "--target", "converted"], "does not exist"),
        (["score", "fit", "{d}/train.csv", "--target", "convertd"], "did you mean 'converted'"),
        (["score", "fit", "{d}/train.csv", "--target", "converted", "--drop", "nosuch"], "nosuch"),
        (
            ["score", "fit", "{d}/train.csv", "--target", "converted", "--sentinel", "age"],
            "COLUMN=VALUE",
        ),
        (["score", "apply", "{d}/oof.csv", "{d}/open.csv", "--out", "{d}/x.csv"], "not valid JSON"),
        (["score", "apply", "{d}/m.json", "{d}/oof.csv", "--out", "{d}/x.csv"], "lacks column"),
        (
            ["score", "evaluate", "{d}/oof.csv", "--target", "converted", "--prob-col", "p"],
            "--prob-col",
        ),
        (["score", "evaluate", "{d}/oof.csv", "--target", "lead_id"], "yes/no"),
        (
            ["score", "fit", "{d}/train.csv", "--target", "converted", "--monotone", "age=up2"],
            "COLUMN=+1",
        ),
        (
            ["score", "fit", "{d}/train.csv", "--target", "converted", "--monotone", "channel=+1"],
            "only numeric and date columns can be monotone",
        ),
        (
            ["score", "fit", "{d}/train.csv", "--target", "converted", "--interactions", "many"],
            "--interactions",
        ),
    ],
)
def test_bad_inputs_exit_2(files, args, needle):
    d, _ = files
    res = runner.invoke(app, [a.format(d=d) for a in args])
    assert res.exit_code == 2, res.output
    assert needle in res.stderr and "Traceback" not in res.output
    assert not (d / "x.csv").exists()


def test_fit_with_monotone_and_fixed_pairs(files):
    d, _ = files
    res = runner.invoke(
        app,
        [
            "score",
            "fit",
            str(d / "train.csv"),
            "--target",
            "converted",
            "--cv",
            "3",
            "--interactions",
            "0",
            "--monotone",
            "skills_match=+1",
            "--model-out",
            str(d / "mono.json"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["terms"]["n_pairs"] == 0 and out["terms"]["pairs_chosen_by"] == "fixed"
    main = next(m for m in out["terms"]["main_effects"] if m["column"] == "skills_match")
    assert main["monotone"] == 1
    model = json.loads((d / "mono.json").read_text())
    values = next(m["values"] for m in model["mains"] if m["column"] == "skills_match")
    bins = next(b for b in model["bins"] if b["name"] == "skills_match")
    ordered = np.asarray(values)[: bins["missing_cell"]]
    assert np.all(np.diff(ordered) >= -1e-9)


def test_fit_text_names_the_p_spline_columns(tmp_path):
    """The text output announces which smooth columns became P-splines, the same ones
    the JSON marks with ``splines``."""
    import pandas as pd

    rng = np.random.default_rng(3)
    n = 3000
    smooth = rng.uniform(0, 10, n)
    period = rng.integers(0, 30, n)
    eta = -1.5 + np.sin(smooth / 2) + rng.normal(0, 1, 30)[period]
    frame = pd.DataFrame(
        {
            "site_minutes": smooth,
            "week_code": period,
            "won": (rng.random(n) < 1 / (1 + np.exp(-eta))),
        }
    )
    path = tmp_path / "leads.csv"
    frame.to_csv(path, index=False)
    text = runner.invoke(app, ["score", "fit", str(path), "--target", "won", "--interactions", "0"])
    assert text.exit_code == 0, text.output
    data = runner.invoke(
        app, ["score", "fit", str(path), "--target", "won", "--interactions", "0", "--json"]
    )
    splined = [
        m["column"] for m in json.loads(data.stdout)["terms"]["main_effects"] if m["splines"]
    ]
    assert splined == ["site_minutes"]
    curves = next(line for line in text.output.splitlines() if line.startswith("Curves:"))
    assert "site_minutes" in curves and "week_code" not in curves
