"""CLI contract of ``leadlever roi evaluate`` and ``leadlever allocate fit|solve``."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from leadlever.cli import app
from leadlever.simulations.world import simulate_channels, simulate_leads

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    leads = simulate_leads(600, seed=1)
    leads["p_convert"] = leads["true_p_convert"]
    leads.to_csv(d / "scored.csv", index=False)
    simulate_channels(80, seed=2).to_csv(d / "history.csv", index=False)
    return d


def test_roi_evaluate_json_keys_and_out_file(files):
    out = files / "verdicts.csv"
    res = runner.invoke(
        app,
        [
            "roi",
            "evaluate",
            str(files / "scored.csv"),
            "--threshold",
            "top40%",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert {"n", "threshold", "share_above", "mean_expected_roi", "by_channel"} <= set(payload)
    is_open = leads_open(files)
    assert payload["n"] == is_open.sum() and payload["n_closed_excluded"] == (~is_open).sum()
    for row in payload["by_channel"]:
        assert {"channel", "n", "mean_expected_roi", "share_above", "feedback"} <= set(row)
        assert (
            row["feedback"] == "too few leads"
            if row["n"] < 30
            else row["feedback"]
            in (
                "reinforce",
                "correct",
            )
        )
    written = pd.read_csv(out)
    assert {"verdict", "magnitude", "expected_roi"} <= set(written.columns)


def leads_open(files):
    return pd.read_csv(files / "scored.csv")["converted"].isna().to_numpy()


def test_roi_evaluate_with_economics_file(files):
    costs = files / "economics.toml"
    costs.write_text("hourly_rate = 1000\n")
    cheap = json.loads(
        runner.invoke(
            app, ["roi", "evaluate", str(files / "scored.csv"), "--threshold", "1", "--json"]
        ).stdout
    )
    dear = json.loads(
        runner.invoke(
            app,
            [
                "roi",
                "evaluate",
                str(files / "scored.csv"),
                "--threshold",
                "1",
                "--economics",
                str(costs),
                "--json",
            ],
        ).stdout
    )
    assert dear["mean_expected_roi"] < cheap["mean_expected_roi"]


def test_roi_evaluate_bad_input_exit_2_and_no_output(files):
    bad = files / "bad.csv"
    pd.read_csv(files / "scored.csv").drop(columns="p_convert").to_csv(bad, index=False)
    out = files / "never.csv"
    res = runner.invoke(app, ["roi", "evaluate", str(bad), "--threshold", "1", "--out", str(out)])
    assert res.exit_code == 2
    assert "p_convert" in res.output and "true_p_convert" in res.output
    assert "Traceback" not in res.output
    assert not out.exists()
    res = runner.invoke(app, ["roi", "evaluate", str(files / "scored.csv"), "--threshold", "lots"])
    assert res.exit_code == 2 and "threshold" in res.output


def test_allocate_fit_then_solve(files):
    curves = files / "curves.csv"
    res = runner.invoke(
        app, ["allocate", "fit", str(files / "history.csv"), "--out", str(curves), "--json"]
    )
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(curves)
    assert {"channel", "curve", "scale", "half_saturation", "shape", "current_spend"} <= set(
        frame.columns
    )
    budget = float(frame["current_spend"].sum())
    res = runner.invoke(app, ["allocate", "solve", str(curves), "--budget", str(budget), "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert {"allocation", "objective", "certificate", "baseline_objective", "uplift"} <= set(
        payload
    )
    assert {"budget_residual", "mroi_spread", "active_bounds"} <= set(payload["certificate"])
    assert sum(payload["allocation"].values()) == pytest.approx(budget)
    assert payload["uplift"] >= -1e-9 * abs(payload["baseline_objective"])
    res = runner.invoke(
        app,
        [
            "allocate",
            "solve",
            str(curves),
            "--budget",
            str(budget),
            "--objective",
            "profit",
            "--json",
        ],
    )
    assert res.exit_code == 0
    assert sum(json.loads(res.stdout)["allocation"].values()) <= budget * (1 + 1e-12)


def test_allocate_solve_hand_written_curves_and_errors(tmp_path):
    curves = tmp_path / "curves.csv"
    curves.write_text(
        "channel,curve,scale,half_saturation,shape,rate,min_spend,max_spend\n"
        "a,hill,100,50,1,,0,\n"
        "b,michaelis_menten,80,20,,,10,60\n"
        "c,exp_saturation,60,,,0.02,,\n"
    )
    res = runner.invoke(app, ["allocate", "solve", str(curves), "--budget", "150", "--json"])
    assert res.exit_code == 0, res.output
    alloc = json.loads(res.stdout)["allocation"]
    assert 10 - 1e-9 <= alloc["b"] <= 60 + 1e-9
    assert "baseline_objective" not in json.loads(res.stdout)
    res = runner.invoke(app, ["allocate", "solve", str(curves), "--budget", "5"])
    assert res.exit_code == 2 and "minimum spends add up to 10" in res.output
    curves.write_text("channel,curve,scale,half_saturation\na,hill,100,50\n")
    res = runner.invoke(app, ["allocate", "solve", str(curves), "--budget", "5"])
    assert res.exit_code == 2 and "column 'shape'" in res.output and "row 1" in res.output
    curves.write_text("channel,curve,scale\na,gompertz,100\n")
    res = runner.invoke(app, ["allocate", "solve", str(curves), "--budget", "5"])
    assert res.exit_code == 2 and "gompertz" in res.output


def test_allocate_fit_bad_history_exit_2_no_output(tmp_path):
    hist = tmp_path / "h.csv"
    hist.write_text("week,channel,spend,value\n1,a,10,1\n2,a,20,2\n")
    out = tmp_path / "curves.csv"
    res = runner.invoke(app, ["allocate", "fit", str(hist), "--out", str(out)])
    assert res.exit_code == 2 and "needs at least" in res.output
    assert not out.exists()
    np.testing.assert_equal(list(tmp_path.iterdir()), [hist])
